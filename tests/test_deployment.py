"""The application under gunicorn, as the deployment guide runs it: `gunicorn -w N wsgi:app`.

Several gunicorn workers are separate processes; a session cookie and its CSRF token made by one
must be accepted by another, which holds when every process has the same FUND_SECRET_KEY (as the
guide requires). The test signs in through a real gunicorn on a free port, against a SQLite file.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest

from fund import PROJECT_ROOT

BIN = Path(sys.executable).parent


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """A gunicorn with 2 workers serving wsgi:app on a fresh SQLite database with one intake officer."""
    if not (BIN / "gunicorn").exists():
        pytest.fail("gunicorn is not installed: pip install -e '.[server]'")
    environment = {
        **os.environ,
        "FUND_DATABASE_URL": f"sqlite:///{tmp_path / 'fund.sqlite3'}",
        "FUND_SECRET_KEY": "deployment-test-key",
    }
    setup = {"cwd": PROJECT_ROOT, "env": environment, "capture_output": True, "text": True, "timeout": 120}
    commands = (
        (["init"], None),
        (
            ["user", "create", "ivan", "--role", "intake", "--password-stdin"],
            "correct horse battery staple\n",
        ),
    )
    for command, stdin in commands:
        result = subprocess.run([str(BIN / "fund"), *command], input=stdin, **setup)
        assert result.returncode == 0, result.stdout + result.stderr
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            build_opener().open(f"{base}/sign-in", timeout=30).close()
            break
        except OSError:  # refused, or no answer yet: the workers are still starting
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_serves_the_sign_in_page_and_signs_officers_in(gunicorn):
    # Several sign-ins, so that both gunicorn workers answer some requests: a page rendered by
    # one worker (its CSRF token and session cookie) is accepted by the other.
    for _ in range(4):
        browser = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects)
        with browser.open(f"{gunicorn}/sign-in", timeout=30) as response:
            assert response.status == 200
            page = response.read().decode()
        assert "<form" in page and 'name="password"' in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "username": "ivan", "password": "correct horse battery staple"}
        with pytest.raises(HTTPError) as redirect:  # urllib reports the redirect we do not follow
            browser.open(Request(f"{gunicorn}/sign-in", data=urlencode(form).encode()), timeout=30)
        assert redirect.value.code == 302, redirect.value.read().decode()[:500]
        assert redirect.value.headers["Location"] in ("/", "/worklist")  # home sends intake on
        with browser.open(f"{gunicorn}/worklist", timeout=30) as worklist:
            assert worklist.status == 200
            assert "ivan" in worklist.read().decode()
