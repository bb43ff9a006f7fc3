import ex02b_timed_signup as ex
import pytest

pytestmark = pytest.mark.exercise("02b")


def test_times_a_slow_inline_signup(live_server):
    with live_server(MAIL_DELAY_SECONDS=1) as base:
        status, seconds = ex.timed_signup(base, "Ada", "ada@example.com")
    assert status == 201
    assert 1.0 <= seconds < 10, (
        f"measured {seconds:.3f} s for a signup that takes at least 1 s: start the clock "
        "before sending and stop it after reading the answer")


def test_a_refused_signup_is_a_result_not_an_exception(live_server):
    with live_server() as base:
        try:
            status, seconds = ex.timed_signup(base, "Ada", "not-an-email")
        except Exception as exc:
            pytest.fail(f"a 400 answer raised {type(exc).__name__}: return its status instead")
        again = ex.timed_signup(base, "Bo", "bo@example.com")
    assert status == 400 and seconds < 5
    assert again[0] == 201
