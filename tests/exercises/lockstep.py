"""Redis clients that take turns, one round trip each: the interleaving a race needs, forced.

A check-then-act done in two round trips (read the bucket, then write it) is right when one
client runs alone and wrong when two clients both read before either writes. Hoping that
threads fall into that order makes a test that catches the mistake on some runs only.
:func:`in_lockstep` forces it: client 0 makes its first round trip, then client 1 its first,
then client 0 its second, and so on, each waiting for the other's reply, until one is done
and the other runs on alone. A Lua script (``EVAL``) or a ``MULTI … EXEC`` pipeline is one
round trip, so no turn falls inside it: what is atomic in Redis stays atomic here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

import redis

from mailer_app.redis_client import client_for

T = TypeVar("T")


class Lockstep:
    """Whose turn it is to make a round trip, among the parties still running."""

    def __init__(self, parties: int, timeout: float = 30):
        self._active = list(range(parties))
        self._turn = 0
        self._timeout = timeout
        self._changed = threading.Condition()

    def _next(self, party: int) -> int:
        later = [p for p in self._active if p > party]
        return (later or self._active or [party])[0]

    def wait_turn(self, party: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._turn == party, self._timeout):
                raise TimeoutError(f"client {party} waited {self._timeout} s for its turn: the "
                                   "other client neither sent a command nor finished")

    def pass_turn(self, party: int) -> None:
        with self._changed:
            if self._turn == party:
                self._turn = self._next(party)
            self._changed.notify_all()

    def leave(self, party: int) -> None:
        with self._changed:
            self._active.remove(party)
            if self._turn == party:
                self._turn = self._next(party)
            self._changed.notify_all()


def _taking_turns(lockstep: Lockstep, party: int) -> type[redis.Connection]:
    class TakingTurns(redis.Connection):
        """A connection that sends only on its turn and hands the turn on at the reply."""

        gated = False  # set once the client is connected: the handshake takes no turn
        _awaiting = False

        def send_packed_command(self, command, check_health=True):
            if not self.gated:
                return super().send_packed_command(command, check_health)
            lockstep.wait_turn(party)
            try:
                super().send_packed_command(command, check_health)
            except BaseException:
                lockstep.pass_turn(party)
                raise
            self._awaiting = True

        def read_response(self, *args, **kwargs):
            try:
                return super().read_response(*args, **kwargs)
            finally:
                # The first reply: Redis has run the whole round trip (a pipeline's commands
                # arrive together and run one after another, before any other client's).
                if self._awaiting:
                    self._awaiting = False
                    lockstep.pass_turn(party)

    return TakingTurns


def in_lockstep(redis_url: str, calls: Sequence[Callable[[redis.Redis], T]],
                timeout: float = 30) -> list[T]:
    """Run each call in a thread with a client of its own, the clients taking turns.

    Returns what each call returned, in order; raises the first exception one raised.
    """
    lockstep = Lockstep(len(calls), timeout)
    classes = [_taking_turns(lockstep, party) for party in range(len(calls))]
    clients = [client_for(redis_url, connection_class=cls) for cls in classes]
    results: list = [None] * len(calls)
    raised: list[BaseException] = []
    try:
        for client, cls in zip(clients, classes, strict=True):
            client.ping()  # connected (and its handshake done) before the turns begin
            cls.gated = True

        def run(party: int) -> None:
            try:
                results[party] = calls[party](clients[party])
            except BaseException as exc:  # raised again below, where pytest sees it
                raised.append(exc)
            finally:
                lockstep.leave(party)

        threads = [threading.Thread(target=run, args=(party,)) for party in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout * (len(calls) + 1))
    finally:
        for client in clients:
            client.close()
    if raised:
        raise raised[0]
    return results
