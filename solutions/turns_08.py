"""Your turn in notebook 08: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

import math

from workbook.your_turn import same


# Your turn: people sign up at `signups_per_minute`, and each welcome email waits `delay`
# seconds on the mail server. How many workers (one job at a time each) keep up?
# (math.ceil rounds up: import math in this cell to use it.)
def workers_needed(signups_per_minute, delay):
    ### BEGIN SOLUTION
    emails_per_worker = 60 / delay  # per minute: a worker waits for one email at a time
    return math.ceil(signups_per_minute / emails_per_worker)
    ### END SOLUTION


def check_workers_needed(workers_needed):
    """Yield one behaviour at a time."""
    yield same("two signups a minute, 30 s mail server: one worker", workers_needed(2, 30), 1)
    yield same("forty a minute, 30 s: twenty workers, as above", workers_needed(40, 30), 20)
    yield same("forty-one a minute, 30 s: a whole extra worker", workers_needed(41, 30), 21)
    yield same("600 a minute, 0.2 s emails: two workers", workers_needed(600, 0.2), 2)
    yield same("nobody signing up: no worker", workers_needed(0, 30), 0)
