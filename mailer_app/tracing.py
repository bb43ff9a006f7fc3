"""Optional OpenTelemetry tracing: one trace from the Flask request to the job in the work-horse.

Off unless ``TRACE_FILE`` names a file *and* the ``trace`` extra is installed
(``pip install -e '.[trace]'``); without either, every function here is a no-op and nothing
imports OpenTelemetry. On, each process appends one JSON object per finished span to
``TRACE_FILE`` (``workbook/traces.py`` reads it back):

- the web process (service ``web``): the request (``POST /users``, from
  opentelemetry-instrumentation-flask), its Redis commands (opentelemetry-instrumentation-redis)
  and the enqueue (``enqueue <function>``, a PRODUCER span, :mod:`mailer_app.queues`);
- the work-horse (service ``worker``): the job (``job <function>``, a CONSUMER span whose parent
  is the enqueue span, carried in the job's ``meta["trace"]`` as a W3C ``traceparent``), and
  what the job does inside it (its Redis commands, the ``send mail`` span of ``mail.py``).

Redis commands outside any request or job (RQ's own heartbeats and bookkeeping) are dropped by
the sampler, so the file holds what a signup did, not what the worker does while it waits.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from mailer_app.config import load_settings

#: What this process has set up: its pid (a forked child sets up again), file, service, provider.
_state: dict[str, Any] = {"pid": None, "path": None, "service": None, "provider": None}


def setup(settings: dict, service: str) -> bool:
    """Record spans to ``settings["TRACE_FILE"]`` as ``service``; return whether tracing is on."""
    path = str(settings.get("TRACE_FILE") or "")
    if not path:
        _state.update(pid=None, path=None, service=None, provider=None)
        return False
    if (_state["pid"], _state["path"], _state["service"]) == (os.getpid(), path, service):
        return True
    try:
        provider = _make_provider(path, service)
    except ImportError:
        return False
    _state.update(pid=os.getpid(), path=path, service=service, provider=provider)
    return True


def _make_provider(path: str, service: str):
    """A TracerProvider whose spans are appended to ``path`` (raises ImportError without OTel)."""
    # OpenTelemetry is an extra: imported only when tracing is asked for.
    from opentelemetry import trace  # noqa: PLC0415
    from opentelemetry.instrumentation.redis import RedisInstrumentor  # noqa: PLC0415
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import (  # noqa: PLC0415
        SimpleSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )
    from opentelemetry.sdk.trace.sampling import (  # noqa: PLC0415
        Decision,
        Sampler,
        SamplingResult,
    )

    class JsonLinesExporter(SpanExporter):
        """Append each span as one line, in one write on an O_APPEND file: no interleaving."""

        def export(self, spans):
            lines = "".join(json.dumps(_record(span), default=str) + "\n" for span in spans)
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, lines.encode())
            finally:
                os.close(fd)
            return SpanExportResult.SUCCESS

    class NoOrphanClientSpans(Sampler):
        """Drop client spans (Redis commands) that belong to no request or job."""

        def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None,
                          links=None, trace_state=None):
            parent = trace.get_current_span(parent_context).get_span_context()
            if kind == trace.SpanKind.CLIENT and not parent.is_valid:
                return SamplingResult(Decision.DROP)
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

        def get_description(self):
            return "NoOrphanClientSpans"

    provider = TracerProvider(resource=Resource.create({"service.name": service}),
                              sampler=NoOrphanClientSpans())
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter()))
    # Patched once per process (a forked child inherits the patch); the proxy makes the patched
    # client use whichever provider this process set up last.
    if not RedisInstrumentor().is_instrumented_by_opentelemetry:
        RedisInstrumentor().instrument(tracer_provider=_CurrentProvider())
    return provider


def _record(span) -> dict[str, Any]:
    """One finished span as the JSON object written to TRACE_FILE."""
    context = span.get_span_context()
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "kind": span.kind.name,
        "start": span.start_time / 1e9,
        "end": span.end_time / 1e9,
        "service": span.resource.attributes.get("service.name"),
        "pid": os.getpid(),
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }


class _CurrentProvider:
    """A tracer provider for instrumentations that always uses this process's current setup."""

    def get_tracer(self, name: str, *args, **kwargs) -> _CurrentTracer:
        return _CurrentTracer(name)


