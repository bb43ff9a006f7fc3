import ex07b_allowlist as ex
import pytest

pytestmark = pytest.mark.exercise("07b")
MODULES = ["mailer_app.jobs", "reports.jobs"]


@pytest.mark.parametrize("name", [
    "mailer_app.jobs.send_welcome_email", "reports.jobs.build", "mailer_app.jobs.add2",
])
def test_project_functions_are_allowed(name):
    assert ex.is_allowed(name, MODULES) is True, f"{name!r} is a project job and was refused"


@pytest.mark.parametrize("name", [
    "os.system", "subprocess.run", "mailer_app.jobs_evil.x", "evil.mailer_app.jobs.x",
    "mailer_app.jobs", "mailer_app.jobs._private", "mailer_app.jobs.send.__globals__",
    "__main__.send", "mailer_app.jobs.", "mailer_app.jobs.a-b", "", None, "send_welcome_email",
])
def test_everything_else_is_refused(name):
    assert ex.is_allowed(name, MODULES) is False, (
        f"{name!r} was allowed: only public functions of exactly these modules may run")
