"""Letters that state the law and the claimant's rights: the legal basis (the law's articles and the
decision-table rule that applied), how and within which period a decision can be challenged, how to
reach the fund (its contact point, or the configured fallback line), who signs, and the public
address of configuration, read back from the PDF in Kazakh, Russian and English.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fund.admin.contact_points import save_contact_point
from fund.audit.checks import audit_claim
from fund.common import fund_settings
from fund.extensions import db
from fund.letters.pdf import render_letter
from fund.letters.service import _content, reissue_letter, verify_letter
from fund.models import Claim, Letter, WorkflowEvent
from tests.conftest import DOCUMENTS_MISSING
from tests.letters.test_letters import NAMES, code_printed_on, issued, letters_of, pdf_text, submitted

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNATORY = {"kk": "Ержан Сәтбаев", "ru": "Ержан Сатбаев", "en": "Yerzhan Satbayev"}
POSITION = {
    "kk": "Қордың басшысы",
    "ru": "Руководитель Фонда",
    "en": "Head of the Fund",
}
ASTANA = {
    "region_code": "astana",
    "region_kk": "Астана қаласы",
    "region_ru": "город Астана",
    "region_en": "Astana",
    "address_kk": "Астана қ., Бейбітшілік көшесі, 10",
    "address_ru": "г. Астана, улица Бейбитшилик, 10",
    "address_en": "10 Beibitshilik Street, Astana",
    "phone": "+7 7172 55 01 02",
    "email": "astana@fund.example.kz",
    "hours_kk": "Дүйсенбі–жұма, 09:00–18:00",
    "hours_ru": "Понедельник–пятница, 09:00–18:00",
    "hours_en": "Monday to Friday, 09:00–18:00",
    "position": "1",
    "active": "on",
}
# The words each language uses for the parts of the letter these tests look for.
LAW = {
    "kk": "№ 131-VI Заңының",
    "ru": "Закона Республики Казахстан от 10 января 2018 года № 131-VI",
    "en": "Law of the Republic of Kazakhstan No. 131-VI of 10 January 2018",
}
ARTICLES = {
    "approval": {"kk": "6, 7 және 8-баптары", "ru": "статей 6, 7 и 8", "en": "Articles 6, 7 and 8"},
    "rejection": {"kk": "6 және 8-баптары", "ru": "статей 6 и 8", "en": "Articles 6 and 8"},
    "document_request": {"kk": "8-бабы", "ru": "статьи 8", "en": "Article 8"},
}
RULE = {
    "kk": "«{table}» кестесінің № {rows}",
    "ru": "таблица решений «{table}», {row_word} № {rows}",
    "en": 'decision table "{table}", {row_word} No. {rows}',
}
TABLES = {
    "eligibility": {
        "kk": "Өтемақыға құқық және оның мөлшері",
        "ru": "Право на компенсацию и её размер",
        "en": "Eligibility and amount",
    },
    "required_documents": {
        "kk": "Қажетті құжаттар",
        "ru": "Необходимые документы",
        "en": "Required documents",
    },
}
APPEAL = {
    "kk": ("Шешімге қалай шағымдануға болады", "үш ай ішінде"),
    "ru": ("Как обжаловать решение", "в течение трёх месяцев"),
    "en": ("How to challenge a decision", "within three months"),
}
CONTACT = {
    "kk": ("Қорға қалай хабарласуға болады", "Астана қ., Бейбітшілік көшесі, 10", "Жұмыс уақыты:"),
    "ru": ("Как связаться с Фондом", "г. Астана, улица Бейбитшилик, 10", "Часы работы:"),
    "en": ("How to reach the Fund", "10 Beibitshilik Street, Astana", "Opening hours:"),
}


@pytest.fixture
def fund_configured(app):
    """The fund's settings as an operator gives them: public address, signatory per language."""
    settings = {
        "FUND_PUBLIC_URL": "https://vcf.example.kz",
        "FUND_SIGNATORY_NAME_KK": SIGNATORY["kk"],
        "FUND_SIGNATORY_NAME_RU": SIGNATORY["ru"],
        "FUND_SIGNATORY_NAME": SIGNATORY["en"],
        **{f"FUND_SIGNATORY_POSITION_{lang.upper()}": POSITION[lang] for lang in POSITION},
    }
    before = {name: app.config.get(name) for name in settings}
    app.config.update(settings)
    yield settings
    for name, value in before.items():
        if value is None:
            app.config.pop(name, None)
        else:
            app.config[name] = value


