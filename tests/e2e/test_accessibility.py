"""Every portal page and every staff page passes axe-core's WCAG 2.1 A and AA rules with no serious
or critical violation, in Kazakh, Russian and English, as the people who use them see them.

axe-core comes from the npm registry (``cd tests/e2e/axe && npm install``; CI runs it) and is
injected into each page by Playwright. The pages are listed below by the application's endpoint;
a test compares the list with the application's url_map, so a new page without a check fails.
The only pages left out are those that are not HTML pages (downloads, JSON, health checks): they
are named in ``NOT_PAGES`` with the reason.

The application runs on the demo data (``fund demo``): claims in every state, payout batches, a
recourse case, letters, contact points and crisis centres, with one user per role.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fund.claims.access_codes import ask_for_new_access_code
from fund.claims.claimant_messages import answer_claimant, write_from_claimant
from fund.claims.claimant_requests import request_bank_account
from fund.claims.crisis_referrals import FROM_STATUS_PAGE, ask_for_help
from fund.demo import demo_password, load_demo
from fund.extensions import db
from fund.models import (
    AccessCodeRequest,
    Claim,
    ContactPoint,
    CrisisCentre,
    HumanTask,
    Letter,
    PayoutBatch,
    ProcessVersion,
    RecourseCase,
    User,
)
from fund.worker import run_round
from tests.conftest import make_iin
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_document_view import attach, photo_png

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}

# Routes that are not HTML pages for people: nothing for axe to check.
NOT_PAGES = {
    "static": "stylesheets, scripts, fonts and images",
    "api_docs.asset": "the API documentation page's script and style files",
    "api_docs.start": "the API documentation page's start script",
    "operations.healthz": "plain-text health check",
    "operations.readyz": "JSON readiness check",
    "operations.metrics": "Prometheus metrics (text)",
    "admin.rule_preview_csv": "CSV download",
    "audit.export": "ZIP download",
    "officer.document": "document download",
    "officer.document_inline": "the document's bytes, shown inside the document page",
    "officer.letter": "PDF download",
    "desk.message_file": "a claimant's file, download",
    "portal.letter": "PDF download",
    "portal.message_file": "a file of a message, download",
    "recourse.ledger_csv": "CSV download",
    "recourse.outstanding_csv": "CSV download",
}
NOT_PAGE_PREFIXES = {"api.": "the JSON API (its documentation page, api_docs.page, is checked)"}

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((node) => node.target.join(" ")),
  }));
}"""


@dataclass(frozen=True)
class Check:
    """One page to check: its endpoint, who looks at it, its path (``{name}`` filled from the demo
    data) and, for a form's error state or a page reached by a form, what to do before checking."""

    endpoint: str
    who: str  # "visitor", "claimant:<state>" or a demo user name
    path: str
    then: Callable | None = None
    name: str = ""
    language: str | None = None  # a page in one language whatever the reader's (the API's documentation)


@dataclass
class Demo:
    """What the demo data holds, by name, for the paths."""

    values: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # reference -> access code
    by_state: dict[str, list[str]] = field(default_factory=dict)  # status -> references


# --- what to do on a page before checking it -------------------------------------------------------


def _submit_empty(selector: str) -> Callable:
    def submit(page, demo: Demo, language: str) -> None:
        page.locator(selector).first.click()
        page.wait_for_load_state()

    return submit


