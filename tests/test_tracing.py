"""Tracing (TRACE_FILE): one trace from the request to the work-horse; the app runs without OTel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from mailer_app import mail
from mailer_app.queues import JOB_CLASS
from workbook import traces
from workbook.http import post
from workbook.processes import start_process, wait_until

GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}
WELCOME_JOB = "job mailer_app.jobs.send_welcome_email"
ENQUEUE = "enqueue mailer_app.jobs.send_welcome_email"


@pytest.mark.slow
def test_one_trace_runs_from_the_request_to_the_work_horse(live_server, worker, outbox, env,
                                                            tmp_path):
    trace_file = tmp_path / "trace.jsonl"
    rq_worker = worker(["mailers"], job_class=JOB_CLASS, env={"TRACE_FILE": str(trace_file)})
    with live_server(MAIL_DELIVERY="queued", TRACE_FILE=trace_file) as base:
        status, body, _ = post(base, "/users", GOOD)
        assert status == 201, body
        wait_until(lambda: mail.list_outbox(outbox), timeout=20, what="the welcome email")

        def finished(name):
            return any(s["name"] == name for s in traces.read_spans(trace_file))

        # The request span ends after its answer is sent, the job span after the email.
        wait_until(lambda: finished("POST /users") and finished(WELCOME_JOB), timeout=20,
                   what="the request span and the job span in the trace file")
    spans = traces.one_trace(traces.read_spans(trace_file))
    by_name = {s["name"]: s for s in spans}
    request, enqueue, job = by_name["POST /users"], by_name[ENQUEUE], by_name[WELCOME_JOB]
    assert request["parent_id"] is None and request["kind"] == "SERVER"
    assert enqueue["parent_id"] == request["span_id"] and enqueue["kind"] == "PRODUCER"
    assert job["parent_id"] == enqueue["span_id"] and job["kind"] == "CONSUMER"
    assert job["attributes"]["messaging.message.id"] == body["job_id"]
    assert job["attributes"]["messaging.destination.name"] == "mailers"
    assert job["attributes"]["rq.wait_seconds"] >= 0
    # Two processes: the web server, and the work-horse the worker forked (not the worker).
    assert (request["service"], enqueue["service"], job["service"]) == ("web", "web", "worker")
    assert request["pid"] == enqueue["pid"] != job["pid"]
    assert job["pid"] != rq_worker.pid
    assert len({s["pid"] for s in spans}) == 2
    redis_calls = [s for s in spans if s["attributes"].get("db.system") == "redis"]
    assert any(s["parent_id"] == enqueue["span_id"] for s in redis_calls), "no enqueue command"
    assert all(s["parent_id"] is not None for s in redis_calls), "a Redis call outside the trace"
    ids = {s["span_id"] for s in spans}
    assert all(s["parent_id"] in ids for s in spans if s is not request), "a broken parent link"
    # The whole file holds this one trace: the worker's own Redis traffic is left out.
    assert {s["trace_id"] for s in traces.read_spans(trace_file)} == {request["trace_id"]}


@pytest.mark.slow
def test_the_relay_carries_the_trace_through_the_outbox(live_server, worker, outbox, env,
                                                        tmp_path):
    """Relayed: the request, the relay and the work-horse, three processes, one trace."""
    trace_file = tmp_path / "trace.jsonl"
    traced = {"TRACE_FILE": str(trace_file)}
    worker(["mailers"], job_class=JOB_CLASS, env=traced)
    with live_server(MAIL_DELIVERY="relayed", TRACE_FILE=trace_file) as base:
        status, body, _ = post(base, "/users", GOOD)
        assert status == 201, body
    relay = start_process([sys.executable, "-m", "mailer_app.relay"], name="relay",
                          env={**env, **traced})
    try:
        wait_until(lambda: mail.list_outbox(outbox), timeout=30, what="the welcome email")
        wait_until(lambda: any(s["name"] == WELCOME_JOB for s in traces.read_spans(trace_file)),
                   timeout=20, what="the job span in the trace file")
    finally:
        relay.stop()
    spans = traces.one_trace(traces.read_spans(trace_file))
    by_name = {s["name"]: s for s in spans}
    request, hand_over = by_name["POST /users"], by_name["relay welcome"]
    enqueue, job = by_name[ENQUEUE], by_name[WELCOME_JOB]
    assert hand_over["parent_id"] == request["span_id"] and hand_over["kind"] == "CONSUMER"
    assert enqueue["parent_id"] == hand_over["span_id"] and job["parent_id"] == enqueue["span_id"]
    assert [request["service"], hand_over["service"], job["service"]] == ["web", "relay", "worker"]
    assert len({request["pid"], hand_over["pid"], job["pid"]}) == 3


#: Run in a fresh interpreter in which every ``opentelemetry`` import fails, as if the trace
#: extra were not installed: the app, a queued signup and the job must work all the same.
WITHOUT_OPENTELEMETRY = textwrap.dedent("""
    import importlib.abc, json, sys

    class NoOpenTelemetry(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "opentelemetry":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoOpenTelemetry())
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from mailer_app import create_app, tracing
    from mailer_app.queues import AllowlistJob, all_queues, get_connection

    app = create_app({"TESTING": True})
    answer = app.test_client().post("/users", json={"name": "Ada", "email": "ada@example.com"})
    conn = get_connection()
    job = AllowlistJob.fetch(answer.get_json()["job_id"], connection=conn)
    SimpleWorker(all_queues(conn), connection=conn, serializer=JSONSerializer,
                 job_class=AllowlistJob).work(burst=True)
    with tracing.span("nothing", answer=42) as span:
        pass
    print(json.dumps({
        "status": answer.status_code, "meta": job.meta,
        "job": job.get_status(refresh=True), "span": span, "inject": tracing.inject(),
        "setup": tracing.setup({"TRACE_FILE": sys.argv[1]}, "web"),
        "imported": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
    }))
