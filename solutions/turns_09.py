"""Your turn in notebook 09: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from workbook import scaling
from workbook.your_turn import same


# Your turn: the number of shards changes from `before` to `after`. What share of `keys`
# (0 to 1) now goes to a different shard? `scaling.shard_for(key, n)` says where a key goes.
def share_moved(keys, before, after):
    ### BEGIN SOLUTION
    moved = [key for key in keys
             if scaling.shard_for(key, before) != scaling.shard_for(key, after)]
    return len(moved) / len(keys)
    ### END SOLUTION


def check_share_moved(share_moved):
    """Yield one behaviour at a time, on a thousand user keys."""
    keys = [f"user-{n}" for n in range(1000)]

    def truth(before, after):
        return sum(scaling.shard_for(k, before) != scaling.shard_for(k, after) for k in keys) / 1000

    yield same("the same number of shards: nothing moves", share_moved(keys, 2, 2), 0)
    for before, after in ((2, 3), (1, 2), (3, 4)):
        got, expected = share_moved(keys, before, after), truth(before, after)
        ok = isinstance(got, float | int) and abs(got - expected) < 1e-9
        yield ok, (f"from {before} to {after} shards: {expected:.0%} of the keys move"
                   + ("" if ok else f", you said {got!r}"))
