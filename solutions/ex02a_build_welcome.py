"""Exercise 02a: build the welcome email as a proper multipart message.

Complete ``build_welcome`` so it returns an ``email.message.EmailMessage`` with:

* ``From`` = ``sender``, ``To`` = ``"Name <address>"``, ``Subject`` = ``"Welcome, Name!"``;
* a text/plain part that greets the user by name and a text/html alternative with the name
  in an ``<h1>`` (HTML-escaped: a name like ``<script>`` must not become markup);
* so ``msg.get_content_type() == "multipart/alternative"``.

Hint (the idea): an email with a text body and an HTML alternative is one message with two
parts; the standard library's ``EmailMessage`` builds it, and quoting helpers exist for both
the address and the HTML. Notebook 02, "The outbox", shows the app's own messages.
Stuck? ``hint("02a")`` or ``make hint EX=02a``.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr


def build_welcome(name: str, address: str, sender: str) -> EmailMessage:
    """Return the multipart (text + HTML) welcome email for ``name`` at ``address``."""
    msg = EmailMessage()
    ### HINT: email.utils.formataddr for To, html.escape for the name; set_content, then
    ### HINT: add_alternative with subtype html.
    ### BEGIN SOLUTION
    msg["From"] = sender
    msg["To"] = formataddr((name, address))
    msg["Subject"] = f"Welcome, {name}!"
    msg.set_content(f"Hi {name},\n\nWelcome aboard!\n")
    msg.add_alternative(f"<h1>Welcome, {html.escape(name)}!</h1><p>Welcome aboard!</p>",
                        subtype="html")
    ### END SOLUTION
    return msg
