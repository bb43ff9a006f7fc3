import ex02a_build_welcome as ex
import pytest

pytestmark = pytest.mark.exercise("02a")


def test_headers():
    msg = ex.build_welcome("Ada Lovelace", "ada@example.com", "team@mailer.test")
    assert msg["From"] == "team@mailer.test"
    assert msg["To"] == "Ada Lovelace <ada@example.com>"
    assert msg["Subject"] == "Welcome, Ada Lovelace!"


def test_multipart_text_and_html():
    msg = ex.build_welcome("Ada", "ada@example.com", "team@mailer.test")
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert "Ada" in msg.get_body(("plain",)).get_content()
    assert "<h1>Welcome, Ada!</h1>" in msg.get_body(("html",)).get_content()


def test_name_is_escaped_in_html():
    msg = ex.build_welcome("<script>x</script>", "x@example.com", "team@mailer.test")
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
