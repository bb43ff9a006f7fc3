import ex02a_build_welcome as ex
import pytest

pytestmark = pytest.mark.exercise("02a")


def test_headers_name_sender_recipient_and_subject():
    msg = ex.build_welcome("Ada Lovelace", "ada@example.com", "team@mailer.test")
    assert msg["From"] == "team@mailer.test", "From must be the sender"
    assert msg["To"] == "Ada Lovelace <ada@example.com>", (
        f"To is {msg['To']!r}: it must carry the name and the address, 'Name <address>'")
    assert msg["Subject"] == "Welcome, Ada Lovelace!"


def test_a_text_part_and_an_html_alternative():
    msg = ex.build_welcome("Ada", "ada@example.com", "team@mailer.test")
    assert msg.get_content_type() == "multipart/alternative", (
        f"the message is {msg.get_content_type()}: it needs a text part *and* an HTML "
        "alternative (multipart/alternative)")
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"], (
        "the plain text comes first, the HTML alternative second")
    assert "Ada" in msg.get_body(("plain",)).get_content(), "the text part greets the user"
    assert "<h1>Welcome, Ada!</h1>" in msg.get_body(("html",)).get_content(), (
        "the HTML part has the name in an <h1>")


def test_the_name_is_escaped_in_the_html():
    msg = ex.build_welcome("<script>x</script>", "x@example.com", "team@mailer.test")
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html, (
        "a name like <script> became markup in the HTML part: escape it")
