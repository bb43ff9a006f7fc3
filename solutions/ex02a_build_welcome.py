"""Exercise 02a: build the welcome email as a proper multipart message.

Complete ``build_welcome`` so it returns an ``email.message.EmailMessage`` with:

* ``From`` = ``sender``, ``To`` = ``"Name <address>"``, ``Subject`` = ``"Welcome, Name!"``;
* a text/plain part that greets the user by name and an text/html alternative with the name
  in an ``<h1>`` (HTML-escaped: a name like ``<script>`` must not become markup);
* so ``msg.get_content_type() == "multipart/alternative"``.

Hint: ``msg.set_content(text)`` then ``msg.add_alternative(html, subtype="html")``;
``email.utils.formataddr`` and ``html.escape`` do the quoting.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr


def build_welcome(name: str, address: str, sender: str) -> EmailMessage:
    """Return the multipart (text + HTML) welcome email for ``name`` at ``address``."""
    msg = EmailMessage()
    ### HINT: set From, To (formataddr((name, address))) and Subject, then both bodies.
    ### BEGIN SOLUTION
    msg["From"] = sender
    msg["To"] = formataddr((name, address))
    msg["Subject"] = f"Welcome, {name}!"
    msg.set_content(f"Hi {name},\n\nWelcome aboard!\n")
    msg.add_alternative(f"<h1>Welcome, {html.escape(name)}!</h1><p>Welcome aboard!</p>",
                        subtype="html")
    ### END SOLUTION
    return msg
