"""Your turn in notebook 10: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from workbook.your_turn import same


# Your turn: the provider counts what it accepted in the last second. Given the sorted times
# (in seconds) of the messages it accepted, return the most it saw in any one-second window:
# a window (t - 1, t] ending at an accepted message t.
def busiest_second(times):
    ### BEGIN SOLUTION
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1:
            start += 1
        best = max(best, end - start + 1)
    return best
    ### END SOLUTION


def check_busiest_second(busiest_second):
    """Yield one behaviour at a time."""
    yield same("no messages: 0", busiest_second([]), 0)
    yield same("one message: 1", busiest_second([5.0]), 1)
    yield same("three within a second: 3", busiest_second([0.0, 0.4, 0.9]), 3)
    yield same("exactly one second apart are in different windows: 1",
               busiest_second([0.0, 1.0, 2.0]), 1)
    yield same("the window slides: the busiest is 0.5 to 1.4, with 3",
               busiest_second([0.0, 0.5, 0.9, 1.4, 2.6]), 3)
    spaced = [n / 8 for n in range(80)]  # 8 a second, evenly, for 10 s
    yield same("8 a second, evenly spaced, for 10 s: 8", busiest_second(spaced), 8)