""")


def test_the_app_runs_without_opentelemetry(env, outbox, tmp_path):
    trace_file = tmp_path / "trace.jsonl"
    child_env = {**os.environ, "MAIL_DELIVERY": "queued", "TRACE_FILE": str(trace_file)}
    done = subprocess.run([sys.executable, "-c", WITHOUT_OPENTELEMETRY, str(trace_file)],
                          env=child_env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"status": 201, "meta": {}, "job": "finished", "span": None, "inject": {},
                      "setup": False, "imported": []}
    assert [m["to"] for m in mail.list_outbox(outbox)] == ["Ada <ada@example.com>"]
    assert not trace_file.exists()


def _span(name, span_id, parent_id, start, end, service="web", pid=100, trace_id="a" * 32):
    return {"trace_id": trace_id, "span_id": span_id, "parent_id": parent_id, "name": name,
            "kind": "INTERNAL", "start": start, "end": end, "service": service, "pid": pid,
            "status": "UNSET", "attributes": {}}


RECORDED = [  # in the order they ended, as the file has them
    _span("POST /users", "01", None, 5.0, 5.1, trace_id="0" * 32),  # an older signup
    _span("EVALSHA", "13", "12", 1000.003, 1000.004),
    _span("enqueue mailer_app.jobs.send_welcome_email", "12", "11", 1000.002, 1000.005),
    _span("POST /users", "11", None, 1000.0, 1000.01),
    _span("send mail", "22", "21", 1000.030, 1000.040, "worker", 200),
    _span("job mailer_app.jobs.send_welcome_email", "21", "12", 1000.02, 1000.05, "worker", 200),
    _span("GET /outbox", "31", None, 2000.0, 2000.1, trace_id="b" * 32),  # no signup
]


@pytest.fixture
def recorded(tmp_path):
    path = tmp_path / "trace.jsonl"
    text = "".join(json.dumps(span) + "\n" for span in RECORDED)
    path.write_text(text + '{"trace_id": "cut short')  # a line still being written
    return path


def test_one_trace_is_the_newest_signup_in_start_order(recorded):
    spans = traces.read_spans(recorded)
    assert spans == RECORDED
    assert [s["span_id"] for s in traces.one_trace(spans)] == ["11", "12", "13", "21", "22"]
    assert [s["span_id"] for s in traces.one_trace(spans, "0" * 32)] == ["01"]
    with pytest.raises(ValueError, match="POST /users"):
        traces.one_trace(RECORDED[-1:])


def test_summary_is_fixed_lines_indented_by_parent(recorded):
    assert traces.summary(traces.one_trace(traces.read_spans(recorded))) == [
        "POST /users (web)",
        "  enqueue mailer_app.jobs.send_welcome_email (web)",
        "    EVALSHA (web)",
        "    job mailer_app.jobs.send_welcome_email (worker)",
        "      send mail (worker)",
    ]


def test_waterfall_draws_one_bar_per_span_colored_by_process(recorded):
    import matplotlib  # noqa: PLC0415 (the backend is chosen before pyplot loads)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    spans = traces.one_trace(traces.read_spans(recorded))
    ax = traces.waterfall(spans)
    try:
        assert isinstance(ax, plt.Axes)
        bars = ax.patches
        assert len(bars) == len(spans) == 5
        assert [t.get_text() for t in ax.get_yticklabels()] == [s["name"] for s in spans]
        assert bars[0].get_x() == 0 and bars[3].get_x() == pytest.approx(0.02)
        assert bars[0].get_facecolor() == bars[2].get_facecolor() != bars[3].get_facecolor()
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["web 100", "worker 200"]
    finally:
        plt.close(ax.figure)
