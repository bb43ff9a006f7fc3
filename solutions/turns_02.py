"""Your turn in notebook 02: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

import math

from workbook.your_turn import same


# Your turn: `signups` people sign up at the same moment; the server has `threads` request
# threads and the mail server takes `delay` seconds. How long does the last one wait?
# (math.ceil rounds up: import math in this cell to use it.)
def last_signup_wait(signups, threads, delay):
    ### BEGIN SOLUTION
    return math.ceil(signups / threads) * delay
    ### END SOLUTION


def check_last_signup_wait(last_signup_wait, answers, delay):
    """Yield one behaviour at a time; ``answers`` are the notebook's measured (status, seconds)."""
    measured = max(seconds for _, seconds in answers)
    predicted = last_signup_wait(len(answers), 1, delay)
    close = abs(predicted - measured) <= 0.1 * measured
    yield close, (f"{len(answers)} signups, 1 thread: agrees with what this notebook measured"
                  + ("" if close else f": you said {predicted!r}, the last signup took "
                                      f"{measured:.1f}"))
    yield same("8 signups, 8 threads: one delay each", last_signup_wait(8, 8, 30), 30)
    yield same("9 signups, 8 threads: the ninth waits two delays", last_signup_wait(9, 8, 30), 60)
    yield same("1 signup, 4 threads: still the whole delay", last_signup_wait(1, 4, 30), 30)
