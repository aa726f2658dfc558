"""Helpers for page tests: sign in through the real form, with its CSRF token."""

from __future__ import annotations

import re

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, username: str, password: str):
    """Post the sign-in form as a browser would."""
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
