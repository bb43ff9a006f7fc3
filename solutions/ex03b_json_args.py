"""Exercise 03b: turn rich Python values into plain JSON job arguments.

RQ with the JSON serializer accepts only str, int, float, bool, None, lists and dicts with
string keys. Complete ``to_job_args(value)`` so it returns a JSON-safe copy:

* ``datetime`` and ``date`` become ISO 8601 strings (``value.isoformat()``);
* ``Decimal`` becomes its string (``"19.99"``), ``UUID`` its string;
* tuples become lists, sets become *sorted* lists;
* dicts and lists are converted recursively (dict keys must already be strings);
* anything else raises ``TypeError`` naming the type (pass an id, not an object).

Hint: check the types in order with ``isinstance``; ``datetime`` is a subclass of ``date``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any


def to_job_args(value: Any) -> Any:
    """Return ``value`` converted to plain JSON types, or raise TypeError."""
    ### HINT: handle None/str/bool/int/float first, then date, Decimal/UUID, containers.
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
