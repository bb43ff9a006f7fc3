"""Your turn in notebook 00: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from workbook import redis_runner
from workbook.your_turn import same


# Your turn: store `value` under `key` with `client`, then read it back and return it as text
# (a str, not bytes: see how the `with` block above printed the greeting).
def store_and_read(client, key, value):
    client.set(key, value)
    ### BEGIN SOLUTION
    return client.get(key).decode()
    ### END SOLUTION


def check_store_and_read(store_and_read):
    """Yield one behaviour at a time, on a throwaway server of the check's own."""
    with redis_runner.redis_server() as server:
        client = server.client()
        got = store_and_read(client, "me", "Ada")
        yield same("gives back the value it stored", got, "Ada")
        yield same("gives text (str), not bytes", type(got).__name__, "str")
        yield same("reads the key it was given", store_and_read(client, "you", "Grace"), "Grace")
