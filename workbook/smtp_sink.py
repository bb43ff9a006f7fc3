"""A mail provider on loopback: a real SMTP server with a send-rate limit, as providers have.

``python -m workbook.smtp_sink --port 8025 --rate 10 --log sink.jsonl`` accepts at most
``--rate`` messages in any one second and answers the rest ``451 4.7.1`` (a temporary
failure: "try again later"), as a mail provider does beyond your plan's limit. Every attempt
is one JSON line in ``--log`` (time, accepted or not, recipients), which is how notebook 10
counts sends and temporary failures. :func:`start_sink` starts it as a process of its own.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

from workbook.processes import ManagedProcess, start_on_free_port, start_process

TEMPORARY_FAILURE = "451 4.7.1 Rate limit exceeded, try again later"


class RateLimitedHandler:
    """aiosmtpd handler: accept up to ``rate`` messages in any second, refuse the rest."""

    def __init__(self, rate: float, log: Path):
        self.rate, self.log = rate, log
        self.accepted: collections.deque[float] = collections.deque()

    def _record(self, accepted: bool, envelope) -> None:
        line = json.dumps({"at": time.time(), "accepted": accepted,
                           "to": list(envelope.rcpt_tos)}) + "\n"
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(line)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        now = time.monotonic()
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if self.rate > 0 and len(self.accepted) >= self.rate:
            self._record(False, envelope)
            return TEMPORARY_FAILURE
        self.accepted.append(now)
        self._record(True, envelope)
        return "250 Message accepted for delivery"


def serve(port: int, rate: float, log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    controller = Controller(RateLimitedHandler(rate, log), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"SMTP sink on 127.0.0.1:{port}, at most {rate:g} messages a second "
          f"(pid {os.getpid()})", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@dataclass
class Attempt:
    at: float
    accepted: bool
    to: list[str]


def read_log(log: str | Path) -> list[Attempt]:
    """Every attempt the sink answered, in order."""
    path = Path(log)
    if not path.exists():
        return []
    return [Attempt(**json.loads(line)) for line in path.read_text().splitlines() if line]


class Sink:
    """A running sink process: its port, its log, and how to stop it."""

    def __init__(self, process: ManagedProcess, port: int, log: Path, rate: float):
        self.process, self.port, self.log, self.rate = process, port, log, rate

    def attempts(self) -> list[Attempt]:
        return read_log(self.log)

    def settings(self) -> dict[str, str]:
        """The app's settings that send through this sink."""
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port)}

    def stop(self) -> None:
        self.process.stop()


def start_sink(directory: str | Path, rate: float, name: str = "smtp-sink") -> Sink:
    """Start the rate-limited SMTP sink as its own process; wait until it listens."""
    log = Path(directory) / f"{name}.jsonl"
    log.unlink(missing_ok=True)  # a cell run twice counts its own attempts, not both runs'
    process, port = start_on_free_port(
        lambda port: start_process([sys.executable, "-m", "workbook.smtp_sink", "--port",
                                    str(port), "--rate", str(rate), "--log", str(log)],
                                   name=name, log_dir=Path(directory) / "logs"),
        what="the SMTP sink", timeout=60)
    return Sink(process, port, log, rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--rate", type=float, default=0, help="messages a second (0: no limit)")
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.port, args.rate, args.log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
