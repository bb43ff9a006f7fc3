"""Notebook 10's storm: a burst of signups against a mail provider with a rate limit.

:func:`storm` starts the rate-limited SMTP sink (:mod:`workbook.smtp_sink`), ``workers``
app workers and the web app, signs ``signups`` people up at once, and waits until every
welcome email is sent or has failed for good. The queue depth is sampled while it runs (for
the plot); every other figure is read afterwards from durable facts: the sink's log of
attempts, the users' ``created_at`` and ``welcome_sent_at``, and RQ's failed-job registry.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mailer_app import db
from mailer_app.queues import JOB_CLASS, get_queue
from workbook.http import post
from workbook.pace import seconds_between
from workbook.processes import wait_until
from workbook.smtp_sink import Attempt, start_sink


@dataclass
class Storm:
    """One storm's figures."""

    signups: int
    workers: int
    provider_rate: float
    limit: float  # the shared limit (0: none)
    attempts: list[Attempt]
    sends: list[tuple[float, float]]  # per email sent: (seconds after the first signup, latency)
    failed_for_good: int  # welcome jobs that used up their retries
    answers: list[dict]  # the signups' JSON answers
    depth: list[tuple[float, int]] = field(default_factory=list)  # (seconds, jobs waiting)

    @property
    def latencies(self) -> list[float]:
        """Seconds from each signup to its welcome email."""
        return [latency for _, latency in self.sends]

    @property
    def sent(self) -> int:
        return sum(a.accepted for a in self.attempts)

    @property
    def temporary_failures(self) -> int:
        return sum(not a.accepted for a in self.attempts)

    def busiest_second(self) -> int:
        """The most messages the provider accepted in any one second (a sliding window)."""
        times = sorted(a.at for a in self.attempts if a.accepted)
        best, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def send_rate(self) -> float:
        """Messages accepted a second, from the first acceptance to the last."""
        times = sorted(a.at for a in self.attempts if a.accepted)
        if len(times) < 2:
            return float(len(times))
        return (len(times) - 1) / (times[-1] - times[0])

    def latency(self, q: float) -> float:
        """The ``q`` quantile (0 to 1) of signup-to-sent seconds."""
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            max(0, min(98, round(q * 100) - 1))]

    def late_notices(self) -> int:
        return sum("notice" in a for a in self.answers)


def storm(lab, signups: int = 60, workers: int = 6, provider_rate: float = 10,
          limit: float = 0, limiter: str = "mailer_app.ratelimit:take",
          retry: str = "1,2,4", late_after: float = 60, name: str = "storm") -> Storm:
    """Run one storm on ``lab`` (a Workbench) and return its figures; stop what it started."""
    lab.reset()
    sink = start_sink(lab.directory, provider_rate, name=f"{name}-sink")
    env = {**sink.settings(), "MAIL_RETRY_INTERVALS": retry, "MAIL_RATE_LIMIT": str(limit),
           "MAIL_RATE_LIMITER": limiter, "MAIL_DELAY_SECONDS": "0",
           "MAIL_LATE_AFTER_SECONDS": str(late_after), "FOLLOWUP_DELAY_SECONDS": "0"}
    started = [lab.worker(["mailers"], env=env, reuse=False, job_class=JOB_CLASS)
               for _ in range(workers)]
    queue = get_queue("mailers", lab.connection())
    try:
        base = lab.web(MAIL_DELIVERY="queued", **env)
        payloads = [{"name": f"Storm {n}", "email": f"{name}{n}@example.com"}
                    for n in range(1, signups + 1)]
        begun = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = [body for _, body, _ in
                       pool.map(lambda p: post(base, "/users", p), payloads)]
        depth: list[tuple[float, int]] = []

        def settled() -> bool:
            depth.append((time.monotonic() - begun,
                          queue.count + queue.scheduled_job_registry.count))
            done = queue.failed_job_registry.count + sent_count(lab)
            return done >= signups

        wait_until(settled, 120, interval=0.2, what="every welcome email sent or failed")
        return Storm(signups, workers, provider_rate, limit, sink.attempts(),
                     sends(lab), queue.failed_job_registry.count, answers, depth)
    finally:
        lab.stop_web()
        for worker in started:
            lab.retire(worker)
        sink.stop()


def sent_count(lab) -> int:
    with db.connection(lab.env["DATABASE"]) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM users WHERE welcome_sent_at IS NOT NULL").fetchone()[0]


def sends(lab) -> list[tuple[float, float]]:
    """Per email sent: seconds after the first signup, and seconds from its signup.

    Both from the database (``created_at``, ``welcome_sent_at``), so they are the same
    whenever they are read.
    """
    with db.connection(lab.env["DATABASE"]) as conn:
        first = conn.execute("SELECT MIN(created_at) FROM users").fetchone()[0]
        rows = conn.execute("SELECT created_at, welcome_sent_at FROM users "
                            "WHERE welcome_sent_at IS NOT NULL ORDER BY welcome_sent_at").fetchall()
    return [(seconds_between(first, sent), seconds_between(created, sent))
            for created, sent in rows]


def plot_attempts(run: Storm, ax=None, width: float = 0.25):
    """The provider's answers over time: accepted and refused attempts per ``width`` seconds."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 (only the plot needs matplotlib)

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3))
    if not run.attempts:
        return ax
    first = min(a.at for a in run.attempts)
    slots = int((max(a.at for a in run.attempts) - first) / width) + 1
    counts = {True: [0] * slots, False: [0] * slots}
    for attempt in run.attempts:
        counts[attempt.accepted][int((attempt.at - first) / width)] += 1
    starts = [i * width for i in range(slots)]
    ax.bar(starts, counts[True], width=width * 0.9, align="edge", color="tab:green",
           label="accepted")
    ax.bar(starts, counts[False], width=width * 0.9, align="edge", color="tab:red",
           bottom=counts[True], label="refused (451: try again later)")
    ax.set(xlabel="seconds since the first attempt", ylabel=f"attempts per {width:g} s",
           title="what the provider answered")
    ax.legend()
    ax.figure.tight_layout()
    return ax
