"""Staff pages in Kazakh, Russian and English: a complete "staff" catalog, compiled files that match
it, every marked string and every code word in it, each staff page in one language, the language
each user chose (else the browser's, else English), and dates and amounts as people write them."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from lxml import etree

from fund import PROJECT_ROOT
from fund.common import wording
from fund.extensions import db
from fund.models import User
from fund.officers import worklist
from fund.web.formatting import age, day, number, tenge
from tests.officer_helpers import browser, html, open_task_id, text_of

TRANSLATIONS = PROJECT_ROOT / "fund" / "translations"
STAFF_PARTS = ("officers", "admin", "audit", "payouts", "recourse", "reports")
# Where staff pages' words are marked: the shared templates, each part's templates and views, and
# the shared web plumbing (errors, navigation, sign-in, profile, formatting).
STAFF_SOURCES = [
    ("fund/templates/**.html", "jinja2"),
    *[(f"fund/{part}/templates/**.html", "jinja2") for part in STAFF_PARTS],
    *[(f"fund/{part}/**views.py", "python") for part in STAFF_PARTS],
    ("fund/web/**.py", "python"),
]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None}
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def staff_catalog(language: str):
    return read_po((TRANSLATIONS / language / "LC_MESSAGES" / "staff.po").open("rb"))


# --- the catalog -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_of_the_staff_catalog_is_translated(language):
    catalog = staff_catalog(language)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert len(catalog) > 500 and untranslated == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_translation_keeps_the_placeholders_a_sentence_needs(language):
    placeholder = re.compile(r"%\(\w+\)s")
    # An English plural ending ("claim%(s)s") has no place in Kazakh or Russian.
    english_only = {"%(s)s", "%(are)s", "%(value)s", "%(rows2)s", "%(rules)s"}
    wrong = [
        m.id
        for m in staff_catalog(language)
        if m.id
        and any(  # each form of a plural keeps them too
            set(placeholder.findall(form)) != set(placeholder.findall(" ".join(forms(m.id)))) - english_only
            for form in forms(m.string)
        )
        and not (set(placeholder.findall(" ".join(forms(m.id)))) & english_only)
    ]
    assert wrong == []


def forms(value) -> tuple[str, ...]:
    """A message's id or string as its forms: one, or a plural's several."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_compiled_staff_catalog_matches_its_source(language):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "staff.po"
    source = {
        forms(m.id): forms(m.string) for m in read_po(path.open("rb")) if m.id and m.string and not m.fuzzy
    }
    compiled = {forms(m.id): forms(m.string) for m in read_mo(path.with_suffix(".mo").open("rb")) if m.id}
    assert compiled == source, "staff.mo is stale: add strings with the catalog tool, which compiles"


def test_every_string_marked_in_staff_templates_and_views_is_in_the_staff_catalog():
    marked = {
        message
        for _, _, message, _, _ in extract_from_dir(str(PROJECT_ROOT), STAFF_SOURCES, keywords=KEYWORDS)
    }
    catalog = {m.id for m in staff_catalog("kk")}
    assert len(marked) > 500 and sorted(marked - catalog) == []


def _schema_words(node, found: set[str]) -> None:
    """Titles, hints, option words and messages of a task form (JSON Schema)."""
    if isinstance(node, dict):
        found.update(node[key] for key in ("title", "description") if isinstance(node.get(key), str))
        for key in ("x-labels", "x-messages"):
            found.update(value for value in (node.get(key) or {}).values() if isinstance(value, str))
        for value in node.values():
            _schema_words(value, found)
    elif isinstance(node, list):
        for value in node:
            _schema_words(value, found)


def test_the_fund_s_code_words_are_in_the_staff_catalog(app):
    """Statuses, categories, roles, task names from the BPMN files, forms' words: as the portal names them."""
    from fund.common.wording import task_labels
    from workflows.specs import load_process, read_process_files

    words = set()
    for labels in (
        wording.CATEGORY_LABELS,
        wording.STATUS_LABELS,
        wording.CLAIMANT_ROLE_LABELS,
        wording.HARM_LABELS,
        wording.MESSAGE_LABELS,
        wording.ROLE_LABELS,
        worklist.ASSIGNMENT_FILTERS,
    ):
        words.update(labels.values())
    words.update(order.label for order in worklist.SORT_ORDERS.values())
    process = load_process(read_process_files(PROJECT_ROOT / "bpmn"))
    words.update(task_labels(process).values())
    for spec in (process.spec, *process.subprocess_specs.values()):  # the diagram's steps, by name
        words.update(node.bpmn_name for node in spec.task_specs.values() if getattr(node, "bpmn_name", None))
    for path in sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn")):  # the paths a gateway takes, by name
        flows = etree.parse(str(path)).getroot().iter(f"{{{BPMN}}}sequenceFlow")
        words.update(flow.get("name") for flow in flows if flow.get("name"))
    for path in sorted((PROJECT_ROOT / "bpmn" / "forms").glob("*.json")):
        _schema_words(json.loads(path.read_text()), words)
    kk = {m.id: m.string for m in staff_catalog("kk")}
    assert sorted(words - set(kk)) == []
    assert kk["Awaiting approval"] == "Бекітуді күтуде" and kk["Torture"] == "Азаптау"


