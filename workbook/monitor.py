"""A live monitor for notebooks: queue depths, workers and registries, refreshing.

The numbers come from :func:`snapshot`, a plain function whose result notebooks (and nbval)
can check; the widget only displays it. nbval cannot compare what a background thread
prints into a widget, so notebooks tag the live widget cell ``nbval-ignore-output``.
It reads queues and workers with the workbook's job class (:mod:`workbook.demo_jobs`), which
knows the app's jobs and the demo jobs alike.
"""

from __future__ import annotations

import threading

import ipywidgets as widgets
import redis
from rq import Worker
from rq.serializers import JSONSerializer

from mailer_app.queues import QUEUE_NAMES
from mailer_app.redis_client import connect
from workbook.demo_jobs import WorkbookJob, get_queue

COLUMNS = ("queued", "started", "scheduled", "deferred", "finished", "failed")


def snapshot(connection: redis.Redis) -> dict:
    """Counts per queue and the workers, as plain data."""
    queues = {}
    for name in QUEUE_NAMES:
        q = get_queue(name, connection)
        queues[name] = {
            "queued": q.count,
            "started": q.started_job_registry.count,
            "scheduled": q.scheduled_job_registry.count,
            "deferred": q.deferred_job_registry.count,
            "finished": q.finished_job_registry.count,
            "failed": q.failed_job_registry.count,
        }
    workers = [
        {"name": w.name, "state": str(w.get_state()), "queues": [q.name for q in w.queues]}
        for w in Worker.all(connection=connection, serializer=JSONSerializer,
                            job_class=WorkbookJob)
    ]
    return {"queues": queues, "workers": workers}


def render_html(data: dict) -> str:
    """The snapshot as a small HTML table."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    rows = "".join(
        f"<tr><td><b>{name}</b></td>" + "".join(f"<td>{counts[c]}</td>" for c in COLUMNS) + "</tr>"
        for name, counts in data["queues"].items()
    )
    busy = sum(1 for w in data["workers"] if w["state"] == "busy")
    return (f"<table><tr><th>queue</th>{head}</tr>{rows}</table>"
            f"<p>workers: {len(data['workers'])} ({busy} busy)</p>")


class LiveMonitor:
    """An ipywidgets HTML panel that refreshes every ``interval`` seconds until stopped."""

    def __init__(self, redis_url: str, interval: float = 1.0):
        self.connection = connect(redis_url)
        self.interval = interval
        self.widget = widgets.HTML(render_html(snapshot(self.connection)))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> dict:
        data = snapshot(self.connection)
        self.widget.value = render_html(data)
        return data

    def start(self) -> LiveMonitor:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="rq-monitor")
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except redis.RedisError:
                self.widget.value = "<p>Redis went away; the monitor stopped.</p>"
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