@pytest.fixture
def astana(app, staff):
    """The fund's Astana office, added by an administrator."""
    return save_contact_point(staff.user("adil", "admin"), ASTANA, NOW)


def recorded_rules(reference: str, table: str) -> list[int]:
    """The rows of ``table`` the engine recorded as matched for the claim (its last evaluation)."""
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    events = db.session.scalars(
        select(WorkflowEvent).where(WorkflowEvent.claim_id == claim.id).order_by(WorkflowEvent.sequence)
    )
    rows: list[int] = []
    for event in events:
        for step in (event.result or {}).get("steps") or []:
            decision = step.get("decision") or {}
            if decision.get("table", "").endswith(table):
                rows = [rule["row"] for rule in decision["rules"]]
    return rows


def letter_of_kind(submit, officers, language: str, kind: str) -> tuple[str, Letter]:
    """A claim in ``language`` taken to the letter of ``kind`` by officers, and that letter issued."""
    reference = submitted(submit, language)
    if kind == "document_request":
        officers.check_documents(reference, DOCUMENTS_MISSING)
    else:
        officers.check_documents(reference)
        officers.review(reference)
        if kind == "approval":
            officers.approve(reference)
        else:
            form = {"decision": "reject", "reasons": ["documents_inconsistent"]}
            response = officers.complete(officers.task(reference, "approval", "alma")["id"], form, "alma")
            assert response.status_code == 200, response.get_json()
    (letter,) = letters_of(reference, kind)
    return reference, issued(letter)


def rule_line(language: str, table: str, rows: list[int]) -> str:
    many = len(rows) > 1
    row_word = {"ru": "строки" if many else "строка", "en": "rows" if many else "row"}.get(language, "")
    line = RULE[language].format(
        table=TABLES[table][language], rows=", ".join(map(str, rows)), row_word=row_word
    )
    return line


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("kind", ["approval", "rejection", "document_request"])
def test_a_letter_states_the_law_the_rule_the_appeal_the_contact_point_and_the_signatory(
    submit, clock, officers, fund_configured, astana, language, kind
):
    reference, letter = letter_of_kind(submit, officers, language, kind)
    text = pdf_text(letter.pdf)
    table = "required_documents" if kind == "document_request" else "eligibility"
    rows = recorded_rules(reference, table)

    assert NAMES[language] in text
    # The legal basis: the law and its articles, and the decision-table rows that matched.
    assert LAW[language] in text
    assert ARTICLES[kind][language] in text
    assert rows, "the engine recorded the rule that applied"
    assert rule_line(language, table, rows) in text
    assert letter.details["legal_basis"]["table"] == table
    assert [rule["row"] for rule in letter.details["legal_basis"]["rules"]] == rows
    # The rule's text without the sources' addresses and the note to the fund's lawyers.
    assert "zakonpravo.kz" not in text and "zakon.kz" not in text
    assert "Verify with the fund's lawyers" not in text
    # How and within which period to challenge it (the default text, for the lawyers to verify).
    for words in APPEAL[language]:
        assert words in text
    # How to reach the fund: the contact point, with its phone and e-mail, and where all points are.
    title, address, hours = CONTACT[language]
    assert title in text and address in text and hours in text
    assert "+7 7172 55 01 02" in text and "astana@fund.example.kz" in text
    assert "https://vcf.example.kz/portal/contacts" in text
    # Who signs, and the public address of configuration (not the demo default).
    assert SIGNATORY[language] in text and POSITION[language] in text
    assert f"https://vcf.example.kz/verify/{letter.number}" in text
    assert "127.0.0.1" not in text