def _staff_wrong_password(page, demo: Demo, language: str) -> None:
    page.locator("#username").fill("reviewer")
    page.locator("#password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _portal_wrong_code(page, demo: Demo, language: str) -> None:
    page.locator("#reference").fill(demo.values["submitted"])
    page.locator("#access_code").fill("AAAA-BBBB-CCCC")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _open_referral(page, demo: Demo, language: str) -> None:
    page.locator("#crisis-referral form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#crisis-referral dl").wait_for()


def _referral_not_passed_on(page, demo: Demo, language: str) -> None:
    _open_referral(page, demo, language)
    page.locator("#crisis-referral form button[type=submit]").last.click()  # nothing chosen
    page.wait_for_load_state()


def _api_docs_drawn(page, demo: Demo, language: str) -> None:
    page.get_by_text("/api/v1/claims/{reference}/status").first.wait_for()


def _locked_out(page, demo: Demo, language: str) -> None:
    """Wrong access codes for one claim until the portal locks it (the "too many attempts" page)."""
    for _ in range(10):
        page.locator("#reference").fill(demo.by_state["rejected"][0])
        page.locator("#access_code").fill("AAAA-BBBB-CCCC")
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").click()
        if navigation.value.status == 429:
            return
    raise AssertionError("the portal never locked the claim")


def _next(page) -> None:
    page.locator("button[name=go][value=next]").click()
    page.wait_for_load_state()


def _fill_application(page, demo: Demo, language: str) -> None:
    """Answer every step, to the check-and-send step."""
    page.locator("input[name=role][value=victim]").check()
    page.locator("[name='claimant.full_name']").fill("Айгүл Сәрсенова")
    page.locator("[name='claimant.iin']").fill(make_iin(date(1990, 1, 15), female=True))
    page.locator("[name='claimant.birth_date']").fill("1990-01-15")
    _next(page)
    page.locator("[name='crime.erdr_number']").fill("251750010001234")
    page.locator("[name='crime.article']").fill("146")
    page.locator("[name='crime.part']").fill("3")
    page.locator("[name='crime.committed_on']").fill("2025-05-01")
    page.locator("[name='crime.recognized_on']").fill("2025-06-01")
    page.locator("input[name='crime.harm'][value=none]").check()
    _next(page)
    page.locator("[name='claimant.phone']").fill("8 701 234 56 78")
    page.locator("[name='claimant.iban']").fill("KZ86125KZT5004100100")
    _next(page)
    page.locator("#consent").check()
    page.locator("input[name='help.wanted'][value=no]").check()
    _next(page)
    assert page.url.endswith("/portal/apply/check"), page.url


def _send_application(page, demo: Demo, language: str) -> None:
    page.goto(page.url.replace("/portal/apply/sent", "/portal/apply/who"))
    _fill_application(page, demo, language)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/apply/sent"), page.url


def _withdraw_refused(page, demo: Demo, language: str) -> None:
    page.locator("main form button[type=submit]").last.click()  # without ticking "yes"
    page.wait_for_load_state()


def _withdrawn(page, demo: Demo, language: str) -> None:
    page.locator("#confirm-yes").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "done=withdrawn" in page.url, page.url


# --- the pages -------------------------------------------------------------------------------------

PORTAL = [
    Check("home", "visitor", "/"),
    Check("portal.index", "visitor", "/portal"),
    Check("portal.privacy", "visitor", "/portal/privacy"),
    Check("portal.accessibility", "visitor", "/portal/accessibility"),
    Check("portal.contacts", "visitor", "/portal/contacts"),
    Check("portal.sign_in", "visitor", "/portal/sign-in"),
    Check("portal.sign_in", "visitor", "/portal/sign-in", _portal_wrong_code, "wrong access code"),
    Check("portal.sign_in", "visitor", "/portal/sign-in", _locked_out, "locked"),
    Check("portal.lost_code", "visitor", "/portal/lost-code"),
    Check("portal.lost_code", "visitor", "/portal/lost-code", _submit_empty("main form button"), "errors"),
    Check("portal.lost_code_asked", "visitor", "/portal/lost-code/asked"),
    Check("portal.apply", "visitor", "/portal/apply"),
    Check("portal.apply_step", "visitor", "/portal/apply/who", _submit_empty("button[value=next]"), "errors"),
    Check("portal.apply_step", "visitor", "/portal/apply/case"),
    Check("portal.apply_step", "visitor", "/portal/apply/contact"),
    Check("portal.apply_step", "visitor", "/portal/apply/consent"),
    Check("portal.apply_step", "visitor", "/portal/apply/who", _fill_application, "check and send"),
    Check("portal.submitted", "visitor", "/portal/apply/sent", _send_application, "sent"),
    Check("portal.status", "visitor", "/portal/status"),  # not signed in: the sign-in page
    Check("", "visitor", "/portal/no-such-page", name="404"),
    Check("verify.verify_file", "visitor", "/verify"),
    Check("verify.verify", "visitor", "/verify/{letter_number}"),
    Check("verify.verify", "visitor", "/verify/NO-SUCH-LETTER", name="unknown letter"),
    *[
        Check("portal.status", f"claimant:{state}", "/portal/status")
        for state in (
            "submitted",
            "documents_requested",
            "under_review",
            "awaiting_approval",
            "approved",
            "paid",
            "payment_failed",
            "rejected",
            "reconsideration",
            "closed_incomplete",
        )
    ],
    Check("portal.contact_details", "claimant:under_review", "/portal/details"),
    Check(
        "portal.contact_details",
        "claimant:under_review",
        "/portal/details",
        _submit_empty("main form button[type=submit]"),
        "errors",
    ),
    Check("portal.bank_account", "claimant:under_review", "/portal/bank-account"),
    Check(
        "portal.bank_account",
        "claimant:under_review",
        "/portal/bank-account",
        _submit_empty("main form button[type=submit]"),
        "errors",
    ),
    Check("portal.withdraw", "claimant:withdraw", "/portal/withdraw"),
    Check("portal.withdraw", "claimant:withdraw", "/portal/withdraw", _withdraw_refused, "not confirmed"),
    Check("portal.withdraw", "claimant:withdraw", "/portal/withdraw", _withdrawn, "withdrawn"),
]

STAFF = [
    Check("auth.sign_in", "visitor", "/sign-in"),
    Check("auth.sign_in", "visitor", "/sign-in", _staff_wrong_password, "wrong password"),
    Check("api_docs.page", "visitor", "/api/docs", _api_docs_drawn, language="en"),
    Check("admin.index", "reviewer", "/admin", name="forbidden"),
    Check("officer.worklist", "intake", "/worklist"),
    Check("officer.worklist", "reviewer", "/worklist"),
    Check("officer.worklist", "approver", "/worklist"),
    Check("profile.profile", "reviewer", "/profile"),
    Check("officer.find_claim", "reviewer", "/claims"),
    Check("officer.find_claim", "reviewer", "/claims?q={paid}"),
    Check("officer.claim", "reviewer", "/claims/{paid}"),
    Check("officer.claim", "intake", "/claims/{documents_requested}"),
    Check("officer.claim", "approver", "/claims/{rejected}"),
    Check("officer.claim", "intake", "/claims/{under_review}", name="messages and a document"),
    Check("officer.claim", "intake", "/claims/{approved}", name="a new bank account to check"),
    Check("officer.claim", "auditor", "/claims/{paid}"),
    Check(
        "officer.claim", "reviewer", "/claims/{awaiting_approval}", _open_referral, "crisis referral opened"
    ),
    Check(
        "officer.claim", "reviewer", "/claims/{awaiting_approval}", _referral_not_passed_on, "referral errors"
    ),
    Check("officer.worklist", "finance", "/worklist"),
    Check("", "reviewer", "/no-such-page", name="404"),
    Check("officer.claim", "reviewer", "/claims/VCF-2000-999999", name="unknown claim"),
    Check("officer.view_document", "reviewer", "/claims/{document_claim}/documents/{document}/view"),
    Check("officer.register_paper_claim", "intake", "/claims/new"),
    Check(
        "officer.register_paper_claim",
        "intake",
        "/claims/new",
        _submit_empty("main form button[type=submit]"),
        "errors",
    ),
    Check("officer.paper_claim_registered", "intake", "/claims/{submitted}/registered"),
    Check("access_codes.index", "intake", "/access-codes"),
    Check("access_codes.request", "intake", "/access-codes/{access_code_request}"),
    Check("desk.supervision", "supervisor", "/supervision"),
    Check("desk.service_levels", "supervisor", "/supervision/service-levels"),
    Check("incidents.index", "intake", "/incidents"),
    Check("payouts.index", "finance", "/payouts"),
    Check("payouts.batch", "finance", "/payouts/{payout_batch}"),
    Check("payouts.new_batch", "finance", "/payouts/new"),
    Check("payouts.results", "finance", "/payouts/results"),
    Check("recourse.cases", "finance", "/recourse"),
    Check("recourse.case", "finance", "/recourse/cases/{recourse_case}"),
    Check("recourse.convictions", "finance", "/recourse/convictions"),
    Check("recourse.ledger", "finance", "/ledger"),
    Check("dashboard.index", "approver", "/dashboard"),
    Check("audit.index", "auditor", "/audit"),
    Check("audit.claim", "auditor", "/audit/claims/{paid}"),
    Check("audit.replay_page", "auditor", "/audit/claims/{paid}/replay"),
    Check("admin.index", "admin", "/admin"),
    Check("admin.users", "admin", "/admin/users"),
    Check("admin.user", "admin", "/admin/users/{user}"),
    Check("admin.new_user", "admin", "/admin/users/new"),
    Check(
        "admin.new_user",
        "admin",
        "/admin/users/new",
        _submit_empty("main form button[type=submit]"),
        "errors",
    ),
    Check("admin.mci_rates", "admin", "/admin/mci-rates"),
    Check("admin.processes", "admin", "/admin/processes"),
    Check("admin.process", "admin", "/admin/processes/{process_version}"),
    Check("admin.rule_preview", "admin", "/admin/processes/preview"),
    Check("outbox.index", "admin", "/admin/outbox"),
    Check("contact_points.index", "admin", "/admin/contact-points"),
    Check("contact_points.new", "admin", "/admin/contact-points/new"),
    Check("contact_points.edit", "admin", "/admin/contact-points/{contact_point}"),
    Check("crisis_centres.index", "admin", "/admin/crisis-centres"),
    Check("crisis_centres.new", "admin", "/admin/crisis-centres/new"),
    Check("crisis_centres.edit", "admin", "/admin/crisis-centres/{crisis_centre}"),
]
# A task page of each kind of task, as the role that works it sees it; one with a form's errors.
TASK_ROLES = ("intake", "reviewer", "approver", "finance")


def _task_checks(demo: Demo) -> list[Check]:
    checks = []
    for key, task_id in demo.values.items():
        if key.startswith("task:"):
            _, role, form = key.split(":", 2)
            checks.append(Check("officer.task", role, f"/tasks/{task_id}", name=form))
    first = next(check for check in checks if check.who == "reviewer")
    checks.append(
        Check(
            "officer.task", "reviewer", first.path, _submit_empty("#task-form button[type=submit]"), "errors"
        )
    )
    return checks


# --- the demo data ---------------------------------------------------------------------------------


def _load(demo: Demo) -> None:
    lines: list[str] = []
    load_demo(lines.append)
    run_round(lambda: datetime.now(UTC))  # the worker's round: letters issued, figures counted
    for line in lines:
        if match := re.fullmatch(r"claim (\S+)\s+access code (\S+)\s+(\w+)", line):
            reference, code, state = match.groups()
            demo.codes[reference] = code
            demo.by_state.setdefault(state, []).append(reference)
    for state, references in demo.by_state.items():
        demo.values[state] = references[-1]
    first = lambda statement: db.session.scalar(statement)  # noqa: E731
    demo.values["letter_number"] = first(
        select(Letter.number).where(Letter.number.is_not(None)).order_by(Letter.id)
    )  # the letter check's page for a real letter (None would fail on the verify path)
    assert demo.values["letter_number"], "the demo issued no letter"
    # A photo of a document handed in, shown in its page.
    demo.values["document_claim"] = demo.values["under_review"]
    demo.values["document"] = str(attach(demo.values["under_review"], "report.png", "image/png", photo_png()))
    demo.values["payout_batch"] = str(first(select(PayoutBatch.id).order_by(PayoutBatch.id)))
    recourse_claim = first(select(RecourseCase.claim_id))
    demo.values["recourse_case"] = db.session.get(Claim, recourse_claim).reference
    demo.values["user"] = str(first(select(User.id).where(User.username == "reviewer")))
    demo.values["process_version"] = first(
        select(ProcessVersion.version).order_by(ProcessVersion.deployed_at)
    )
    demo.values["contact_point"] = str(first(select(func.min(ContactPoint.id))))
    demo.values["crisis_centre"] = str(first(select(func.min(CrisisCentre.id))))
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.state == "open", HumanTask.role.in_(TASK_ROLES))
    ):
        demo.values.setdefault(f"task:{task.role}:{task.form}", task.id)
    # Messages both ways, and a new bank account waiting for intake: on the status and claim pages.
    now = datetime.now(UTC)
    by_reference = lambda reference: first(select(Claim).where(Claim.reference == reference))  # noqa: E731
    write_from_claimant(by_reference(demo.values["under_review"]), "Мен құжатты жібердім.", now)
    intake = first(select(User).where(User.username == "intake"))
    answer_claimant(intake, demo.values["under_review"], "Рахмет, құжат алынды.", now)
    request_bank_account(by_reference(demo.values["approved"]), {"iban": "KZ18 722S 0000 1234 5678"}, now)
    # Help from a crisis centre, asked for: on the status page, and opened on the claim page.
    ask_for_help(
        by_reference(demo.values["awaiting_approval"]),
        ["psychological", "legal"],
        "almaty",
        FROM_STATUS_PAGE,
        now,
    )
    # A claimant who lost the access code asks for a new one: intake's list and request pages.
    claim = db.session.scalar(select(Claim).where(Claim.reference == demo.values["documents_requested"]))
    ask_for_new_access_code(
        claim.reference, claim.claimant.iin, claim.claimant.birth_date.isoformat(), datetime.now(UTC)
    )
    demo.values["access_code_request"] = str(first(select(func.max(AccessCodeRequest.id))))


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        how = "axe-core is not installed: run `npm install` in tests/e2e/axe (CI does)"
        if os.environ.get("FUND_REQUIRE_BROWSER"):
            pytest.fail(f"FUND_REQUIRE_BROWSER is set but {how}")
        pytest.skip(how)
    return AXE


