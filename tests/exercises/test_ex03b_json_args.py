import datetime as dt
import json
import uuid
from decimal import Decimal

import ex03b_json_args as ex
import pytest

pytestmark = pytest.mark.exercise("03b")


@pytest.mark.parametrize(("value", "expected"), [
    (dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC), "2026-11-27T09:30:00+00:00"),
    (dt.date(2026, 11, 27), "2026-11-27"),
    (Decimal("19.99"), "19.99"),
    (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ((1, 2), [1, 2]),
    ({3, 1, 2}, [1, 2, 3]),
    ({"at": dt.date(2026, 1, 2), "tags": ("a",)}, {"at": "2026-01-02", "tags": ["a"]}),
    ([None, True, 1.5, "x"], [None, True, 1.5, "x"]),
    ([dt.date(2026, 1, 2), [Decimal("1.50")]], ["2026-01-02", ["1.50"]]),
])
def test_converts_to_plain_json(value, expected):
    converted = ex.to_job_args(value)
    assert converted == expected, (
        f"{value!r} became {converted!r}, not {expected!r}: dates become ISO 8601 text, "
        "decimals and UUIDs text, tuples lists, sets sorted lists")
    assert json.loads(json.dumps(converted)) == expected


@pytest.mark.parametrize("value", [object(), {1: "a"}, [b"bytes"], {"f": print}])
def test_refuses_what_json_cannot_hold(value):
    with pytest.raises(TypeError):
        converted = ex.to_job_args(value)
        pytest.fail(f"{value!r} became {converted!r}: raise TypeError for what JSON cannot "
                    "hold (objects, bytes, functions, non-text dict keys)")


class Invoice:
    pass


@pytest.mark.parametrize(("value", "kind"), [
    (Invoice(), "Invoice"), ([b"bytes"], "bytes"), ({"when": dt.time(9, 30)}, "time"),
])
def test_the_error_names_the_type_it_refused(value, kind):
    with pytest.raises(TypeError) as refused:
        ex.to_job_args(value)
    assert kind in str(refused.value), (
        f"the TypeError says {str(refused.value)!r}: name the type you refused ({kind}), so "
        "whoever passed it knows what to turn into an id")


def test_the_value_given_is_left_as_it_was():
    value = {"at": dt.date(2026, 1, 2), "items": [Decimal("1.50"), ("a", "b")]}
    ex.to_job_args(value)
    assert value == {"at": dt.date(2026, 1, 2), "items": [Decimal("1.50"), ("a", "b")]}, (
        f"to_job_args changed the value it was given into {value!r}: return a converted copy")
