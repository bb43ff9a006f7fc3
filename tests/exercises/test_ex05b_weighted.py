import random
from collections import Counter

import ex05b_weighted as ex
import pytest

pytestmark = pytest.mark.exercise("05b")
WEIGHTS = {"high": 6, "default": 3, "low": 1}
DRAWS = 6000

#: Weighted draws without replacement: first with weight / total, then among the rest.
EXPECTED = {
    ("high", "default", "low"): 6 / 10 * 3 / 4,
    ("high", "low", "default"): 6 / 10 * 1 / 4,
    ("default", "high", "low"): 3 / 10 * 6 / 7,
    ("default", "low", "high"): 3 / 10 * 1 / 7,
    ("low", "high", "default"): 1 / 10 * 6 / 9,
    ("low", "default", "high"): 1 / 10 * 3 / 9,
}


def test_every_queue_exactly_once():
    order = ex.weighted_order(WEIGHTS, random.Random(1))
    assert sorted(order) == sorted(WEIGHTS), f"{order}: every queue must appear exactly once"


def test_repeatable_with_a_seed():
    assert ex.weighted_order(WEIGHTS, random.Random(7)) == ex.weighted_order(
        WEIGHTS, random.Random(7)), "draw only from rng, so the same seed gives the same order"


def test_first_place_follows_the_weights():
    rng = random.Random(42)
    firsts = Counter(ex.weighted_order(WEIGHTS, rng)[0] for _ in range(DRAWS))
    shares = {name: round(firsts[name] / DRAWS, 3) for name in WEIGHTS}
    assert abs(shares["high"] - 0.6) < 0.04 and abs(shares["default"] - 0.3) < 0.04, (
        f"first place went {shares}, not 0.6/0.3/0.1: draw the first queue by weight")


def test_every_place_follows_the_weights():
    rng = random.Random(11)
    orders = Counter(tuple(ex.weighted_order(WEIGHTS, rng)) for _ in range(DRAWS))
    for order, expected in EXPECTED.items():
        share = orders[order] / DRAWS
        assert abs(share - expected) < 0.03, (
            f"the order {order} came {share:.3f} of the time, not {expected:.3f}: after the "
            "first place, draw the next among the rest by weight again")


def test_low_is_not_starved_but_zero_weight_is_last():
    rng = random.Random(3)
    orders = [ex.weighted_order({"high": 1, "low": 1, "never": 0}, rng) for _ in range(200)]
    assert all(order[-1] == "never" for order in orders), "a zero weight must come last"
    assert {order[0] for order in orders} == {"high", "low"}, "equal weights must share first place"
