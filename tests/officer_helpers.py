"""Helpers for the officer page tests: a signed-in browser, HTML read with lxml, forms filled and
sent the way a browser sends them (field names and CSRF token taken from the page itself).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import lxml.html
from werkzeug.datastructures import MultiDict

from fund.extensions import db
from fund.models import Claim, Document, HumanTask
from tests.conftest import PASSWORD, Clock
from tests.web_helpers import sign_in


def browser(app, staff, username: str, *roles: str):
    """A new test client, signed in through the sign-in form as a staff member with ``roles``."""
    staff.user(username, *roles)
    client = app.test_client()
    answer = sign_in(client, username, PASSWORD)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def html(response) -> lxml.html.HtmlElement:
    """The page of a response, parsed; never a stack trace."""
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    return lxml.html.fromstring(body)


BLOCKS = ("p", "div", "li", "dt", "dd", "td", "th", "tr", "h1", "h2", "h3", "legend", "label", "br")


def text_of(element) -> str:
    """An element's visible text with whitespace collapsed (SVG drawings left out)."""
    copy = lxml.html.fromstring(lxml.html.tostring(element))
    for svg in copy.xpath(".//*[local-name()='svg']"):
        svg.getparent().remove(svg)
    for block in copy.iter(*BLOCKS):  # a browser shows these apart: "Article" and "146"
        block.tail = " " + (block.tail or "")
        block.text = " " + (block.text or "")
    return re.sub(r"\s+", " ", copy.text_content()).strip()


def main_text(response) -> str:
    return text_of(html(response).get_element_by_id("main"))


def form_on(page: lxml.html.HtmlElement, action_contains: str):
    """The form on the page whose action contains ``action_contains``."""
    forms = [form for form in page.forms if action_contains in (form.get("action") or "")]
    assert forms, f"no form posting to *{action_contains}* on the page"
    return forms[0]


def send(client, form, **extra: str):
    """Post ``form`` with the values a browser would send (checked boxes, chosen radios, texts)."""
    data = MultiDict(form.form_values())
    for name, value in extra.items():
        data[name] = value
    return client.post(form.get("action"), data=data)


def post_with_token(client, url: str, data: dict | None = None, token_page: str = "/sign-in"):
    """A POST carrying the session's CSRF token, as every form on the site does."""
    page = html(client.get(token_page))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]
    return client.post(url, data={"csrf_token": token, **(data or {})})


def open_task_id(reference: str, name: str) -> str:
    """The id of the claim's ready task ``name`` (read from the worklist projection)."""
    task_id = db.session.scalar(
        db.select(HumanTask.id)
        .join(Claim, Claim.id == HumanTask.claim_id)
        .where(Claim.reference == reference, HumanTask.name == name, HumanTask.state == "open")
    )
    assert task_id, f"{reference} has no ready task {name}"
    return task_id


def freeze_clock(monkeypatch) -> Clock:
    """Monday 2 March 2026, 09:00 UTC (14:00 in Almaty) for the API and the pages alike."""
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    monkeypatch.setattr("fund.api.routes.utc_now", clock)
    monkeypatch.setattr("fund.officers.views.utc_now", clock)
    return clock


def attach_document(reference: str, code: str = "identity_document") -> int:
    """A scanned document of the claim (the upload pages are not built yet)."""
    content = b"%PDF-1.4 scanned identity card"
    document = Document(
        claim_id=db.session.scalar(db.select(Claim.id).where(Claim.reference == reference)),
        code=code,
        filename="identity-card.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        uploaded_by="portal",
    )
    db.session.add(document)
    db.session.commit()
    return document.id
