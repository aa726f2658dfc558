"""The criminal case step names the crime as the law does: a part such as "3-1", and a paragraph or
the qualifier "committed by a criminal group" asked only for an article and part whose rules, in the
deployed eligibility table, differ by them; the answers reach the claim."""

from __future__ import annotations

import pytest

from fund.extensions import db
from fund.models import Claim
from tests.portal.test_portal_submission import NOW, answers, apply, page, post_step, token

QUESTIONS = ("crime-paragraph", "crime-by_criminal_group")


@pytest.fixture
def portal_clock(monkeypatch):
    """The portal's clock, frozen at Monday 2 March 2026, 14:00 in Almaty."""
    monkeypatch.setattr("fund.portal.pages.utc_now", lambda: NOW)
    monkeypatch.setattr("fund.portal.apply_views.utc_now", lambda: NOW)
    return NOW


def _case(**crime: str) -> dict[str, str]:
    return {**answers()["case"], **{f"crime.{name}": value for name, value in crime.items()}}


def _questions_shown(response) -> dict[str, list[str]]:
    """The crime questions on the page, each with the values of its answers."""
    tree = page(response)
    return {
        question: tree.xpath(f"//fieldset[@id='{question}']//input[@type='radio']/@value")
        for question in QUESTIONS
        if tree.xpath(f"//fieldset[@id='{question}']")
    }


def _last_claim() -> Claim:
    return db.session.scalar(db.select(Claim).order_by(Claim.id.desc()))


def test_the_part_is_written_as_the_decision_writes_it_with_its_sub_part(client, portal_clock):
    post_step(client, "who", answers()["who"])
    shown = page(client.get("/portal/apply/case"))
    part = shown.get_element_by_id("crime-part")
    assert part.get("inputmode") is None, "a phone's number pad has no '-'"
    assert "3-1" in shown.get_element_by_id("crime-part-hint").text_content()

    steps = answers()
    steps["case"] = _case(article="146", part="3-1")
    assert apply(client, steps).status_code == 303
    assert _last_claim().article_part == "3-1"


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "for example 3-1"), ("ru", "например 3-1"), ("kk", "мысалы 3-1")],
)
def test_a_part_not_written_as_the_law_writes_it_is_explained_with_a_sub_part(
    client, portal_clock, language, words
):
    post_step(client, "who", answers()["who"], language)
    answer = post_step(client, "case", _case(part="3.1"), language)
    assert answer.status_code == 422
    beside = page(answer).get_element_by_id("crime-part-error").text_content()
    assert words in beside and "1" in beside and "10" in beside


@pytest.mark.parametrize(
    ("article", "part", "expected"),
    [
        pytest.param("120", "3", {"crime-paragraph": ["2", "none"]}, id="120 part 3: paragraph 2)"),
        pytest.param("120", "3-2", {"crime-paragraph": ["1", "3", "none"]}, id="120 part 3-2: 1) and 3)"),
        pytest.param("128", "4", {"crime-paragraph": ["1", "2", "none"]}, id="128 part 4: 1) and 2)"),
        pytest.param(
            "116", "1", {"crime-by_criminal_group": ["yes", "no", "unknown"]}, id="116 part 1: a group"
        ),
        pytest.param(
            "106", "2", {"crime-by_criminal_group": ["yes", "no", "unknown"]}, id="106 part 2: a group"
        ),
    ],
)
def test_a_question_appears_once_the_article_and_part_need_it_calmly_the_first_time(
    client, portal_clock, article, part, expected
):
    post_step(client, "who", answers()["who"])
    assert _questions_shown(client.get("/portal/apply/case")) == {}, "not before the article is known"

    first = post_step(client, "case", _case(article=article, part=part))

    assert first.status_code == 200, "the question is news, not a mistake"
    assert _questions_shown(first) == expected
    assert "error-summary" not in first.get_data(as_text=True)
    assert "one more answer about the crime" in page(first).text_content()
    assert _questions_shown(client.get("/portal/apply/case")) == expected  # and on every later showing
    again = post_step(
        client, "case", _case(article=article, part=part) | {"asked": list(expected)[0].replace("-", ".")}
    )
    assert again.status_code == 422, "once shown, the question needs an answer"
    assert "Please answer this question." in page(again).get_element_by_id("error-summary").text_content()


@pytest.mark.parametrize(
    ("article", "part"),
    [("146", "2"), ("146", "3"), ("120", "4"), ("124", "1"), ("141", "1"), ("116", "4")],
)
def test_no_question_for_an_article_and_part_whose_rules_do_not_differ_by_them(
    client, portal_clock, article, part
):
    post_step(client, "who", answers()["who"])
    answer = post_step(client, "case", _case(article=article, part=part))
    assert answer.status_code == 303
    assert _questions_shown(client.get("/portal/apply/case")) == {}