# --- each page in one language ---------------------------------------------------------------------------


def _english_sentences() -> list[str]:
    """The staff catalog's English sentences whose Kazakh differs (long enough not to be a name)."""
    kk = staff_catalog("kk")
    return [m.id for m in kk if m.id and m.string != m.id and len(m.id) > 12 and "%(" not in m.id]


def choose_language(client, language: str):
    """The profile page's form, as a browser sends it."""
    token = html(client.get("/profile")).xpath("//input[@name='csrf_token']/@value")[0]
    return client.post("/profile", data={"csrf_token": token, "language": language})


def signed_in(app, staff, username: str, language: str, *roles: str):
    client = browser(app, staff, username, *roles)
    assert choose_language(client, language).status_code == 302
    return client


def _english_on(client, path: str, language: str, english: list[str]) -> list[str]:
    answer = client.get(path)
    assert answer.status_code == 200, f"{path}: {answer.status_code}"
    page = html(answer)
    assert page.xpath("/html/@lang") == [language], path
    # The decision tables' own notes (bpmn/*.dmn annotations, the lawyers' text) are written in
    # English only; the rest of the "what the rules decided" panel is translated.
    for note in page.xpath("//section[@aria-labelledby='rules-title']//div[@class='rule']/p[1]"):
        note.getparent().remove(note)
    text = text_of(page)
    return [f"{path}: {sentence}" for sentence in english if sentence in text]


@pytest.fixture
def claims_at_every_step(app, submit, officers):
    """A claim waiting for intake, and one waiting for approval."""
    at_intake = submit()["reference"]
    at_approval = submit()["reference"]
    officers.check_documents(at_approval)
    officers.review(at_approval)
    return {"intake": at_intake, "approval": at_approval}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_officers_pages_speak_the_officer_s_language(app, staff, claims_at_every_step, language):
    english = _english_sentences()
    intake = signed_in(app, staff, "ivan", language, "intake")
    approver = signed_in(app, staff, "alma", language, "approver")
    reference, deciding = claims_at_every_step["intake"], claims_at_every_step["approval"]
    found = []
    for client, path in (
        (intake, "/worklist"),
        (intake, f"/tasks/{open_task_id(reference, 'intake_check')}"),
        (intake, f"/claims/{reference}"),
        (intake, "/claims"),
        (intake, "/profile"),
        (approver, "/worklist"),
        (approver, f"/tasks/{open_task_id(deciding, 'approval')}"),
        (approver, f"/claims/{deciding}"),
        (approver, "/dashboard"),
    ):
        found += _english_on(client, path, language, english)
    assert found == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_finance_auditor_and_admin_pages_speak_their_language(
    app, staff, submit, officers, claims_at_every_step, language
):
    english = _english_sentences()
    reference = claims_at_every_step["approval"]
    finance = signed_in(app, staff, "farida", language, "finance")
    auditor = signed_in(app, staff, "aida", language, "auditor")
    admin = signed_in(app, staff, "adil", language, "admin")
    found = []
    for client, path in (
        (finance, "/payouts"),
        (finance, "/payouts/new"),
        (finance, "/recourse"),
        (finance, "/recourse/convictions"),
        (finance, "/ledger"),
        (auditor, "/audit"),
        (auditor, f"/audit/claims/{reference}"),
        (auditor, f"/audit/claims/{reference}/replay?step=2"),
        (auditor, "/dashboard"),
        (admin, "/admin"),
        (admin, "/admin/users"),
        (admin, "/admin/users/new"),
        (admin, "/admin/mci-rates"),
        (admin, "/admin/processes"),
        (admin, "/admin/outbox"),
    ):
        found += _english_on(client, path, language, english)
    assert found == []


