"""Exercise 05b: Sidekiq's weighted queues, in Python.

RQ checks queues in strict order, so a busy ``high`` queue starves ``low``. Sidekiq instead
accepts weights (``high: 6, default: 3, low: 1``) and, before each job, shuffles the queue
order so a queue comes first with probability proportional to its weight.

Complete ``weighted_order(weights, rng)``: return every queue name exactly once, ordered by a
weighted draw without replacement: pick the first queue with probability weight / total,
remove it, pick the next among the rest the same way, and so on. Use ``rng.random()`` (a
``random.Random``) for every draw, so a seeded rng gives a repeatable order. A queue with
weight 0 never comes before a queue with a positive weight.

Hint (the idea): a random number between 0 and the total weight falls into one queue's share
of that range; take that queue out and repeat with the rest. Notebook 05, "Sidekiq's
weighted queues". Stuck? ``hint("05b")`` or ``make hint EX=05b``.
"""

from __future__ import annotations

import random


def weighted_order(weights: dict[str, int], rng: random.Random) -> list[str]:
    """Every queue once, in a weighted random order (higher weight: earlier, usually)."""
    remaining = dict(weights)
    order: list[str] = []
    ### HINT: while remaining: total of the weights left, rng.random() times it, walk subtracting
    ### HINT: each weight until below zero; zero weights go last.
    ### BEGIN SOLUTION
    while remaining:
        total = sum(remaining.values())
        if total <= 0:
            order.extend(remaining)  # only zero weights left, in their given order
            break
        draw = rng.random() * total
        for name, weight in remaining.items():
            if weight <= 0:
                continue
            draw -= weight
            if draw < 0:
                break
        order.append(name)
        del remaining[name]
    ### END SOLUTION
    return order