def test_the_paragraph_reaches_the_claim_and_its_rules(client, portal_clock):
    steps = answers()
    steps["case"] = _case(article="120", part="3", harm="grave_harm", paragraph="2") | {
        "asked": "crime.paragraph"
    }
    assert apply(client, steps).status_code == 303

    claim = _last_claim()
    assert (claim.article, claim.article_part, claim.article_paragraph, claim.by_criminal_group) == (
        "120",
        "3",
        2,
        None,
    )
    assert (claim.category, claim.amount_mci, claim.eligibility_reason) == (
        "grave_harm",
        40,
        "grave_harm_to_health",
    )


@pytest.mark.parametrize(("answer", "recorded"), [("yes", True), ("no", False), ("unknown", None)])
def test_the_criminal_group_answer_reaches_the_claim(client, portal_clock, answer, recorded):
    steps = answers()
    steps["case"] = _case(article="116", part="1", by_criminal_group=answer) | {
        "asked": "crime.by_criminal_group"
    }
    assert apply(client, steps).status_code == 303

    claim = _last_claim()
    assert (claim.article_part, claim.article_paragraph, claim.by_criminal_group) == ("1", None, recorded)
    expected_category = "trafficking" if recorded else "ineligible"
    assert claim.category == expected_category


def test_not_sure_of_the_paragraph_sends_none_for_an_officer_to_check(client, portal_clock):
    steps = answers()
    steps["case"] = _case(article="120", part="3-2", paragraph="none") | {"asked": "crime.paragraph"}
    for step in ("who", "case", "contact", "consent"):
        assert post_step(client, step, steps[step]).status_code == 303
    check = page(client.get("/portal/apply/check")).text_content()
    assert "Another paragraph, none, or I am not sure" in check

    assert apply(client, steps).status_code == 303
    assert _last_claim().article_paragraph is None


def test_an_answer_the_rules_no_longer_ask_for_is_dropped_when_the_article_changes(client, portal_clock):
    steps = answers()
    post_step(client, "who", steps["who"])
    post_step(client, "case", _case(article="120", part="3", paragraph="2") | {"asked": "crime.paragraph"})
    steps["case"] = _case(article="146", part="2", paragraph="2") | {"asked": "crime.paragraph"}

    assert apply(client, steps).status_code == 303
    claim = _last_claim()
    assert (claim.article, claim.article_part, claim.article_paragraph) == ("146", "2", None)


def test_a_claim_is_not_sent_while_a_question_the_rules_ask_is_unanswered(client, portal_clock):
    steps = answers()
    for step in ("who", "case", "contact", "consent"):
        post_step(client, step, steps[step])
    with client.session_transaction() as session:  # e.g. the article was changed in another tab
        session["portal_draft"] = {**session["portal_draft"], "crime.article": "116", "crime.part": "2"}

    sent = client.post(
        "/portal/apply/check", data={"csrf_token": token(client)}, content_type="multipart/form-data"
    )

    assert sent.status_code == 422
    assert _questions_shown(sent) == {"crime-by_criminal_group": ["yes", "no", "unknown"]}
    assert page(sent).xpath("//*[@id='crime-by_criminal_group-error']")
    assert db.session.scalar(db.select(db.func.count()).select_from(Claim)) == 0


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_questions_speak_the_page_language(client, portal_clock, language):
    english = ("paragraph", "criminal group", "not sure", "I do not know", "one more answer")
    for article, part in (("120", "3-2"), ("116", "3")):
        post_step(client, "who", answers()["who"], language)
        answer = post_step(client, "case", _case(article=article, part=part), language)
        text = page(answer).text_content()
        assert _questions_shown(answer), (article, part)
        assert [words for words in english if words in text] == [], (language, article, part)


def test_a_new_question_is_never_an_error_even_beside_other_news_or_mistakes(client, portal_clock):
    post_step(client, "who", answers()["who"])
    late = {"committed_on": "2022-01-10", "recognized_on": "2023-02-01"}

    with_deadline = post_step(client, "case", _case(article="116", part="1", **late))
    assert with_deadline.status_code == 200
    text = page(with_deadline).text_content()
    assert "one more answer about the crime" in text and "About the three-year deadline" in text
    assert "error-summary" not in with_deadline.get_data(as_text=True)

    with_mistake = post_step(client, "case", _case(article="120", part="3", erdr_number="12345"))
    assert with_mistake.status_code == 422
    summary = page(with_mistake).get_element_by_id("error-summary")
    assert summary.xpath(".//a/@href") == ["#crime-erdr_number"]
    assert "one more answer about the crime" in page(with_mistake).text_content()
    assert _questions_shown(with_mistake) == {"crime-paragraph": ["2", "none"]}