def test_the_sign_in_and_error_pages_follow_the_browser(client):
    answer = client.get("/sign-in", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    page = html(answer)
    assert page.xpath("/html/@lang") == ["ru"]
    assert "Войти" in text_of(page) and "Sign in" not in text_of(page)
    missing = html(client.get("/no-such-page", headers={"Accept-Language": "kk"}))
    assert "Мұндай бет жоқ." in text_of(missing)
    english = html(client.get("/sign-in"))  # no Accept-Language: English
    assert english.xpath("/html/@lang") == ["en"] and "User name" in text_of(english)


# --- the user's choice -------------------------------------------------------------------------------


def test_the_language_chosen_on_the_profile_wins_over_the_browser_s(app, staff):
    client = browser(app, staff, "ivan", "intake")
    russian_browser = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
    assert html(client.get("/worklist", headers=russian_browser)).xpath("/html/@lang") == ["ru"]
    assert html(client.get("/worklist")).xpath("/html/@lang") == ["en"]  # no choice, no browser language

    assert choose_language(client, "kk").status_code == 302
    page = html(client.get("/worklist", headers=russian_browser))
    assert page.xpath("/html/@lang") == ["kk"]
    assert page.xpath("//h1")[0].text_content() == "Жұмыс тізімі"
    db.session.expire_all()
    assert db.session.scalar(db.select(User.language).where(User.username == "ivan")) == "kk"

    # Kept on the account: another device (a new session) opens in Kazakh too.
    elsewhere = browser(app, staff, "ivan", "intake")
    assert html(elsewhere.get("/worklist", headers=russian_browser)).xpath("/html/@lang") == ["kk"]

    assert choose_language(client, "").status_code == 302  # back to the browser's language
    assert html(client.get("/worklist", headers=russian_browser)).xpath("/html/@lang") == ["ru"]


def test_the_header_switch_changes_the_language_and_stays_on_the_page(app, staff):
    client = browser(app, staff, "ivan", "intake")
    page = html(client.get("/worklist?sort=newest"))
    switch = page.xpath("//header//form[contains(@action, '/profile/language')]")[0]
    assert {b.get("value") for b in switch.xpath(".//button[@name='language']")} == {"kk", "ru", "en"}
    token = switch.xpath(".//input[@name='csrf_token']/@value")[0]
    back = switch.xpath(".//input[@name='next']/@value")[0]
    answer = client.post("/profile/language", data={"csrf_token": token, "language": "ru", "next": back})
    assert answer.status_code == 303 and answer.headers["Location"] == "/worklist?sort=newest"
    assert html(client.get("/worklist")).xpath("//h1")[0].text_content() == "Список задач"

    elsewhere = client.post(
        "/profile/language", data={"csrf_token": token, "language": "kk", "next": "https://evil.example/"}
    )
    assert elsewhere.headers["Location"] == "/"  # never away from the site


def test_a_language_the_fund_does_not_offer_is_refused_with_its_reason(app, staff):
    client = browser(app, staff, "ivan", "intake")
    answer = choose_language(client, "de")
    assert answer.status_code == 422
    assert "Please choose one of the languages offered." in text_of(html(answer))
    db.session.expire_all()
    assert db.session.scalar(db.select(User.language).where(User.username == "ivan")) is None


def test_the_profile_form_needs_its_csrf_token(app, staff):
    client = browser(app, staff, "ivan", "intake")
    assert client.post("/profile", data={"language": "kk"}).status_code == 400
    assert client.post("/profile/language", data={"language": "kk"}).status_code == 400


def test_the_profile_is_linked_from_every_staff_page_and_marks_the_choice(app, staff):
    client = signed_in(app, staff, "ivan", "ru", "intake")
    page = html(client.get("/worklist"))
    assert page.xpath("//header//a[@href='/profile']")
    profile = html(client.get("/profile"))
    assert profile.xpath("//input[@name='language'][@checked]/@value") == ["ru"]


def test_flash_messages_speak_the_user_s_language(app, staff, submit):
    reference = submit()["reference"]
    client = signed_in(app, staff, "ivan", "kk", "intake")
    task_id = open_task_id(reference, "intake_check")
    token = html(client.get("/worklist")).xpath("//input[@name='csrf_token']/@value")[0]
    answer = client.post(f"/tasks/{task_id}/take", data={"csrf_token": token}, follow_redirects=True)
    flash = text_of(html(answer).xpath("//div[@class='flash']")[0])
    assert flash.startswith("Сіз ") and f"{reference} өтінішінің «Құжаттарды тексеру» тапсырмасын" in flash


# --- dates and amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "written"),
    [("kk", "1\u00a0234\u00a0567"), ("ru", "1\u00a0234\u00a0567"), ("en", "1,234,567")],
)
def test_amounts_are_grouped_as_people_write_them_in_the_page_s_language(app, language, written):
    with app.test_request_context("/worklist", headers={"Accept-Language": language}):
        assert tenge(1234567) == written
        assert number(1234567) == written
        assert tenge(None) == "" and number(None) == "—"


def test_dates_are_day_month_year_in_almaty(app):
    with app.test_request_context("/worklist", headers={"Accept-Language": "kk"}):
        assert day(datetime(2026, 3, 1, 20, 30, tzinfo=UTC)) == "02.03.2026"  # 01:30 the next day in Almaty
        assert day(date(2026, 12, 31)) == "31.12.2026"
        assert age(timedelta(days=3, hours=2)) == "3 күн"


def test_the_task_and_claim_pages_write_amounts_and_dates_as_people_do(app, staff, claims_at_every_step):
    reference = claims_at_every_step["approval"]
    client = signed_in(app, staff, "alma", "ru", "approver")
    task = html(client.get(f"/tasks/{open_task_id(reference, 'approval')}"))
    formula = task.xpath("//p[@class='formula']")[0].text_content()
    assert re.fullmatch(r"40 МРП × \d\u00a0\d{3} тенге = \d{3}\u00a0\d{3} тенге", formula), formula
    claim = text_of(html(client.get(f"/claims/{reference}")))
    assert "Уголовный кодекс ст. 146 ч. 3" in claim
    assert re.search(r"Подана \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", claim)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", claim)
