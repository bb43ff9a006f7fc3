import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ex02b_timed_signup as ex
import pytest

pytestmark = pytest.mark.exercise("02b")


# A first signup took 0.08 s at most beside two busy loops: the bounds below are far from it.
@pytest.mark.timing
def test_times_a_slow_inline_signup(live_server):
    with live_server(MAIL_DELAY_SECONDS=1) as base:
        status, seconds = ex.timed_signup(base, "Ada", "ada@example.com")
    assert status == 201
    assert 1.0 <= seconds < 10, (
        f"measured {seconds:.3f} s for a signup that takes at least 1 s: start the clock "
        "before sending and stop it after reading the answer")


@pytest.mark.timing
def test_a_refused_signup_is_a_result_not_an_exception(live_server):
    with live_server() as base:
        try:
            status, seconds = ex.timed_signup(base, "Ada", "not-an-email")
        except Exception as exc:
            pytest.fail(f"a 400 answer raised {type(exc).__name__}: return its status instead")
        again = ex.timed_signup(base, "Bo", "bo@example.com")
    assert status == 400 and seconds < 5
    assert again[0] == 201


class BodyOneSecondLate(BaseHTTPRequestHandler):
    """Answers POST /users with 201 at once, and the body of that answer one second later."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, self.headers.get_content_type(), body))
        answer = b'{"id": 1}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        time.sleep(1)
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_the_clock_runs_until_the_whole_answer_is_read():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BodyOneSecondLate)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, seconds = ex.timed_signup(f"http://127.0.0.1:{server.server_port}", "Ada",
                                          "ada@example.com")
    finally:
        server.shutdown()
        server.server_close()
    [(path, content_type, body)] = server.requests
    assert (path, content_type) == ("/users", "application/json"), (
        f"the request went to {path} as {content_type}: POST the signup to /users as JSON")
    assert json.loads(body) == {"name": "Ada", "email": "ada@example.com"}
    assert status == 201
    assert 1.0 <= seconds < 10, (
        f"measured {seconds:.3f} s for an answer whose body came 1 s after its status line: "
        "stop the clock after reading the whole response, not when the status arrives")
