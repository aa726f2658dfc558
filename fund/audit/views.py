"""The auditors' pages: search claims, a claim's history with its verification and access log, and a
step-through replay of the claim (the diagram and the process data after each step).

Read-only: no page here changes anything, and every view calls a service that allows auditors
and administrators only. Personal data stays masked; auditors see who viewed it, not the data.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from fund.audit import pages as audit_views
from fund.audit import replay
from fund.audit.export import export_claim
from fund.claims.claim_file import claim_view
from fund.claims.history import verify_claim
from fund.claims.submission import get_claim
from fund.common.access import require_role
from fund.common.time import utc_now
from fund.common.wording import CATEGORY_LABELS, STATUS_LABELS
from fund.web.panels import CLAIM_PAGE, panels

audit_blueprint = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit")


def _json_in_page(value) -> Markup:
    """Recorded inputs and process data as readable JSON inside an element (``<pre>``): Kazakh and
    Russian as letters, not ``\\uXXXX``; only ``& < >`` escaped, so quotes read as quotes."""
    text = replay.json_text(value)
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


audit_blueprint.add_app_template_filter(_json_in_page, "json_text")


@audit_blueprint.after_request
def _no_store(response):
    """Claim data must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@audit_blueprint.get("", endpoint="index")
@login_required
def index():
    """Search claims by reference, submission period, category, officer and status."""
    args = request.args
    search = audit_views.ClaimSearch(
        reference=args.get("reference", "").strip(),
        submitted_from=_day(args.get("from")),
        submitted_to=_day(args.get("to")),
        category=args.get("category", "") if args.get("category", "") in CATEGORY_LABELS else "",
        officer=args.get("officer", "").strip(),
        status=args.get("status", "") if args.get("status", "") in STATUS_LABELS else "",
        after=args.get("after", "")[:80],
        before=args.get("before", "")[:80],
        page=min(max(1, args.get("page", 1, type=int)), 10**6),
    )
    page = audit_views.search_claims(_me(), search)
    keep = {
        key: value
        for key, value in (
            ("reference", search.reference),
            ("from", search.submitted_from.isoformat() if search.submitted_from else ""),
            ("to", search.submitted_to.isoformat() if search.submitted_to else ""),
            ("category", search.category),
            ("officer", search.officer),
            ("status", search.status),
        )
        if value
    }
    return render_template(
        "audit/index.html",
        page=page,
        keep=keep,
        categories=CATEGORY_LABELS,
        statuses=STATUS_LABELS,
    )


@audit_blueprint.get("/claims/<reference>")
@login_required
def claim(reference: str):
    """A claim's history as a timeline, the verification of its history, and its access log."""
    require_role(_me(), *replay.AUDIT_ROLES)
    now = utc_now()
    view = claim_view(_me(), reference, now, with_diagram=False)
    verification = verify_claim(get_claim(_me(), reference))
    access = audit_views.access_log(_me(), reference)
    return render_template(
        "audit/claim.html",
        claim=view,
        verification=verification,
        access=access,
        added_panels=panels(CLAIM_PAGE, _me(), view, now),
    )


@audit_blueprint.get("/claims/<reference>/export.zip")
@login_required
def export(reference: str):
    """The claim's audit export: events, process files, letters, verification and a manifest."""
    data = export_claim(_me(), reference, utc_now())
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{reference}.zip"'
    return _no_store(response)


@audit_blueprint.get("/claims/<reference>/replay")
@login_required
def replay_page(reference: str):
    """Step through the claim's replay: the process and its data as they were after step N."""
    report = replay.replay_claim(_me(), reference)
    count = len(report.steps)
    number = min(max(1, request.args.get("step", 1, type=int)), max(count, 1))
    step = report.steps[number - 1] if count else None
    diagram = replay.step_diagram(report, number - 1) if count else None
    return render_template(
        "audit/replay.html", report=report, step=step, number=number, count=count, diagram=diagram
    )
