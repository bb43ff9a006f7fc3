"""What a person sees: the signup form, the dashboard and the outbox in a real Chromium.

The ``browser`` fixture (conftest.py) drives a system Chromium, or Playwright's own after
``playwright install chromium``. Without either (or without Playwright) these tests skip,
unless WORKBOOK_REQUIRE_BROWSER=1 (CI), where they fail. Playwright is imported only where it
is used, so this module is collected without it. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import pytest

from mailer_app import db, mail
from tests.helpers import ARTIFACTS
from workbook.processes import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "correct horse battery staple"


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_signup_job_on_dashboard_worker_then_outbox(browser, live_server, worker, outbox):
    with live_server(MAIL_DELIVERY="queued") as base:
        context = browser.new_context(http_credentials={"username": "admin",
                                                        "password": PASSWORD})
        page = context.new_page()
        page.goto(f"{base}/users/new")
        page.fill("#name", "Ada Lovelace")
        page.fill("#email", "ada@example.com")
        page.click("#submit")
        page.wait_for_url(f"{base}/users/1")
        assert "is on its way" in page.inner_text("#mail-status")
        shot(page, "01-signed-up")

        # No worker yet: the job waits on the mailers queue, visible in the dashboard.
        page.goto(f"{base}/rq/0/view/jobs/mailers/queued/8/asc/1")
        page.wait_for_selector("text=welcome email for user 1", timeout=15_000)
        shot(page, "02-dashboard-queued-job")

        worker(["mailers"])
        wait_until(lambda: mail.list_outbox(outbox), timeout=20)
        page.goto(f"{base}/outbox/")
        link = page.get_by_role("link", name="Welcome to the Mailer Workbook, Ada Lovelace!")
        assert link.is_visible()
        shot(page, "03-outbox")
        link.click()
        body = page.frame_locator("#body")
        assert body.locator("h1").inner_text() == "Welcome, Ada Lovelace!"
        assert "by a background job" in body.locator("body").inner_text()
        shot(page, "04-email")

        page.goto(f"{base}/rq/0/view/jobs/mailers/finished/8/asc/1")
        page.wait_for_selector("text=welcome email for user 1", timeout=15_000)
        context.close()


def test_dashboard_asks_for_credentials(browser, live_server):
    from playwright.sync_api import Error  # noqa: PLC0415 (the browser fixture checked it)

    with live_server() as base:
        page = browser.new_page()
        answers = []
        page.on("response", lambda r: answers.append((r.status, r.headers.get("www-authenticate"))))
        # Headless Chromium cannot show the login prompt, so it abandons the navigation.
        with pytest.raises(Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
            page.goto(f"{base}/rq/", timeout=15_000)
        assert answers and answers[0][0] == 401
        assert answers[0][1].startswith("Basic realm=")
        page.close()


def test_dashboard_refuses_a_wrong_password(browser, live_server):
    with live_server() as base:
        context = browser.new_context(http_credentials={"username": "admin",
                                                        "password": "wrong"})
        page = context.new_page()
        response = page.goto(f"{base}/rq/")
        assert response.status == 401
        assert "Log in to see the job dashboard" in page.content()
        assert "RQ-dashboard" not in page.content()
        shot(page, "05-dashboard-wrong-password")
        context.close()


def test_bad_signup_shows_the_error_on_the_form(browser, live_server, env):
    with live_server() as base:
        page = browser.new_page()
        page.goto(f"{base}/users/new")
        page.fill("#name", "Ada")
        # The browser's own check would block "not-an-email"; this one passes it, the server not.
        page.fill("#email", "ada@localhost")
        page.click("#submit")
        assert "does not look like an email" in page.inner_text("#error")
        assert page.input_value("#name") == "Ada"
        shot(page, "06-bad-signup")
        page.close()
    with db.connection(env["DATABASE"]) as conn:
        assert db.count_users(conn) == 0
