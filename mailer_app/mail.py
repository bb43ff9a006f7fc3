"""Build and deliver email: an ``outbox`` backend in the style of letter_opener, and SMTP.

The outbox backend writes every message as an ``.eml`` file (the real bytes an SMTP server
would receive) plus the rendered HTML part, so ``/outbox`` and the notebooks can show it.
"""

from __future__ import annotations

import re
import smtplib
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from mailer_app import tracing

_templates = Environment(
    loader=PackageLoader("mailer_app", "templates/mail"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)

SUBJECTS = {
    "welcome": "Welcome to the Mailer Workbook, {name}!",
    "followup": "How is it going, {name}?",
    "digest": "Daily digest for {day}",
}


def build_message(kind: str, to: str, sender: str, **context: Any) -> EmailMessage:
    """Render the ``kind`` templates into a multipart (text + HTML) message to ``to``."""
    msg = EmailMessage()
    msg["Subject"] = SUBJECTS[kind].format(**context)
    msg["From"] = sender
    msg["To"] = formataddr((context["name"], to)) if "name" in context else to
    msg["Date"] = datetime.now(UTC)
    msg["Message-ID"] = make_msgid(domain="mailer.test")
    msg["X-Mailer-Kind"] = kind
    msg.set_content(_templates.get_template(f"{kind}.txt").render(**context))
    msg.add_alternative(_templates.get_template(f"{kind}.html").render(**context), subtype="html")
    return msg


def deliver(msg: EmailMessage, settings: dict[str, Any]) -> str:
    """Wait ``MAIL_DELAY_SECONDS`` (the slow mail server), then send; return where it went."""
    with tracing.span("send mail", **{"mail.kind": str(msg["X-Mailer-Kind"]),
                                      "mail.backend": settings["MAIL_BACKEND"]}):
        delay = float(settings["MAIL_DELAY_SECONDS"])
        if delay > 0:
            time.sleep(delay)
        if settings["MAIL_BACKEND"] == "smtp":
            with smtplib.SMTP(settings["SMTP_HOST"], int(settings["SMTP_PORT"]),
                              timeout=settings["SMTP_TIMEOUT"]) as smtp:
                smtp.send_message(msg)
            return f"smtp://{settings['SMTP_HOST']}:{settings['SMTP_PORT']}"
        return str(write_to_outbox(msg, settings["OUTBOX_DIR"]))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "message"


def write_to_outbox(msg: EmailMessage, outbox_dir: str | Path) -> Path:
    """Write ``msg`` as ``<time>-<subject>.eml`` plus its rendered ``.html``; return the .eml."""
    outbox = Path(outbox_dir)
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    stem = f"{stamp}-{_slug(str(msg['To']).split('<')[-1])}-{msg['X-Mailer-Kind'] or 'mail'}"
    eml = outbox / f"{stem}.eml"
    part = msg.get_body(preferencelist=("html",))
    (outbox / f"{stem}.html").write_text(part.get_content() if part else "", encoding="utf-8")
    # Written last and renamed into place, so a reader never sees half a message.
    tmp = eml.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
    tmp.rename(eml)
    return eml


def read_message(path: str | Path) -> EmailMessage:
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


def list_outbox(outbox_dir: str | Path) -> list[dict[str, Any]]:
    """Every message in the outbox, newest first, with its headers and file name."""
    outbox = Path(outbox_dir)
    if not outbox.is_dir():
        return []
    messages = []
    for eml in sorted(outbox.glob("*.eml"), reverse=True):
        msg = read_message(eml)
        messages.append({
            "id": eml.stem,
            "subject": str(msg["Subject"]),
            "to": str(msg["To"]),
            "from": str(msg["From"]),
            "date": str(msg["Date"]),
            "kind": str(msg["X-Mailer-Kind"]),
            "path": eml,
        })
    return messages


def outbox_html(outbox_dir: str | Path, message_id: str) -> str:
    """The rendered HTML part of one outbox message."""
    if not re.fullmatch(r"[\w.-]+", message_id):
        raise FileNotFoundError(message_id)
    path = Path(outbox_dir) / f"{message_id}.html"
    return path.read_text(encoding="utf-8")
