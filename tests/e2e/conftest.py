"""Browser end-to-end tests: the real application served on localhost, driven in Debian's chromium.

The browser is Debian's chromium (``/usr/bin/chromium``, or FUND_CHROMIUM) driven by Playwright's
Python package with ``executable_path``; Playwright's own browser download is never used. Without
chromium these tests skip with the reason, except when FUND_REQUIRE_BROWSER is set (as in CI),
where they fail instead. Screenshots of each page go to test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from fund import PROJECT_ROOT, create_app
from fund.claims.process_versions import deploy_process
from fund.common.users import create_user
from fund.extensions import db

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
PASSWORD = "correct horse battery staple"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return os.environ.get("FUND_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("FUND_REQUIRE_BROWSER"):
            pytest.fail("FUND_REQUIRE_BROWSER is set but no chromium was found (apt-get install chromium)")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium); CI installs it")
    return path


class LiveServer:
    """The application on a free localhost port, on its own SQLite database."""

    def __init__(self, tmp: Path):
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}"})
        with self.app.app_context():
            upgrade(directory=self.app.extensions["migrate"].directory)
            deploy_process("e2e", datetime.now(UTC))
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app.config["FUND_PUBLIC_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def user(self, username: str, *roles: str) -> str:
        with self.app.app_context():
            create_user(username, PASSWORD, list(roles), datetime.now(UTC), full_name=username.title())
        return username

    def run(self, function, *args, **kwargs):
        """Call a service function inside the app (to set up states quickly)."""
        with self.app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (one per person), closed after the test."""
    contexts = []

    def open_page(locale: str = "en-GB", viewport: dict[str, int] | None = None):
        """A page in a fresh context; ``locale`` sets the browser's language (Accept-Language)."""
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """Save a full-page screenshot named after the test and the step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, step: str, full_page: bool = True) -> Path:
        counter["n"] += 1
        path = ARTIFACTS / f"{request.node.name}-{counter['n']:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
