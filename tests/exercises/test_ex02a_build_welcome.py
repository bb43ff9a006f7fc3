from html.parser import HTMLParser

import ex02a_build_welcome as ex
import pytest

pytestmark = pytest.mark.exercise("02a")


class Page(HTMLParser):
    """The tags an HTML part has, and the text of its <h1> (entities turned back into text)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.h1 = ""
        self._in_h1 = 0
        self.feed(html)
        self.close()
        self.h1 = " ".join(self.h1.split())

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_h1 += tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 -= tag == "h1" and self._in_h1 > 0

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def test_headers_name_sender_recipient_and_subject():
    msg = ex.build_welcome("Ada Lovelace", "ada@example.com", "team@mailer.test")
    assert msg["From"] == "team@mailer.test", "From must be the sender"
    assert msg["To"] == "Ada Lovelace <ada@example.com>", (
        f"To is {msg['To']!r}: it must carry the name and the address, 'Name <address>'")
    assert msg["Subject"] == "Welcome, Ada Lovelace!", (
        f"the Subject is {msg['Subject']!r}, not 'Welcome, Ada Lovelace!'")


def test_a_text_part_and_an_html_alternative():
    msg = ex.build_welcome("Ada Lovelace", "ada@example.com", "team@mailer.test")
    assert msg.get_content_type() == "multipart/alternative", (
        f"the message is {msg.get_content_type()}: it needs a text part *and* an HTML "
        "alternative (multipart/alternative)")
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"], (
        "the plain text comes first, the HTML alternative second")
    assert "Ada Lovelace" in msg.get_body(("plain",)).get_content(), (
        "the text part must greet the user by name")
    page = Page(msg.get_body(("html",)).get_content())
    assert "Ada Lovelace" in page.h1, (
        f"the HTML part's <h1> says {page.h1!r}: put the user's name in an <h1>")


def test_the_text_part_keeps_the_name_as_it_is():
    name = "Zoë O'Brien & Co"
    text = ex.build_welcome(name, "zoe@example.com", "team@mailer.test").get_body(
        ("plain",)).get_content()
    assert name in text, (
        f"the text part does not greet {name!r} as it is: plain text is not HTML, so escape the "
        "name in the HTML part only")


def test_the_name_is_escaped_in_the_html():
    name = "<script>x</script>"
    msg = ex.build_welcome(name, "x@example.com", "team@mailer.test")
    page = Page(msg.get_body(("html",)).get_content())
    assert "script" not in page.tags, (
        "a name like <script> became markup in the HTML part: escape it (html.escape)")
    assert name in page.h1, (
        f"the <h1> shows {page.h1!r}: the name, escaped, must still read {name!r} in the page")
