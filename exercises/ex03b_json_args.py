# Generated from solutions/ex03b_json_args.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
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
    raise NotImplementedError("Exercise 03b, to_job_args: not started. Read the docstring, then hint('03b') if you need the API.")