class _CurrentTracer:
    """A tracer that looks up the provider at each call (a no-op tracer when tracing is off)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        from opentelemetry import trace  # noqa: PLC0415 (only reached with OTel installed)

        provider = _state["provider"]
        tracer = provider.get_tracer(self._name) if provider else trace.NoOpTracer()
        return getattr(tracer, attribute)


def _tracer():
    provider = _state["provider"]
    return provider.get_tracer("mailer_app") if provider else None


@contextlib.contextmanager
def _span(name: str, kind: str, attributes: dict[str, Any], context=None) -> Iterator[Any]:
    tracer = _tracer()
    if tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind  # noqa: PLC0415 (set up, so installed)

    attributes = {k: v for k, v in attributes.items() if v is not None}
    with tracer.start_as_current_span(name, context=context, kind=SpanKind[kind],
                                      attributes=attributes) as current:
        yield current


def span(name: str, **attributes: Any) -> contextlib.AbstractContextManager:
    """Record the ``with`` block as a span named ``name`` (a no-op when tracing is off)."""
    return _span(name, "INTERNAL", attributes)


def producer_span(name: str, **attributes: Any) -> contextlib.AbstractContextManager:
    """Record the ``with`` block as a PRODUCER span: the hand-over of a message (an enqueue)."""
    return _span(name, "PRODUCER", attributes)


def inject() -> dict[str, str]:
    """The current trace context as a W3C carrier (``{"traceparent": ...}``); ``{}`` when off."""
    if _tracer() is None:
        return {}
    from opentelemetry.trace.propagation.tracecontext import (  # noqa: PLC0415
        TraceContextTextMapPropagator,
    )

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier


def continued(carrier: dict[str, str] | None, name: str, **attributes: Any):
    """Record the ``with`` block as a CONSUMER span continuing the trace in ``carrier``.

    How a trace crosses a hand-over that is not a job: the relay continues, from the
    ``mail_outbox`` row, the trace of the signup that wrote it.
    """
    context = None
    if carrier and _tracer() is not None:
        from opentelemetry.trace.propagation.tracecontext import (  # noqa: PLC0415
            TraceContextTextMapPropagator,
        )

        context = TraceContextTextMapPropagator().extract(carrier)
    return _span(name, "CONSUMER", attributes, context)


@contextlib.contextmanager
def job_span(job) -> Iterator[Any]:
    """Record a job's execution as a CONSUMER span, the child of the span that enqueued it."""
    if not setup(load_settings(), "worker"):
        yield None
        return
    from opentelemetry.trace.propagation.tracecontext import (  # noqa: PLC0415
        TraceContextTextMapPropagator,
    )

    carrier = (job.meta or {}).get("trace") or {}
    context = TraceContextTextMapPropagator().extract(carrier) if carrier else None
    attributes = {"messaging.system": "rq", "messaging.message.id": job.id,
                  "messaging.destination.name": job.origin, "rq.function": job.func_name}
    if job.enqueued_at and job.started_at:
        attributes["rq.wait_seconds"] = (job.started_at - job.enqueued_at).total_seconds()
    with _span(f"job {job.func_name}", "CONSUMER", attributes, context) as current:
        yield current


def init_app(app) -> None:
    """Trace the app's requests and Redis commands as service ``web`` when TRACE_FILE is set."""
    if not setup(app.config, "web"):
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor  # noqa: PLC0415

    FlaskInstrumentor().instrument_app(app, tracer_provider=_CurrentProvider())
