"""Find a claim: one box for a reference, an IIN, a name, an ERDR number or a phone, with filters.

An officer with a name, an IIN, a case number or a phone finds the claim; results show no birth
date (an IIN's last four digits only) and names only to the roles that work claims; a search for
a person is written to the logs without the query itself; what cannot be read is refused naming
the field.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fund.extensions import db
from fund.models import AccessLogEntry, Claim, Claimant, PersonalDataSearch
from fund.officers import search as claim_search
from tests.conftest import DOCUMENTS_COMPLETE, make_iin
from tests.officer_helpers import browser, freeze_clock, html, main_text, text_of

AIGUL_IIN = make_iin(date(1990, 1, 15), female=True)  # the default claim_body()'s claimant
YERZHAN_IIN = make_iin(date(1975, 6, 30), serial=21)
MADINA_IIN = make_iin(date(2001, 11, 3), serial=22, female=True)
JOHN_IIN = make_iin(date(1988, 2, 29), serial=23)


@pytest.fixture
def web_clock(monkeypatch):
    return freeze_clock(monkeypatch)


@pytest.fixture
def people(submit, web_clock) -> dict[str, str]:
    """Three claims, a day apart: Айгүл Сәрсенова for herself (torture, 2 March 2026); Ержан
    Қасымов for his late daughter Мәдина Қасымова (death, 3 March); John Brown (4 March)."""
    aigul = submit()["reference"]
    web_clock.advance(days=1)
    yerzhan = submit(
        role="successor",
        claimant__full_name="Ержан Қасымов",
        claimant__iin=YERZHAN_IIN,
        claimant__birth_date="1975-06-30",
        claimant__phone="+7 705 111 22 33",
        victim={"full_name": "Мәдина Қасымова", "iin": MADINA_IIN, "birth_date": "2001-11-03"},
        crime__harm="death",
    )["reference"]
    web_clock.advance(days=1)
    john = submit(
        claimant__full_name="John Brown",
        claimant__iin=JOHN_IIN,
        claimant__birth_date="1988-02-29",
        claimant__phone="+7 777 444 55 66",
    )["reference"]
    return {"aigul": aigul, "yerzhan": yerzhan, "john": john}


def found(client, **params) -> list[str]:
    """The references on the results page of a search (which must answer 200)."""
    response = client.get("/claims", query_string=params)
    assert response.status_code == 200, main_text(response)
    return html(response).xpath("//table[contains(@class,'search-results')]//tr/@data-reference")


def erdr_of(reference: str) -> str:
    return db.session.scalar(select(Claim.erdr_number).where(Claim.reference == reference))


# --- each kind of query -------------------------------------------------------------------------------


def test_a_whole_reference_in_any_case_opens_its_claim_and_an_unknown_one_is_a_clear_404(app, staff, people):
    client = browser(app, staff, "ivan", "intake")

    opened = client.get("/claims", query_string={"q": f"  {people['john'].lower()} "})
    unknown = client.get("/claims", query_string={"q": "VCF-2026-999999"})

    assert opened.status_code == 302 and opened.headers["Location"] == f"/claims/{people['john']}"
    assert unknown.status_code == 404 and "There is no claim VCF-2026-999999" in main_text(unknown)


def test_an_iin_finds_the_claims_of_that_claimant_or_victim_and_no_other(app, staff, people):
    client = browser(app, staff, "ivan", "intake")

    assert found(client, q=AIGUL_IIN) == [people["aigul"]]
    assert found(client, q=YERZHAN_IIN) == [people["yerzhan"]]  # the claimant's
    assert found(client, q=MADINA_IIN) == [people["yerzhan"]]  # the victim's
    assert found(client, q=make_iin(date(1990, 1, 15), serial=999)) == []


def test_any_part_of_a_name_in_any_case_with_or_without_kazakh_letters_or_in_latin_finds_the_claim(
    app, staff, people
):
    client = browser(app, staff, "ivan", "intake")

    for typed in ("Сәрсенова", "сәрсен", "СӘРСЕН", "сарсен", "Айгүл Сәр", "айгул", "AIGUL", "sarsenova"):
        assert found(client, q=typed) == [people["aigul"]], typed
    # The victim's name finds the claim her father made; the family name finds it once.
    assert found(client, q="мәдина") == [people["yerzhan"]]
    assert found(client, q="Қасым") == [people["yerzhan"]]
    assert found(client, q="kasymova") == [people["yerzhan"]]
    assert found(client, q="bRoWn") == [people["john"]]
    assert found(client, q="Нұрлан") == []


def test_an_erdr_number_finds_the_claims_of_that_criminal_case(app, staff, people):
    client = browser(app, staff, "aida", "auditor")

    assert found(client, q=erdr_of(people["yerzhan"])) == [people["yerzhan"]]
    assert found(client, q="251750099999999") == []


@pytest.mark.parametrize(
    "typed",
    ["+7 701 234 56 78", "+77012345678", "87012345678", "8 (701) 234-56-78", "701-234-5678", "7012345678"],
)
def test_a_phone_number_as_people_write_it_finds_the_claimant(app, staff, people, typed):
    client = browser(app, staff, "ivan", "intake")

    assert found(client, q=typed) == [people["aigul"]]


def test_a_phone_finds_only_the_claimant_with_all_ten_digits(app, staff, people):
    client = browser(app, staff, "ivan", "intake")

    assert found(client, q="8 (777) 444-55-66") == [people["john"]]
    assert found(client, q="7774445567") == []


def test_search_columns_are_written_when_a_claim_is_submitted(app, people):
    claimant = db.session.scalar(select(Claimant).where(Claimant.iin == JOHN_IIN))
    claim = db.session.scalar(select(Claim).where(Claim.reference == people["yerzhan"]))

    assert claimant.phone_digits == "7774445566"
    assert claim.search_names == "|ержан касымов|erzhan kasymov|мадина касымова|madina kasymova|"


# --- filters -------------------------------------------------------------------------------------------


def test_filters_by_status_category_open_task_officer_and_submission_dates(app, staff, people, officers):
    officers.check_documents(people["aigul"], DOCUMENTS_COMPLETE)  # ivan completes the intake check
    client = browser(app, staff, "rita", "reviewer")

    assert found(client, status="under_review") == [people["aigul"]]
    assert found(client, status="submitted") == [people["john"], people["yerzhan"]]  # newest first
    assert found(client, category="death") == [people["yerzhan"]]
    assert found(client, task="intake_check") == [people["john"], people["yerzhan"]]
    assert found(client, task="review_torture") == [people["aigul"]]
    assert found(client, officer="ivan") == [people["aigul"]]
    assert found(client, officer="nobody") == []
    assert found(client, **{"from": "2026-03-03"}) == [people["john"], people["yerzhan"]]
    assert found(client, **{"from": "03.03.2026", "to": "03.03.2026"}) == [people["yerzhan"]]
    assert found(client, to="2026-03-02") == [people["aigul"]]
    # A filter narrows the box's matches: every condition holds.
    assert found(client, q="сәрсен", status="submitted") == []
    assert found(client, q="сәрсен", status="under_review", officer="ivan") == [people["aigul"]]


def test_an_empty_form_shows_the_search_and_no_claims(app, staff, people):
    client = browser(app, staff, "ivan", "intake")

    response = client.get("/claims")

    assert response.status_code == 200
    assert html(response).xpath("//input[@id='q']") and found(client) == []
    assert "Claims found" not in main_text(response)


# --- masking per role ---------------------------------------------------------------------------------


def row_text(client, **params) -> str:
    response = client.get("/claims", query_string=params)
    assert response.status_code == 200, main_text(response)
    rows = html(response).xpath("//table[contains(@class,'search-results')]//tbody/tr")
    return " ".join(text_of(row) for row in rows)


def test_results_never_show_the_birth_date_digits_of_an_iin_and_names_only_to_those_who_work_claims(
    app, staff, people
):
    for username, role in (("rita", "reviewer"), ("aida", "auditor")):
        shown = row_text(browser(app, staff, username, role), q="қасым")

        for iin in (YERZHAN_IIN, MADINA_IIN):
            assert iin[:6] not in shown and iin not in shown
            assert f"••••••••{iin[-4:]}" in shown
        assert "1975" not in shown and "2001" not in shown  # no birth date, nor its year
        assert "705" not in shown  # no phone
    reviewer = row_text(browser(app, staff, "rita", "reviewer"), q="қасым")
    auditor = row_text(browser(app, staff, "aida", "auditor"), q="қасым")
    assert "Ержан Қасымов" in reviewer and "Мәдина Қасымова" in reviewer
    assert "Ержан" not in auditor and "Е. Қ." in auditor and "М. Қ." in auditor


def test_an_administrator_finds_claims_by_reference_or_case_but_may_not_look_for_a_person(app, staff, people):
    client = browser(app, staff, "adil", "admin")

    by_name = client.get("/claims", query_string={"q": "сәрсен"})

    assert by_name.status_code == 403
    assert "not by a person's IIN, name or phone" in main_text(by_name)
    assert html(by_name).xpath("//input[@id='q']/@aria-invalid") == ["true"]
    assert db.session.scalar(select(PersonalDataSearch.id)) is None
    assert found(client, q=erdr_of(people["aigul"])) == [people["aigul"]]


# --- the logs -----------------------------------------------------------------------------------------


def test_a_search_for_a_person_is_logged_with_a_hash_of_the_query_and_each_claim_it_showed(
    app, staff, people
):
    client = browser(app, staff, "rita", "reviewer")

    assert found(client, q=MADINA_IIN) == [people["yerzhan"]]

    logged = db.session.scalars(select(PersonalDataSearch)).all()
    assert [(row.username, row.kind, row.found) for row in logged] == [("rita", "iin", 1)]
    assert logged[0].query_hash.startswith("hmac-sha256:") and MADINA_IIN not in logged[0].query_hash
    claim_id = db.session.scalar(select(Claim.id).where(Claim.reference == people["yerzhan"]))
    entries = db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.claim_id == claim_id)).all()
    assert [(e.username, e.what) for e in entries] == [("rita", "found by a search by an IIN")]
    assert all(MADINA_IIN not in (e.what or "") for e in db.session.scalars(select(AccessLogEntry)))


def test_the_same_person_searched_twice_gives_the_same_hash_and_another_person_another(app, staff, people):
    client = browser(app, staff, "rita", "reviewer")

    found(client, q="Сәрсенова")
    found(client, q="САРСЕНОВА")  # the same name, typed otherwise
    found(client, q="+7 701 234 56 78")
    found(client, q="kasym")

    rows = db.session.scalars(select(PersonalDataSearch).order_by(PersonalDataSearch.id)).all()
    assert [row.kind for row in rows] == ["name", "name", "phone", "name"]
    assert rows[0].query_hash == rows[1].query_hash
    assert len({rows[0].query_hash, rows[2].query_hash, rows[3].query_hash}) == 3


def test_a_search_by_reference_case_or_filters_alone_is_not_a_search_for_a_person(app, staff, people):
    client = browser(app, staff, "rita", "reviewer")

    found(client, q=erdr_of(people["aigul"]))
    found(client, status="submitted")
    client.get("/claims", query_string={"q": people["aigul"]})

    assert db.session.scalar(select(PersonalDataSearch.id)) is None


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"q": "ай"}, "q", "at least 3 letters of a name"),
        ({"q": "12345"}, "q", "an IIN (12 digits)"),
        ({"q": "Айгүл 1990"}, "q", "letters, spaces, hyphens and apostrophes only"),
        ({"q": "VCF-2026"}, "q", "A reference looks like VCF-2026-000123"),
        ({"q": "а" * 101}, "q", "at most 100 characters"),
        ({"from": "31.02.2026"}, "from", "Type a date as dd.mm.yyyy"),
        ({"to": "yesterday"}, "to", "Type a date as dd.mm.yyyy"),
        ({"from": "2026-03-04", "to": "2026-03-02"}, "to", "cannot come before its start"),
        ({"status": "lost"}, "status", "Choose a status of the list"),
        ({"category": "theft"}, "category", "Choose a category of the list"),
        ({"task": "drop table"}, "task", "Choose a task of the list"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_field(app, staff, people, params, field, says):
    client = browser(app, staff, "ivan", "intake")

    response = client.get("/claims", query_string=params)

    assert response.status_code == 422
    page = html(response)
    assert page.xpath(f"//*[@name='{field}']/@aria-invalid") == ["true"]
    assert says in text_of(page.get_element_by_id(f"{field}-error"))
    assert db.session.scalar(select(PersonalDataSearch.id)) is None


# --- pages --------------------------------------------------------------------------------------------


def every_page(client, params: dict) -> tuple[list[list[str]], object]:
    """The references of each page of a search, following "next" to the end; and the last page."""
    pages, response = [], client.get("/claims", query_string=params)
    while True:
        page = html(response)
        pages.append(page.xpath("//table[contains(@class,'search-results')]//tr/@data-reference"))
        following = page.xpath("//a[@rel='next']/@href")
        if not following:
            return pages, page
        response = client.get(following[0])


@pytest.mark.parametrize(
    ("params", "candidate_limit"),
    [
        ({"q": "оспан"}, 10_000),  # a name's matches read whole, then paged
        ({"status": "submitted"}, 10_000),  # filters only: paged by the database
    ],
)
def test_results_come_in_pages_newest_first_and_each_claim_once(
    app, staff, submit, web_clock, monkeypatch, params, candidate_limit
):
    monkeypatch.setattr(claim_search, "PAGE_SIZE", 2)
    monkeypatch.setattr(claim_search, "CANDIDATE_LIMIT", candidate_limit)
    made = []
    for number in range(5):
        made.append(submit(claimant__full_name=f"Гүлнар Оспанова {'абвгд'[number]}")["reference"])
        web_clock.advance(hours=1)
    other = submit(claimant__full_name="Бақыт Төлеуов")["reference"]
    expected = ([] if "q" in params else [other]) + list(reversed(made))
    client = browser(app, staff, "ivan", "intake")

    pages, page = every_page(client, params)

    assert pages == [expected[start : start + 2] for start in range(0, len(expected), 2)]
    count = len(expected)
    assert f"Claims found: {count}" in text_of(page) and f"page {len(pages)} of {len(pages)}" in text_of(page)
    back = html(client.get(page.xpath("//a[@rel='prev']/@href")[0]))
    assert back.xpath("//table[contains(@class,'search-results')]//tr/@data-reference") == pages[-2]


def test_a_name_part_with_more_matches_than_are_read_pages_through_those_read_and_says_so(
    app, staff, submit, web_clock, monkeypatch
):
    monkeypatch.setattr(claim_search, "PAGE_SIZE", 2)
    monkeypatch.setattr(claim_search, "CANDIDATE_LIMIT", 3)
    made = []
    for number in range(6):
        made.append(submit(claimant__full_name=f"Гүлнар Оспанова {'абвгде'[number]}")["reference"])
        web_clock.advance(hours=1)
    client = browser(app, staff, "ivan", "intake")

    first = html(client.get("/claims", query_string={"q": "оспан"}))
    pages, _ = every_page(client, {"q": "оспан"})

    shown = [reference for page in pages for reference in page]
    # The four read (one more than the limit, to know there are more), newest first, each once.
    assert len(shown) == 4 and len(set(shown)) == 4 and set(shown) <= set(made)
    assert shown == sorted(shown, key=made.index, reverse=True)
    assert "So many claims match this part of a name" in text_of(first.xpath("//main")[0])
    assert "Claims found: more than" in text_of(first)


def test_a_cursor_that_is_not_ours_starts_from_the_first_page(app, staff, people):
    client = browser(app, staff, "ivan", "intake")

    assert found(client, status="submitted", after="not-a-cursor") == [
        people["john"],
        people["yerzhan"],
        people["aigul"],
    ]


# --- languages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "kk",
            [
                "Өтініш нөмірі, ЖСН, аты-жөні, СДТБТ нөмірі немесе телефон",
                "Табылған өтініштер: 1",
                "Аты-жөнінің кемінде 3 әрпін",
            ],
        ),
        (
            "ru",
            ["Номер заявки, ИИН, ФИО, номер ЕРДР или телефон", "Найдено заявок: 1", "не менее 3 букв ФИО"],
        ),
    ],
)
def test_the_search_page_speaks_the_officers_language(app, staff, people, language, says):
    client = browser(app, staff, "ivan", "intake")
    headers = {"Accept-Language": language}

    results = main_text(client.get("/claims", query_string={"q": "сәрсен"}, headers=headers))
    refused = main_text(client.get("/claims", query_string={"q": "ай"}, headers=headers))

    assert says[0] in results and says[1] in results
    assert says[2] in refused
    for english in ("Claims found", "Claimant", "Open tasks", "Type at least"):
        assert english not in results + refused


# --- the API ------------------------------------------------------------------------------------------


def test_the_api_finds_claims_masked_pages_them_and_names_a_wrong_field(client, staff, people, monkeypatch):
    monkeypatch.setattr(claim_search, "PAGE_SIZE", 2)
    headers = staff.headers("rita", "reviewer")

    first = client.get("/api/v1/claims", query_string={"q": "қасым"}, headers=headers)
    by_status = client.get("/api/v1/claims", query_string={"status": "submitted"}, headers=headers)
    following = client.get(by_status.get_json()["next"], headers=headers)
    wrong = client.get("/api/v1/claims", query_string={"q": "ай", "from": "2026-03-01"}, headers=headers)
    bad_date = client.get("/api/v1/claims", query_string={"from": "01/03/2026"}, headers=headers)
    admin = client.get(
        "/api/v1/claims", query_string={"q": MADINA_IIN}, headers=staff.headers("adil", "admin")
    )
    anonymous = client.get("/api/v1/claims", query_string={"q": "қасым"})

    assert first.status_code == 200
    [claim] = first.get_json()["claims"]
    assert claim["reference"] == people["yerzhan"] and claim["claimant"]["name"] == "Ержан Қасымов"
    assert claim["claimant"]["iin"] == f"••••••••{YERZHAN_IIN[-4:]}" and claim["victim"]["iin"].endswith(
        MADINA_IIN[-4:]
    )
    assert YERZHAN_IIN[:6] not in first.get_data(as_text=True) and MADINA_IIN[:6] not in first.get_data(
        as_text=True
    )
    assert [c["reference"] for c in by_status.get_json()["claims"]] == [people["john"], people["yerzhan"]]
    assert [c["reference"] for c in following.get_json()["claims"]] == [people["aigul"]]
    assert wrong.status_code == 422 and "at least 3 letters" in wrong.get_json()["error"]["fields"]["q"][0]
    assert bad_date.status_code == 422 and list(bad_date.get_json()["error"]["fields"]) == ["from"]
    assert admin.status_code == 403 and anonymous.status_code == 401


# --- the revision -------------------------------------------------------------------------------------


def test_revision_0014_gives_existing_claims_their_search_columns(tmp_path):
    from flask_migrate import downgrade, upgrade

    from fund import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0013")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO claimants (id, full_name, iin, birth_date, phone, language, iban) VALUES "
                "(1, 'Ержан Қасымов', '750630300213', '1975-06-30', '+7 705 111 22 33', 'kk', "
                "'KZ86125KZT5004100100')"
            )
            connection.exec_driver_sql(
                "INSERT INTO claims (id, reference, access_code_hash, claimant_id, claimant_role, "
                "victim_full_name, erdr_number, article, article_part, committed_on, recognized_on, harm, "
                "deadline_restored_by_court, submitted_at, status, updated_at, victim_iin) VALUES "
                "(1, 'VCF-2026-000001', 'x', 1, 'successor', 'Мәдина Қасымова', '251750010001234', "
                "'99', '1', '2025-05-01', '2025-06-01', 'death', 0, '2026-03-02 09:00:00', 'submitted', "
                "'2026-03-02 09:00:00', '011103600228')"
            )

        upgrade(directory=directory, revision="0014")

        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT search_names FROM claims").scalar() == (
                "|ержан касымов|erzhan kasymov|мадина касымова|madina kasymova|"
            )
            assert connection.exec_driver_sql("SELECT phone_digits FROM claimants").scalar() == "7051112233"
            indexed = "SELECT rowid FROM claim_names_fts WHERE claim_names_fts MATCH '\"касымова\"'"
            assert connection.exec_driver_sql(indexed).scalars().all() == [1]
        downgrade(directory=directory, revision="0013")
        with db.engine.connect() as connection:
            tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert "claim_names_fts" not in tables
            assert "search_names" not in {
                c[1] for c in connection.exec_driver_sql("PRAGMA table_info(claims)")
            }
        db.engine.dispose()
