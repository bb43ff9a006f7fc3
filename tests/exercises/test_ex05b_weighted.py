import random
from collections import Counter

import ex05b_weighted as ex
import pytest

pytestmark = pytest.mark.exercise("05b")
WEIGHTS = {"high": 6, "default": 3, "low": 1}


def test_every_queue_exactly_once():
    order = ex.weighted_order(WEIGHTS, random.Random(1))
    assert sorted(order) == sorted(WEIGHTS)


def test_repeatable_with_a_seed():
    assert ex.weighted_order(WEIGHTS, random.Random(7)) == ex.weighted_order(
        WEIGHTS, random.Random(7))


def test_first_place_follows_the_weights():
    rng = random.Random(42)
    firsts = Counter(ex.weighted_order(WEIGHTS, rng)[0] for _ in range(6000))
    assert 0.55 < firsts["high"] / 6000 < 0.65
    assert 0.25 < firsts["default"] / 6000 < 0.35
    assert 0.07 < firsts["low"] / 6000 < 0.13


def test_low_is_not_starved_but_zero_weight_is_last():
    rng = random.Random(3)
    orders = [ex.weighted_order({"high": 1, "low": 1, "never": 0}, rng) for _ in range(200)]
    assert all(order[-1] == "never" for order in orders)
    assert {order[0] for order in orders} == {"high", "low"}