@pytest.fixture(scope="module")
def demo(live_server, axe_script) -> Demo:
    demo = Demo()
    live_server.run(_load, demo)
    # Dozens of sign-ins from one address: the rate limits (tested on their own) would refuse them.
    live_server.app.config["FUND_RATELIMIT_ENABLED"] = False
    return demo


class Visitors:
    """Browser contexts, one per person and language (staff signed in, claimants signed in to their
    claim). Contexts bypass the pages' Content-Security-Policy so that axe-core can be injected."""

    def __init__(self, browser, base_url: str, demo: Demo, language: str):
        self.browser, self.base_url, self.demo, self.language = browser, base_url, demo, language
        self.contexts: dict[str, object] = {}
        self.broken: list[str] = []  # addresses that answered 5xx since the last check began

    def page(self, who: str):
        if who not in self.contexts:
            context = self.browser.new_context(
                viewport={"width": 1280, "height": 900}, locale=LOCALES[self.language], bypass_csp=True
            )
            self.contexts[who] = context
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("response", lambda response: self._note_failure(response))
            if who.startswith("claimant:"):
                self._claimant_signs_in(page, who.removeprefix("claimant:"))
            elif who != "visitor":
                self._officer_signs_in(page, who)
        return self.contexts[who].pages[0]

    def _note_failure(self, response) -> None:
        if response.status >= 500:
            self.broken.append(f"{response.status} {response.url}")

    def _officer_signs_in(self, page, username: str) -> None:
        page.goto(f"{self.base_url}/sign-in")
        page.locator("#username").fill(username)
        page.locator("#password").fill(demo_password(username))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/sign-in" not in page.url, f"{username} could not sign in"

    def _claimant_signs_in(self, page, state: str) -> None:
        if state == "withdraw":  # a claim of its own per language, withdrawn on the way
            reference = self.demo.by_state["submitted"][list(LOCALES).index(self.language)]
        else:
            reference = self.demo.values[state]
        page.goto(f"{self.base_url}/portal/sign-in")
        page.locator("#reference").fill(reference)
        page.locator("#access_code").fill(self.demo.codes[reference])
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url.endswith("/portal/status"), f"{reference}: {page.locator('main').inner_text()[:300]}"

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def _endpoint(live_server, path: str) -> str:
    return live_server.app.url_map.bind("localhost").match(path.split("?")[0], method="GET")[0]


