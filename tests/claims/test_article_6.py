"""Art. 6 and 7 through the JSON API: a claim names its crime as the law does, and gets its category,
its amount in MCI and the reason, as the law gives them (tests/article_6_helpers.py; one claim for
every rule of bpmn/eligibility.dmn, see tests/workflows/test_eligibility_rules.py).

A claim the rules cannot decide (an article in none of the lists, an amount the sources disagree
on) is never paid or refused by them: it waits for a reviewer like every claim, with its reason.
"""

from __future__ import annotations

from typing import Any

import pytest

from fund.claims.explanations import condition_words
from fund.common.wording import crime_words
from tests.article_6_helpers import CASES, Case
from tests.conftest import claim_body, make_iin

MCI_2026 = 4325


def _body(case: Case) -> dict[str, Any]:
    crime = {
        "crime__article": case.article,
        "crime__part": case.part,
        "crime__paragraph": case.paragraph,
        "crime__by_criminal_group": case.by_criminal_group,
        "crime__harm": case.harm,
        "crime__committed_on": case.committed_on.isoformat(),
        "crime__recognized_on": case.recognized_on.isoformat(),
        "crime__deadline_restored_by_court": case.deadline_restored_by_court,
    }
    if case.role == "victim":
        return {"role": "victim", **crime}
    victim = {
        "full_name": "Дана Сәрсенова",
        "iin": make_iin(case.victim_birth_date, serial=42),
        "birth_date": case.victim_birth_date.isoformat(),
    }
    return {"role": case.role, "victim": victim, **crime}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_claim_gets_the_category_amount_and_reason_the_law_gives(case: Case, submit, officers, clock):
    reference = submit(**_body(case))["reference"]

    claim = officers.claim(reference)

    assert (claim["category"], claim["amount_mci"], claim["eligibility_reason"]) == case.expected
    assert claim["status"] == "submitted"  # whatever the rules say, intake checks the documents next


def test_the_old_shape_of_the_crime_still_works_a_whole_number_part_without_paragraph(
    client, officers, clock
):
    body = claim_body(crime__part=2)
    assert "paragraph" not in body["crime"] and "by_criminal_group" not in body["crime"]

    response = client.post("/api/v1/claims", json=body)

    assert response.status_code == 201, response.get_json()
    claim = officers.claim(response.get_json()["reference"])
    assert (claim["category"], claim["amount_mci"], claim["eligibility_reason"]) == ("torture", 30, "torture")


@pytest.mark.parametrize(
    ("crime", "problem"),
    [
        ({"crime__part": "3-0"}, "crime.part"),
        ({"crime__part": "11"}, "crime.part"),
        ({"crime__part": "3.1"}, "crime.part"),
        ({"crime__paragraph": 0}, "crime.paragraph"),
        ({"crime__paragraph": "2"}, "crime.paragraph"),
        ({"crime__by_criminal_group": "yes"}, "crime.by_criminal_group"),
    ],
)
def test_a_crime_not_written_as_the_law_writes_it_is_refused_naming_the_field(client, clock, crime, problem):
    response = client.post("/api/v1/claims", json=claim_body(**crime))

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [problem]


def _approve(officers, reference: str, category: str) -> dict[str, Any]:
    officers.check_documents(reference)
    if category == "torture":
        officers.review(reference)
    else:
        review = "review_trafficking" if category == "trafficking" else "review_other"
        officers._step(reference, review, {"recommendation": "approve"}, "rita")
    officers.approve(reference)
    return officers.claim(reference)


@pytest.mark.parametrize(
    "case_id",
    [
        "art_146_part_2",  # torture, 30 MCI
        "art_146_part_3",  # torture, 40 MCI, amount to verify: the torture review, then approval
        "art_116_part_2_by_a_group",  # trafficking, 30 MCI
        "art_120_part_3_para_2_grave_harm",  # grave harm, 40 MCI
        "death_claimed_by_representative",  # death, 50 MCI
        "art_141_grave_harm_cut_off_list",  # to verify: the review of other crimes decides
    ],
)
def test_approved_the_claim_is_paid_its_mci_at_the_mci_of_2026_in_tenge(
    case_id: str, submit, officers, clock
):
    (case,) = [case for case in CASES if case.id == case_id]
    category, amount_mci, _reason = case.expected
    reference = submit(**_body(case))["reference"]

    claim = _approve(officers, reference, category)

    assert claim["status"] == "approved"
    assert (claim["category"], claim["amount_mci"]) == (category, amount_mci)
    assert claim["amount_kzt"] == amount_mci * MCI_2026


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("? is not True", "is no or not given"),
        ("True", "is yes"),
        ('"3-1"', "is 3-1"),
        ("? in (1, 3)", "is one of: 1, 3"),
    ],
)
def test_the_claim_page_reads_the_rules_cells_on_part_paragraph_and_group_in_words(
    cell: str, words: str
) -> None:
    assert condition_words(cell) == words


@pytest.mark.parametrize(
    ("crime", "words"),
    [
        (("146", "3", None, None), "art. 146 part 3"),
        (("120", "3", 2, None), "art. 120, paragraph 2) of part 3"),
        (("116", "2", None, True), "art. 116 part 2, committed by a criminal group"),
        (("120", "3-2", 3, False), "art. 120, paragraph 3) of part 3-2"),
        (("146", 3, None, None), "art. 146 part 3"),  # a claim from before parts were text
    ],
)
def test_the_claim_page_names_the_crime_as_the_law_writes_it(crime: tuple, words: str) -> None:
    assert crime_words(*crime) == words
