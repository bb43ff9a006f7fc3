"""The worker classes this app's workers run: RQ's own, made to stop when asked.

Every RQ worker listens for commands (``rq.command.send_shutdown_command``, stop or kill a job) on
a pub/sub channel of its own, in a thread that reads for up to 60 seconds at a time
(``pubsub.run_in_thread(sleep_time=60)``). When the worker stops, RQ 3.0's ``unsubscribe()``
sends UNSUBSCRIBE first and tells that thread to stop second. When the thread reads Redis's
confirmation in between (24 of 60 burst workers here), it finds nothing subscribed and waits in
redis-py for a new subscription for the full 60 seconds, where ``stop()`` cannot reach it. RQ
waits one second for it and goes on without it: those workers stopped 1.0 to 1.4 s after
unsubscribing instead of 0.1 to 0.5 s.

Asking the thread to stop *before* unsubscribing closes the window: the confirmation that wakes
it is its last read (0 of 60 took a second). Everything else is RQ's; ``stop()`` runs twice,
which is harmless.

Source lines, rq 3.0.0 as installed (the same code on RQ's main branch:
https://github.com/rq/rq/blob/aa666a8a60dbc5e8bb43f166cda869c67426a11a/rq/worker/base.py#L1094-L1132):
``rq/worker/base.py`` 1103-1110 (``subscribe``: ``sleep_time=60``) and 1134-1141
(``unsubscribe``: ``pubsub.unsubscribe()``, then ``pubsub_thread.stop()``,
``join(timeout=1)``, ``pubsub.close()``). redis-py 8.1.0, ``redis/client.py``: 1695 (the
confirmation clears ``subscribed_event``), 1595-1598 (``get_message`` then waits on it for the
whole timeout), 1767-1787 (the thread checks ``stop()`` only between reads). The reproduction
and the report for RQ: ``tools/rq_exit_repro.py``.

Use these wherever RQ's classes would go: ``rq worker --worker-class mailer_app.worker.Worker``
(what the workbook's commands pass), ``mailer_app.worker.SimpleWorker``,
``mailer_app.worker.SpawnWorker``, and ``rq worker-pool --worker-class ...``.
"""

from __future__ import annotations

import rq.worker

#: What ``rq worker --worker-class`` is given when no other class is asked for.
WORKER_CLASS = "mailer_app.worker.Worker"


class StopsPubsubFirst:
    """Stop the command thread before UNSUBSCRIBE, so Redis's confirmation ends its last read."""

    def unsubscribe(self) -> None:
        if self.pubsub_thread:
            self.pubsub_thread.stop()
        super().unsubscribe()


class Worker(StopsPubsubFirst, rq.worker.Worker):
    """RQ's default worker (a work-horse forked per job), stopping at once."""


class SimpleWorker(StopsPubsubFirst, rq.worker.SimpleWorker):
    """RQ's SimpleWorker (jobs in the worker's own process), stopping at once."""


class SpawnWorker(StopsPubsubFirst, rq.worker.SpawnWorker):
    """RQ's SpawnWorker (a new interpreter per job), stopping at once."""
