"""Read the spans ``TRACE_FILE`` collects (mailer_app/tracing.py) and draw one trace as a waterfall.

A span is the JSON object the app writes per line: ``trace_id``, ``span_id``, ``parent_id``,
``name``, ``kind``, ``start`` and ``end`` (epoch seconds), ``service``, ``pid``, ``attributes``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

#: The span a signup's trace starts with: the request that created the user.
SIGNUP_SPAN = re.compile(r"^POST /users\b")


def read_spans(path: str | Path) -> list[dict[str, Any]]:
    """Every span in the file, in the order they ended (a line still being written is left out)."""
    text = Path(path).read_text() if Path(path).exists() else ""
    return [json.loads(line) for line in text.splitlines(keepends=True)
            if line.endswith("\n") and line.strip()]


def one_trace(spans: list[dict], trace_id: str | None = None) -> list[dict]:
    """The spans of one trace, by start: ``trace_id``'s, or the newest signup's trace."""
    if trace_id is None:
        signups = sorted((s for s in spans if SIGNUP_SPAN.match(s["name"])),
                         key=lambda s: s["start"])
        if not signups:
            raise ValueError("No span named 'POST /users' yet: sign up once with TRACE_FILE set "
                             "in the app's environment (and the worker's).")
        trace_id = signups[-1]["trace_id"]
    found = sorted((s for s in spans if s["trace_id"] == trace_id), key=lambda s: s["start"])
    if not found:
        raise ValueError(f"No span of trace {trace_id} in these {len(spans)} spans.")
    return found


def process(span: dict) -> str:
    """The process a span ran in, as a label: service and PID (``worker 4242``)."""
    return f"{span['service']} {span['pid']}"


def depths(spans: list[dict]) -> list[int]:
    """How deep each span sits below its trace's root (a parent not in ``spans`` counts as none)."""
    parents = {s["span_id"]: s["parent_id"] for s in spans}
    found = []
    for s in spans:
        depth, parent = 0, s["parent_id"]
        while parent in parents and depth < len(spans):
            depth, parent = depth + 1, parents[parent]
        found.append(depth)
    return found


def summary(spans: list[dict]) -> list[str]:
    """One fixed line per span, indented below its parent: ``  enqueue ... (web)``, no timings."""
    return [f"{'  ' * depth}{s['name']} ({s['service']})"
            for s, depth in zip(spans, depths(spans), strict=True)]


def waterfall(spans: list[dict], ax=None):
    """Draw the spans as horizontal bars from the trace's first start, colored by process."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 (only the plot needs matplotlib)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.35 * len(spans) + 1.2))
    t0 = min((s["start"] for s in spans), default=0.0)
    processes = list(dict.fromkeys(process(s) for s in spans))
    colors = {p: plt.get_cmap("tab10")(i % 10) for i, p in enumerate(processes)}
    labelled = set()
    for row, s in enumerate(spans):
        label = process(s) if process(s) not in labelled else None
        labelled.add(process(s))
        ax.barh(row, max(s["end"] - s["start"], 1e-6), left=s["start"] - t0, height=0.6,
                color=colors[process(s)], label=label)
    ax.set_yticks(range(len(spans)), [s["name"] for s in spans])
    ax.invert_yaxis()  # the first span on top, as a waterfall reads
    ax.set_xlabel("seconds since the first span started")
    ax.legend(title="process (service pid)", loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize="small")
    ax.figure.tight_layout()
    return ax


def is_redis_command(span: dict) -> bool:
    """Whether ``span`` is one Redis command (opentelemetry-instrumentation-redis's spans)."""
    return span.get("attributes", {}).get("db.system") == "redis"


def trace_signup(lab, email: str, mail_delay: float, delivery: str = "queued") -> list[dict]:
    """Sign ``email`` up on a traced app and worker; return that signup's trace.

    The web app (``MAIL_DELIVERY=delivery``), the app's worker and, for ``relayed``, the relay
    all append to ``TRACE_FILE`` in the workbench. The worker sends over SMTP to the workbook's
    SMTP sink (no rate limit), after ``mail_delay`` seconds (``MAIL_DELAY_SECONDS``).
    Waits for
    the email (from the database) and for the job's span (from the file), then stops both.
    Starts from an empty Redis, database and outbox, so a cell that runs it twice reads one
    signup's trace.
    """
    # Imported here: workbook.traces is also read without the app's test machinery.
    import sys  # noqa: PLC0415

    from mailer_app.queues import JOB_CLASS  # noqa: PLC0415
    from workbook.http import post  # noqa: PLC0415
    from workbook.processes import wait_until  # noqa: PLC0415
    from workbook.smtp_sink import start_sink  # noqa: PLC0415

    lab.reset()
    path = lab.directory / "trace.jsonl"
    path.unlink(missing_ok=True)
    sink = start_sink(lab.directory, rate=0, name="trace-sink")
    traced = {"TRACE_FILE": str(path), "MAIL_DELAY_SECONDS": str(mail_delay), **sink.settings()}
    started = [sink.process,
               lab.worker(["mailers"], env=traced, reuse=False, job_class=JOB_CLASS)]
    try:
        base = lab.web(MAIL_DELIVERY=delivery, **traced)
        status, body, _ = post(base, "/users", {"name": "Grace", "email": email})
        if status != 201:
            raise RuntimeError(f"the signup answered {status}: {body}")
        if delivery == "relayed":
            started.append(lab.process([sys.executable, "-m", "mailer_app.relay"],
                                       name="relay", env=traced))
        lab.wait_for_welcome(email, timeout=mail_delay + 60)

        def job_span_written() -> bool:
            return any(s["name"].startswith("job ") for s in read_spans(path))

        wait_until(job_span_written, 30, what="the job's span in TRACE_FILE")
    finally:
        lab.stop_web()
        for process in started:
            lab.retire(process)
    return one_trace(read_spans(path))
