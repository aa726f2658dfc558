"""Who may open which page: every route of every page (officer, dashboard, admin, letters' check,
sign-in), for every role.

The matrix below is the specification. Roles are checked by the services, so a page refused here
is refused whatever its template shows; anonymous visitors are sent to the sign-in page. Every
POST carries the session's CSRF token, as the site's own forms do.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fund.extensions import db
from fund.models import Claim, Letter, Notification, ProcessVersion
from tests.conftest import PASSWORD
from tests.officer_helpers import attach_document, html, open_task_id
from tests.payout_helpers import empty_built_batch
from tests.web_helpers import sign_in

ROLES = ("intake", "reviewer", "approver", "finance", "auditor", "admin")
ANONYMOUS = "anonymous"
PERSONAL_DATA = ("intake", "reviewer", "approver", "finance")  # the roles whose work needs it


def expect(staff: int = 200, anonymous: int = 302) -> dict[str, int]:
    """The same answer for every staff role; anonymous visitors are sent to sign in."""
    return {**{role: staff for role in ROLES}, ANONYMOUS: anonymous}


def only(*roles: str, answer: int = 200) -> dict[str, int]:
    """``answer`` for ``roles``, 403 for every other role; anonymous visitors are sent to sign in."""
    return {**{role: answer if role in roles else 403 for role in ROLES}, ANONYMOUS: 302}


@dataclass(frozen=True)
class Route:
    rule: str  # as Flask knows it, to check that the matrix covers every route
    method: str
    url: str  # with {claim}, {document}, {letter}, {intake_task}, {review_task}, {approval_task}
    answers: dict[str, int]
    data: tuple[tuple[str, str], ...] = ()
    signs_out: bool = False


MATRIX = [
    Route("/", "GET", "/", expect(staff=302)),
    Route("/worklist", "GET", "/worklist", expect()),
    Route("/claims", "GET", "/claims", expect()),
    Route("/claims/<reference>", "GET", "/claims/{claim}", expect()),
    # Paper and walk-in claims: intake's; an empty form comes back with its errors, and the claim of
    # the places came through the portal, so it has no acknowledgement to print.
    Route("/claims/new", "GET", "/claims/new", only("intake")),
    Route("/claims/new", "POST", "/claims/new", only("intake", answer=422)),
    Route("/claims/<reference>/registered", "GET", "/claims/{claim}/registered", only("intake", answer=404)),
    Route("/claims/<reference>/personal-data", "POST", "/claims/{claim}/personal-data", only(*PERSONAL_DATA)),
    Route(
        "/claims/<reference>/documents/<int:document_id>",
        "GET",
        "/claims/{claim}/documents/{document}",
        only(*PERSONAL_DATA),
    ),
    Route("/claims/<reference>/documents/<int:document_id>/view", "GET",
          "/claims/{claim}/documents/{document}/view", only(*PERSONAL_DATA)),
    Route("/claims/<reference>/documents/<int:document_id>/inline", "GET",
          "/claims/{claim}/documents/{document}/inline", only(*PERSONAL_DATA)),
    Route("/claims/<reference>/letters/<int:letter_id>.pdf", "GET", "/claims/{claim}/letters/{letter}.pdf",
          only(*PERSONAL_DATA)),
    Route("/tasks/<task_id>", "GET", "/tasks/{intake_task}", only("intake")),
    Route("/tasks/<task_id>", "GET", "/tasks/{review_task}", only("reviewer")),
    Route("/tasks/<task_id>", "GET", "/tasks/{approval_task}", only("approver")),
    Route("/tasks/<task_id>/take", "POST", "/tasks/{intake_task}/take", only("intake", answer=302)),
    Route("/tasks/<task_id>/take", "POST", "/tasks/{review_task}/take", only("reviewer", answer=302)),
    Route("/tasks/<task_id>/release", "POST", "/tasks/{intake_task}/release", only("intake", answer=302)),
    Route("/tasks/<task_id>/release", "POST", "/tasks/{review_task}/release", only("reviewer", answer=302)),
    # An empty form: the task's officer gets the form back with its errors; nobody else sees it.
    Route("/tasks/<task_id>", "POST", "/tasks/{intake_task}", only("intake", answer=422)),
    Route("/tasks/<task_id>", "POST", "/tasks/{approval_task}", only("approver", answer=422)),
    Route("/dashboard", "GET", "/dashboard", only("approver", "admin", "auditor")),
    Route("/audit", "GET", "/audit", only("auditor", "admin")),
    Route("/audit/claims/<reference>", "GET", "/audit/claims/{claim}", only("auditor", "admin")),
    Route("/audit/claims/<reference>/export.zip", "GET", "/audit/claims/{claim}/export.zip",
          only("auditor", "admin")),
    Route("/audit/claims/<reference>/replay", "GET", "/audit/claims/{claim}/replay?step=2",
          only("auditor", "admin")),
    # Recourse (Art. 11): finance records, auditors read; the ledger's totals for its readers too.
    Route("/recourse", "GET", "/recourse", only("finance", "auditor")),
    Route("/recourse/outstanding.csv", "GET", "/recourse/outstanding.csv", only("finance", "auditor")),
    Route("/recourse/convictions", "GET", "/recourse/convictions", only("finance", "auditor")),
    Route("/recourse/convictions", "POST", "/recourse/convictions", only("finance", answer=422)),
    # {claim} has no recourse case (it is not paid): its readers are told so, the others refused.
    Route("/recourse/cases/<reference>", "GET", "/recourse/cases/{claim}",
          only("finance", "auditor", answer=404)),
    Route("/recourse/cases/<reference>", "POST", "/recourse/cases/{claim}", only("finance", answer=404)),
    Route("/recourse/cases/<reference>/offenders", "POST", "/recourse/cases/{claim}/offenders",
          only("finance", answer=404)),
    Route("/ledger", "GET", "/ledger", only("finance", "auditor", "admin", "approver")),
    Route("/ledger.csv", "GET", "/ledger.csv", only("finance", "auditor", "admin", "approver")),
    Route("/admin", "GET", "/admin", only("admin")),
    Route("/admin/users", "GET", "/admin/users", only("admin")),
    Route("/admin/users/new", "GET", "/admin/users/new", only("admin")),
    Route("/admin/users/new", "POST", "/admin/users/new", only("admin", answer=422)),
    Route("/admin/users/<int:user_id>", "GET", "/admin/users/{user}", only("admin")),
    Route("/admin/users/<int:user_id>/roles", "POST", "/admin/users/{user}/roles",
          only("admin", answer=422)),
    Route("/admin/users/<int:user_id>/password", "POST", "/admin/users/{user}/password",
          only("admin", answer=422)),
    Route("/admin/users/<int:user_id>/deactivate", "POST", "/admin/users/{user}/deactivate",
          only("admin", answer=302)),
    Route("/admin/users/<int:user_id>/reactivate", "POST", "/admin/users/{user}/reactivate",
          only("admin", answer=302)),
    Route("/admin/contact-points", "GET", "/admin/contact-points", only("admin")),
    Route("/admin/contact-points/new", "GET", "/admin/contact-points/new", only("admin")),
    Route("/admin/contact-points/new", "POST", "/admin/contact-points/new", only("admin", answer=422)),
    # No contact point exists in these tests: an administrator is told so, others are refused.
    Route("/admin/contact-points/<int:point_id>", "GET", "/admin/contact-points/999999",
          only("admin", answer=404)),
    Route("/admin/contact-points/<int:point_id>", "POST", "/admin/contact-points/999999",
          only("admin", answer=404)),
    # Crisis centres (issue 15, point 8): none exists in these tests, as for the contact points.
    Route("/admin/crisis-centres", "GET", "/admin/crisis-centres", only("admin")),
    Route("/admin/crisis-centres/new", "GET", "/admin/crisis-centres/new", only("admin")),
    Route("/admin/crisis-centres/new", "POST", "/admin/crisis-centres/new", only("admin", answer=422)),
    Route("/admin/crisis-centres/<int:centre_id>", "GET", "/admin/crisis-centres/999999",
          only("admin", answer=404)),
    Route("/admin/crisis-centres/<int:centre_id>", "POST", "/admin/crisis-centres/999999",
          only("admin", answer=404)),
    Route("/admin/mci-rates", "GET", "/admin/mci-rates", only("admin")),
    Route("/admin/mci-rates", "POST", "/admin/mci-rates", only("admin", answer=422)),
    Route("/admin/processes", "GET", "/admin/processes", only("admin")),
    Route("/admin/processes", "POST", "/admin/processes", only("admin", answer=302)),
    Route("/admin/processes/preview", "GET", "/admin/processes/preview", only("admin")),
    Route("/admin/processes/preview.csv", "GET", "/admin/processes/preview.csv", only("admin")),
    Route("/admin/processes/<version>", "GET", "/admin/processes/{version}", only("admin")),
    # The outbox: {notification} is queued, so "retry now" says it cannot and goes back to the list.
    Route("/admin/outbox", "GET", "/admin/outbox", only("admin")),
    Route("/admin/outbox/<int:notification_id>/retry", "POST", "/admin/outbox/{notification}/retry",
          only("admin", answer=302)),
    Route("/payouts", "GET", "/payouts", only("finance")),
    Route("/payouts/new", "GET", "/payouts/new", only("finance")),
    # An empty form means any claim: none is approved here, so finance is told nothing was built.
    Route("/payouts/new", "POST", "/payouts/new", only("finance", answer=409)),
    Route("/payouts/<int:batch_id>", "GET", "/payouts/{batch}", only("finance")),
    # The batch is built, not approved: finance is told it cannot be exported yet.
    Route("/payouts/<int:batch_id>/register.csv", "POST", "/payouts/{batch}/register.csv",
          only("finance", answer=409)),
    Route("/payouts/<int:batch_id>/pain001.xml", "POST", "/payouts/{batch}/pain001.xml",
          only("finance", answer=409)),
    Route("/payouts/<int:batch_id>/approve", "POST", "/payouts/{batch}/approve", only("finance", answer=302)),
    Route("/payouts/<int:batch_id>/cancel", "POST", "/payouts/{batch}/cancel", only("finance", answer=302)),
    Route("/payouts/results", "GET", "/payouts/results", only("finance")),
    Route("/payouts/results", "POST", "/payouts/results", only("finance", answer=422)),  # no file chosen
    # Incidents: intake, finance, administrators. {claim} is not left out of payout builds (finance is
    # told nothing changed) and has nothing overdue (a retry finds nothing and goes back to the list).
    Route("/incidents", "GET", "/incidents", only("intake", "finance", "admin")),
    Route("/incidents/<reference>/ask-intake", "POST", "/incidents/{claim}/ask-intake",
          only("finance", answer=409)),
    Route("/incidents/<reference>/retry", "POST", "/incidents/{claim}/retry",
          only("intake", "finance", "admin", answer=302)),
    # Lost access codes: intake's (tests/claims/test_lost_access_codes.py); no request 999999 exists.
    Route("/access-codes", "GET", "/access-codes", only("intake")),
    Route("/access-codes/<int:request_id>", "GET", "/access-codes/999999", only("intake", answer=404)),
    Route("/access-codes/<int:request_id>/issue", "POST", "/access-codes/999999/issue",
          only("intake", answer=404)),
    Route("/access-codes/<int:request_id>/refuse", "POST", "/access-codes/999999/refuse",
          only("intake", answer=404)),
    # The supervisor's desk: none of these roles is a supervisor (tests/officers/test_supervision.py).
    Route("/supervision", "GET", "/supervision", only()),
    Route("/supervision/tasks/<task_id>/assign", "POST", "/supervision/tasks/{approval_task}/assign", only()),
    # Service levels: supervisors only (tests/operations/test_service_levels.py).
    Route("/supervision/service-levels", "GET", "/supervision/service-levels", only()),
    # Internal notes: the officers who work claims; an empty note is not saved (back to the claim).
    Route("/claims/<reference>/notes", "POST", "/claims/{claim}/notes", only(*PERSONAL_DATA, answer=302)),
    # Answers to the claimant: the officers who work claims; an empty answer is refused (the claim page, 422).
    Route("/claims/<reference>/messages", "POST", "/claims/{claim}/messages",
          only(*PERSONAL_DATA, answer=422)),
    # A claimant's request for a crisis centre: intake and reviewers only. {claim}'s claimant asked
    # for none: opening shows the claim page, recording it passed on is a conflict
    # (tests/officers/test_crisis_referral_pages.py).
    Route("/claims/<reference>/crisis-referral", "POST", "/claims/{claim}/crisis-referral",
          only("intake", "reviewer")),
    Route("/claims/<reference>/crisis-referral/passed-on", "POST",
          "/claims/{claim}/crisis-referral/passed-on", only("intake", "reviewer", answer=409)),
    # A file of a message: the roles that see personal data (no file 999999: they are told so).
    Route("/claims/<reference>/message-files/<int:file_id>", "GET", "/claims/{claim}/message-files/999999",
          only(*PERSONAL_DATA, answer=404)),
    # A claimant's new bank account: intake decides (no request 999999: intake is told so).
    Route("/claims/<reference>/bank-account-requests/<int:request_id>", "POST",
          "/claims/{claim}/bank-account-requests/999999", only("intake", answer=404),
          data=(("decision", "confirm"),)),
    # Anyone may check an uploaded letter's file; a form without a file is refused.
    Route("/verify", "GET", "/verify", expect(staff=200, anonymous=200)),
    Route("/verify", "POST", "/verify", expect(staff=400, anonymous=400)),
    # Public: anyone may check a letter (the code is what proves it); no sign-in needed.
    Route("/verify/<number>", "GET", "/verify/{letter_number}", expect(staff=200, anonymous=200)),
    Route("/verify/<number>", "POST", "/verify/{letter_number}", expect(staff=400, anonymous=400)),
    # Health for load balancers: public, no sign-in (no worker ran in these tests: not ready).
    Route("/healthz", "GET", "/healthz", expect(staff=200, anonymous=200)),
    # The API's document, browsable: public, its files served by the fund (no CDN).
    Route("/api/docs", "GET", "/api/docs", expect(staff=200, anonymous=200)),
    Route("/api/docs/start.js", "GET", "/api/docs/start.js", expect(staff=200, anonymous=200)),
    Route("/api/docs/assets/<filename>", "GET", "/api/docs/assets/swagger-ui.css",
          expect(staff=200, anonymous=200)),
    Route("/readyz", "GET", "/readyz", expect(staff=503, anonymous=503)),
    # Prometheus' scrape: neither FUND_METRICS_TOKEN nor FUND_METRICS_ALLOW is set here, so a staff
    # session is no key to it (tests/operations/test_metrics.py tries the token and the networks).
    Route("/metrics", "GET", "/metrics", expect(staff=404, anonymous=404)),
    # The claimant portal: public, and staff sign-in changes nothing there (its own session).
    Route("/portal", "GET", "/portal", expect(staff=200, anonymous=200)),
    Route("/portal/privacy", "GET", "/portal/privacy", expect(staff=200, anonymous=200)),
    Route("/portal/contacts", "GET", "/portal/contacts", expect(staff=200, anonymous=200)),
    Route("/portal/accessibility", "GET", "/portal/accessibility", expect(staff=200, anonymous=200)),
    Route("/portal/apply", "GET", "/portal/apply", expect(staff=303, anonymous=303)),
    Route("/portal/apply/<step>", "GET", "/portal/apply/who", expect(staff=200, anonymous=200)),
    Route("/portal/apply/<step>", "POST", "/portal/apply/who", expect(staff=422, anonymous=422)),
    Route("/portal/apply/check", "POST", "/portal/apply/check", expect(staff=422, anonymous=422)),
    Route("/portal/apply/sent", "GET", "/portal/apply/sent", expect(staff=200, anonymous=200)),
    Route("/portal/sign-in", "GET", "/portal/sign-in", expect(staff=200, anonymous=200)),
    Route("/portal/sign-in", "POST", "/portal/sign-in", expect(staff=401, anonymous=401),
          data=(("reference", "VCF-2026-999999"), ("access_code", "not-the-code"))),
    # A lost access code: anyone may ask (empty answers are named back, 422); the next page is the same
    # whether the answers matched a claim or not.
    Route("/portal/lost-code", "GET", "/portal/lost-code", expect(staff=200, anonymous=200)),
    Route("/portal/lost-code", "POST", "/portal/lost-code", expect(staff=422, anonymous=422)),
    Route("/portal/lost-code/asked", "GET", "/portal/lost-code/asked", expect(staff=200, anonymous=200)),
    Route("/portal/status", "GET", "/portal/status", expect(staff=303, anonymous=303)),
    # The claimant's own details, new bank account, withdrawal and message files: a portal session first.
    Route("/portal/details", "GET", "/portal/details", expect(staff=303, anonymous=303)),
    Route("/portal/details", "POST", "/portal/details", expect(staff=303, anonymous=303)),
    Route("/portal/bank-account", "GET", "/portal/bank-account", expect(staff=303, anonymous=303)),
    Route("/portal/bank-account", "POST", "/portal/bank-account", expect(staff=303, anonymous=303)),
    Route("/portal/withdraw", "GET", "/portal/withdraw", expect(staff=303, anonymous=303)),
    Route("/portal/withdraw", "POST", "/portal/withdraw", expect(staff=303, anonymous=303)),
    Route("/portal/messages/files/<int:file_id>", "GET", "/portal/messages/files/999999",
          expect(staff=303, anonymous=303)),
    Route("/portal/letters/<int:letter_id>", "GET", "/portal/letters/{letter}",
          expect(staff=303, anonymous=303)),
    Route("/portal/documents", "POST", "/portal/documents", expect(staff=303, anonymous=303)),
    Route("/portal/reconsideration", "POST", "/portal/reconsideration", expect(staff=303, anonymous=303)),
    Route("/portal/messages", "POST", "/portal/messages", expect(staff=303, anonymous=303)),
    Route("/portal/crisis-help", "POST", "/portal/crisis-help", expect(staff=303, anonymous=303)),
    Route("/portal/sign-out", "POST", "/portal/sign-out", expect(staff=303, anonymous=303)),
    Route("/sign-in", "GET", "/sign-in", expect(staff=200, anonymous=200)),
    Route("/sign-in", "POST", "/sign-in", expect(staff=401, anonymous=401),
          data=(("username", "nobody"), ("password", "not the password"))),
    # Every staff user chooses the language of their own pages (an empty choice: the browser's).
    Route("/profile", "GET", "/profile", expect()),
    Route("/profile", "POST", "/profile", expect(staff=302)),
    Route("/profile/language", "POST", "/profile/language", expect(staff=303)),
    # Last: these end the session (each is run signed in again).
    Route("/sign-out", "POST", "/sign-out", expect(staff=302), signs_out=True),
    Route("/sign-out-everywhere", "POST", "/sign-out-everywhere", expect(staff=302), signs_out=True),
]  # fmt: skip


def test_the_matrix_covers_every_route_of_every_page(app):
    covered = {(route.rule, route.method) for route in MATRIX}
    for rule in app.url_map.iter_rules():
        # The JSON API has its own role tests (tests/test_api_*.py); static files are public.
        if rule.endpoint.split(".")[0] not in ("api", "static"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.rule, method) in covered, f"{method} {rule.rule} is missing from the matrix"


@pytest.fixture
def places(app, submit, officers, staff) -> dict[str, str]:
    """A claim waiting for intake (with a document and a letter), one for review, one for approval."""
    at_intake = submit()["reference"]
    at_review = submit()["reference"]
    officers.check_documents(at_review)
    at_approval = submit()["reference"]
    officers.check_documents(at_approval)
    officers.review(at_approval)
    claim_id = db.session.scalar(db.select(Claim.id).where(Claim.reference == at_intake))
    letter = db.session.scalar(db.select(Letter).where(Letter.claim_id == claim_id))
    return {
        "user": str(staff.user("target", "intake").id),
        "version": db.session.scalar(db.select(ProcessVersion.version)),
        "letter_number": letter.number,
        "claim": at_intake,
        "document": str(attach_document(at_intake)),
        "letter": str(db.session.scalar(db.select(Letter.id).where(Letter.claim_id == claim_id))),
        "notification": str(
            db.session.scalar(db.select(Notification.id).where(Notification.claim_id == claim_id))
        ),
        "intake_task": open_task_id(at_intake, "intake_check"),
        "review_task": open_task_id(at_review, "review_torture"),
        "approval_task": open_task_id(at_approval, "approval"),
        "batch": str(empty_built_batch()),
    }


@pytest.mark.parametrize("who", [*ROLES, ANONYMOUS])
def test_every_role_gets_the_expected_answer_on_every_route(app, staff, places, who):
    client = app.test_client()
    username = f"matrix-{who}"

    def sign_in_again() -> None:
        if who != ANONYMOUS:
            staff.user(username, who)
            assert sign_in(client, username, PASSWORD).status_code == 302

    sign_in_again()
    wrong = []
    for route in MATRIX:
        if route.signs_out:
            sign_in_again()
        url = route.url.format(**places)
        if route.method == "GET":
            answer = client.get(url)
        else:
            token = html(client.get("/sign-in")).xpath("//input[@name='csrf_token']/@value")[0]
            answer = client.post(url, data={"csrf_token": token, **dict(route.data)})
        expected = route.answers[who]
        body = answer.get_data().decode("utf-8", "replace")
        if answer.status_code != expected or "Traceback" in body:
            wrong.append(f"{route.method} {url}: {answer.status_code}, expected {expected}")
        elif expected == 302 and who == ANONYMOUS and route.rule not in ("/",):
            if not answer.headers["Location"].startswith("/sign-in"):
                wrong.append(f"{route.method} {url}: anonymous sent to {answer.headers['Location']}")
        elif expected == 403 and "needs one of the roles" not in body:
            wrong.append(f"{route.method} {url}: 403 without saying which role it needs")
    assert wrong == [], f"{who}:\n" + "\n".join(wrong)


def test_a_post_without_the_csrf_token_is_refused_on_every_form(app, staff, places):
    staff.user("ivan", "intake")
    client = app.test_client()
    sign_in(client, "ivan", PASSWORD)

    for route in MATRIX:
        # /verify changes nothing and needs no session (a CSRF token would tell pages apart).
        if route.method == "POST" and not route.rule.startswith(("/sign-in", "/verify")):
            answer = client.post(route.url.format(**places), data=dict(route.data))
            assert answer.status_code == 400, route.url
            assert "form expired" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Claim)) == 3
