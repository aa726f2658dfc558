"""A masked IIN never reveals a birth date: its first six digits are the holder's birth date
(YYMMDD) and its seventh their sex and century, so a masked IIN shows its last four digits only
(``••••••••0018``). One function masks every IIN (claimant's, victim's, offenders'), on every page
and in the auditors' replay.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fund.audit.replay import mask_personal
from fund.claims.personal_data import MASK, mask_iin
from tests.conftest import make_iin
from tests.officer_helpers import browser, freeze_clock


def some_iins() -> list[str]:
    """Valid IINs of people born on many days of three centuries, women and men."""
    births = [date(1899, 12, 31) + timedelta(days=397 * n) for n in range(120)]
    return [make_iin(birth, serial=n % 9000 + 1, female=n % 2 == 1) for n, birth in enumerate(births)]


def test_an_iin_is_masked_to_its_last_four_digits():
    assert mask_iin("900115400018") == "••••••••0018"


@pytest.mark.parametrize("iin", some_iins())
def test_no_masked_iin_shows_the_birth_date_nor_the_sex_and_century_digit(iin):
    masked = mask_iin(iin)

    assert masked == MASK * 8 + iin[-4:]
    assert iin[:6] not in masked
    assert not any(char.isdigit() for char in masked[:8])


@pytest.mark.parametrize(
    ("value", "masked"), [(None, ""), ("", ""), ("12345", "•••••"), ("9001154000181", "•" * 13)]
)
def test_a_value_that_is_not_a_twelve_digit_iin_is_masked_whole(value, masked):
    assert mask_iin(value) == masked


def test_the_replay_masks_every_iin_in_a_command_to_its_last_four_digits():
    claimant, victim = make_iin(date(1986, 2, 2)), make_iin(date(2012, 5, 4), serial=7)
    shown = mask_personal({"claimant": {"iin": claimant}, "victim": {"iin": victim}, "victim_iin": victim})

    assert shown == {
        "claimant": {"iin": "••••••••" + claimant[-4:]},
        "victim": {"iin": "••••••••" + victim[-4:]},
        "victim_iin": "••••••••" + victim[-4:],
    }


def test_no_page_an_auditor_or_officer_sees_masked_shows_a_birth_date_from_an_iin(
    app, staff, submit, monkeypatch
):
    freeze_clock(monkeypatch)
    victim_iin = make_iin(date(2012, 5, 4), serial=7)
    reference = submit(
        role="representative",
        victim={"full_name": "Ерлан Сәрсенов", "iin": victim_iin, "birth_date": "2012-05-04"},
    )["reference"]
    claimant_iin = make_iin(date(1990, 1, 15), female=True)  # claim_body()'s claimant
    pages = {
        "reviewer's claim page": browser(app, staff, "rosa", "reviewer").get(f"/claims/{reference}"),
        "auditor's claim page": browser(app, staff, "aida", "auditor").get(f"/claims/{reference}"),
        "auditor's replay": browser(app, staff, "audra", "auditor").get(
            f"/audit/claims/{reference}/replay?step=1"
        ),
    }

    for name, answer in pages.items():
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200, name
        for iin in (claimant_iin, victim_iin):
            assert iin[:6] not in body, (name, iin)
    claim_page = pages["reviewer's claim page"].get_data(as_text=True)
    assert "••••••••" + claimant_iin[-4:] in claim_page and "••••••••" + victim_iin[-4:] in claim_page