def serious_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of the page with impact serious or critical: the rule,
    the impact, what it asks for, and the selectors of the failing elements."""
    page.add_script_tag(path=str(AXE))
    return [
        f"{violation['rule']} ({violation['impact']}): {violation['help']}\n    "
        + "\n    ".join(violation["nodes"][:8])
        for violation in page.evaluate(AXE_RUN, WCAG_TAGS)
        if violation["impact"] in FAILING_IMPACTS
    ]


def _check_pages(live_server, browser, demo: Demo, language: str, checks: list[Check], shots: str) -> None:
    visitors = Visitors(browser, live_server.url, demo, language)
    found: list[str] = []
    try:
        for check in checks:
            path = check.path.format(**demo.values)
            if check.name != "404":  # the table names the endpoint that answers the path
                assert _endpoint(live_server, path) == check.endpoint, (check, path)
            page = visitors.page(check.who)
            visitors.broken.clear()
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state()
            if check.then is not None:
                check.then(page, demo, language)
            where = (
                f"{path} {check.name} [{language}, {check.who}] ({page.url.removeprefix(live_server.url)})"
            )
            assert not visitors.broken, (where, visitors.broken)  # an error page is no page to check
            assert page.locator("html").get_attribute("lang") == (check.language or language), where
            found += [f"{where}: {violation}" for violation in serious_violations(page)]
            if os.environ.get("FUND_AXE_SCREENSHOTS"):
                slug = re.sub(r"[^a-z0-9]+", "-", f"{path}-{check.name}-{check.who}".lower()).strip("-")
                (ARTIFACTS / shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / shots / f"{language}-{slug}.png"), full_page=True)
    finally:
        visitors.close()
    assert not found, f"{len(found)} serious or critical accessibility violations:\n" + "\n".join(found)


def test_the_check_finds_what_it_is_meant_to_find(browser, axe_script):
    """On a page with no language, a field without a label and pale grey text, the check fails."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html><body><main><h1>Form</h1><input type="text">'
            '<p style="color:#b0b0b0;background:#ffffff">Pale text</p></main></body></html>'
        )
        rules = {violation.split(" ")[0] for violation in serious_violations(page)}
    finally:
        context.close()
    assert {"html-has-lang", "label", "color-contrast"} <= rules


def test_every_page_of_the_application_has_an_accessibility_check(live_server):
    """A new page fails here until it is added to PORTAL or STAFF (or, if it is no HTML page, to
    NOT_PAGES with the reason)."""
    pages = set()
    for rule in live_server.app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.endpoint.startswith(tuple(NOT_PAGE_PREFIXES)):
            pages.add(rule.endpoint)
    checked = {check.endpoint for check in [*PORTAL, *STAFF]} | {"officer.task"}  # tasks: _task_checks
    assert sorted(pages - checked - set(NOT_PAGES)) == []
    assert sorted(set(NOT_PAGES) - pages) == []  # no stale exclusion


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_portal_page_has_no_serious_accessibility_violation(live_server, browser, demo, language):
    _check_pages(live_server, browser, demo, language, PORTAL, "axe-portal")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_staff_page_has_no_serious_accessibility_violation(live_server, browser, demo, language):
    _check_pages(live_server, browser, demo, language, [*STAFF, *_task_checks(demo)], "axe-staff")