def test_the_rule_that_decided_is_the_one_the_engine_matched_for_the_claim(submit, clock, officers, astana):
    # The default claim: torture, art. 146 part 3, which the eligibility table decides in one row.
    reference, letter = letter_of_kind(submit, officers, "en", "approval")
    text = pdf_text(letter.pdf)
    (rule,) = letter.details["legal_basis"]["rules"]

    assert "146" in rule["description"]
    assert f"{rule['row']}: " in text
    assert "art. 146" in text


def test_the_appeal_text_and_the_fallback_come_from_configuration(submit, clock, officers, app):
    # No contact point recorded: the letter says how to reach the fund in the configured line.
    app.config["FUND_APPEAL_TEXT_RU"] = "Жалоба подаётся в суд в течение одного месяца (текст юристов)."
    app.config["FUND_CONTACT_FALLBACK"] = "Call 1414 or write to info@vcf.example.kz"
    try:
        _, letter = letter_of_kind(submit, officers, "ru", "rejection")
    finally:
        app.config.pop("FUND_APPEAL_TEXT_RU")
        app.config.pop("FUND_CONTACT_FALLBACK")
    text = pdf_text(letter.pdf)

    assert "Жалоба подаётся в суд в течение одного месяца (текст юристов)." in text
    assert "в течение трёх месяцев" not in text
    assert "Call 1414 or write to info@vcf.example.kz" in text
    assert fund_settings.DEFAULT_SIGNATORY_POSITION["ru"] in text  # no signatory configured


def test_without_any_contact_point_the_default_fallback_says_how_to_reach_the_fund(submit, clock, officers):
    _, letter = letter_of_kind(submit, officers, "kk", "document_request")
    text = pdf_text(letter.pdf)

    assert "Қорға қалай хабарласуға болады" in text
    assert "Қорға http://127.0.0.1:5000 сайты арқылы жаза аласыз" in text


def test_the_acknowledgement_has_the_contact_point_and_signatory_but_no_appeal(
    submit, clock, fund_configured, astana
):
    reference = submitted(submit, "en")
    (letter,) = letters_of(reference, "acknowledgement")
    text = pdf_text(issued(letter).pdf)

    assert "How to reach the Fund" in text and "10 Beibitshilik Street, Astana" in text
    assert SIGNATORY["en"] in text
    assert "How to challenge a decision" not in text and "Legal basis" not in text


def test_a_reissue_cites_the_same_rule_and_both_letters_verify(
    submit, clock, officers, staff, fund_configured, astana
):
    reference, letter = letter_of_kind(submit, officers, "ru", "approval")
    reissue = reissue_letter(letter, NOW, "adil")
    db.session.commit()
    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))

    assert reissue.details["legal_basis"] == letter.details["legal_basis"]
    assert rule_line("ru", "eligibility", recorded_rules(reference, "eligibility")) in pdf_text(reissue.pdf)
    for each in (letter, reissue):
        check = verify_letter(each.number, code_printed_on(each))
        assert check is not None and check.sha256 == each.sha256
    _, letters_checked, findings = audit_claim(staff.user("aida", "auditor"), claim)
    assert letters_checked == 3 and findings == []  # acknowledgement, approval, its reissue


def test_rendering_the_same_letter_twice_prints_the_same_words(
    submit, clock, officers, fund_configured, astana
):
    # Everything the new parts print is gathered before rendering: nothing reads the clock or the
    # database while the PDF is made.
    _, letter = letter_of_kind(submit, officers, "kk", "rejection")
    claim = db.session.get(Claim, letter.claim_id)
    content = _content(letter, claim, letter.number, "ABCDE-FGHJK", NOW)

    first, second = render_letter(content), render_letter(content)

    assert pdf_text(first) == pdf_text(second)
    assert "Құқықтық негізі" in pdf_text(first)
