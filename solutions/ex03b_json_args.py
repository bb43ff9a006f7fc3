"""Exercise 03b: turn rich Python values into plain JSON job arguments.

RQ with the JSON serializer accepts only str, int, float, bool, None, lists and dicts with
string keys. Complete ``to_job_args(value)`` so it returns a JSON-safe copy:

* ``datetime`` and ``date`` become ISO 8601 strings (``value.isoformat()``);
* ``Decimal`` becomes its string (``"19.99"``), ``UUID`` its string;
* tuples become lists, sets become *sorted* lists;
* dicts and lists are converted recursively (dict keys must already be strings);
* anything else raises ``TypeError`` naming the type (pass an id, not an object).

Hint (the idea): look at the value's type and turn each kind into the nearest JSON kind,
recursing into containers; refuse the rest. Notebook 03, "Only simple JSON arguments".
Stuck? ``hint("03b")`` or ``make hint EX=03b``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any


def to_job_args(value: Any) -> Any:
    """Return ``value`` converted to plain JSON types, or raise TypeError."""
    ### HINT: isinstance checks in order: plain types, then date/datetime (isoformat), Decimal and
    ### HINT: UUID (str), list/tuple, set (sorted), dict (keys must be str).
    ### BEGIN SOLUTION
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_job_args(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_job_args(item) for item in value)
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("dict keys must be strings")
        return {key: to_job_args(item) for key, item in value.items()}
    raise TypeError(f"cannot pass a {type(value).__name__} to a job: pass an id instead")
    ### END SOLUTION
