"""Art. 6 and 7 of Law 131-VI as claims: who is entitled and how much, case by case.

The lists are those of /work/shared/DOMAIN.md ("Who is entitled, and how much"), written here a
second time, independently of bpmn/eligibility.dmn, so that a slip in either shows. Every case is
a claim someone could submit on 2 March 2026 (the API tests' clock); its expectation is what the
law gives: (category, amount in MCI, reason). Used by tests/workflows/test_eligibility_rules.py
(the table itself, every rule) and tests/claims/test_article_6.py (the same claims through the
JSON API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

Expected = tuple[str, int, str]

SUBMITTED_ON = date(2026, 3, 2)
COMMITTED_ON = date(2025, 5, 1)
ADULT = date(1990, 1, 15)  # the default claimant of tests/conftest.claim_body
CHILD = date(2012, 2, 1)


@dataclass(frozen=True)
class Case:
    """A claim: the crime as the law names it, the harm, who claims, and what the law gives."""

    id: str
    article: str
    part: str
    expected: Expected
    paragraph: int | None = None
    by_criminal_group: bool | None = None
    harm: str = "none"
    role: str = "victim"
    victim_birth_date: date = ADULT
    committed_on: date = COMMITTED_ON
    recognized_on: date = date(2025, 6, 1)
    deadline_restored_by_court: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        """The facts the submission hands the rules (fund/claims/submission.py ``_facts``)."""
        return {
            "article": self.article,
            "article_part": self.part,
            "article_paragraph": self.paragraph,
            "by_criminal_group": self.by_criminal_group,
            "harm": self.harm,
            "claimant_role": self.role,
            "victim_birth_date": self.victim_birth_date,
            "committed_on": self.committed_on,
            "recognized_on": self.recognized_on,
            "submitted_on": SUBMITTED_ON,
            "deadline_restored_by_court": self.deadline_restored_by_court,
        }


# --- the lists of Art. 6 ------------------------------------------------------------------------
# (article, parts (None: every part), paragraphs (None: any), committed by a criminal group (True:
#  required, False: not, or not stated, None: either), category 1 family (None: not in category 1),
#  in category 2's list)
TORTURE, TRAFFICKING, MINOR = "torture", "trafficking", "sexual_violence_minor"
LISTED: list[tuple[str, tuple[str, ...] | None, tuple[int, ...] | None, bool | None, str | None, bool]] = [
    ("106", ("1", "2", "3"), None, True, None, True),
    ("114", ("3", "4"), None, None, None, True),
    ("116", ("1", "2"), None, True, TRAFFICKING, False),
    ("116", ("3",), None, True, TRAFFICKING, True),
    ("116", ("3",), None, False, None, True),
    ("118", ("2", "3"), None, None, None, True),
    ("119", ("2",), None, None, None, True),
    ("120", ("3",), (2,), None, None, True),
    ("120", ("3-1",), (1,), None, MINOR, False),
    ("120", ("3-2",), (1, 3), None, MINOR, False),
    ("120", ("4",), None, None, MINOR, False),
    ("121", ("3",), (2,), None, None, True),
    ("121", ("3-1",), (1,), None, MINOR, False),
    ("121", ("3-2",), (1, 3), None, MINOR, False),
    ("121", ("4",), None, None, MINOR, False),
    ("123", ("2",), None, None, MINOR, False),
    ("124", None, None, None, MINOR, False),
    ("125", ("3",), (2,), None, TRAFFICKING, False),
    ("125", ("3",), (3,), None, None, True),
    ("125-1", ("3",), None, None, None, True),
    ("126", ("3",), (2,), None, TRAFFICKING, False),
    ("126", ("3",), (3,), None, None, True),
    ("127", ("2",), (4,), None, None, True),
    ("128", ("1", "2", "3"), None, None, TRAFFICKING, False),
    ("128", ("4",), (1,), None, TRAFFICKING, False),
    ("128", ("4",), (2,), None, None, True),
    ("134", None, None, None, TRAFFICKING, False),
    ("135", ("1", "2", "3"), None, None, TRAFFICKING, False),
    ("135", ("4",), (1,), None, TRAFFICKING, False),
    ("135", ("4",), (2,), None, None, True),
    ("146", ("1", "2"), None, None, TORTURE, False),
    ("146", ("3",), None, None, TORTURE, False),
    ("308", None, None, None, TRAFFICKING, False),
]
CATEGORY_1_REASONS = {
    TORTURE: "torture",
    TRAFFICKING: "human_trafficking",
    MINOR: "sexual_violence_against_minor",
}
# Category 2's list found is cut off at art. 141: a category 1 crime after it with grave harm or HIV
# may be in the missing part (40 MCI instead of 30).
AFTER_141 = {"146", "308"}
GRAVE_REASONS = {"grave_harm": "grave_harm_to_health", "hiv_infection": "hiv_infection"}


def _expected(
    article: str, part: str, family: str | None, in_category_2: bool, harm: str, minor: bool
) -> Expected:
    if harm in GRAVE_REASONS and in_category_2:
        return ("grave_harm", 40, GRAVE_REASONS[harm])
    if family is None:
        return ("ineligible", 0, "harm_not_covered")
    if article == "146" and part == "3":
        return (TORTURE, 40, "amount_to_verify")  # 30 MCI in Art. 6, 40 MCI per the Prosecutor General
    if family == MINOR and not minor:
        return ("ineligible", 0, "victim_not_a_minor")
    if harm in GRAVE_REASONS and article in AFTER_141:
        return (family, 30, "amount_to_verify")
    return (family, 30, CATEGORY_1_REASONS[family])


def _listed_cases() -> list[Case]:
    cases = []
    for article, parts, paragraphs, group_required, family, in_category_2 in LISTED:
        part = parts[-1] if parts else "1"
        paragraph = paragraphs[-1] if paragraphs else None
        for harm in ("grave_harm", "hiv_infection", "none"):
            ages = (True, False) if family == MINOR else (False,)
            for minor in ages:
                name = f"art_{article}_part_{part}" + (f"_para_{paragraph}" if paragraph else "")
                name += {True: "_group", False: "_not_by_a_group", None: ""}[group_required]
                name += f"_{harm}" + ("_minor" if minor else "")
                cases.append(
                    Case(
                        name,
                        article,
                        part,
                        _expected(article, part, family, in_category_2, harm, minor),
                        paragraph=paragraph,
                        by_criminal_group=group_required,
                        harm=harm,
                        role="representative" if minor else "victim",
                        victim_birth_date=CHILD if minor else ADULT,
                    )
                )
    return cases


NOT_COVERED = ("ineligible", 0, "article_part_not_covered")


def _not_listed_parts() -> list[Case]:
    """Parts, paragraphs and qualifiers of listed articles that Art. 6 leaves out."""
    cases = []
    by_article: dict[str, list[tuple[tuple[str, ...] | None, tuple[int, ...] | None, bool | None]]] = {}
    for article, parts, paragraphs, group_required, _family, _in_2 in LISTED:
        by_article.setdefault(article, []).append((parts, paragraphs, group_required))
    for article, slots in by_article.items():
        if any(parts is None for parts, _, _ in slots):
            continue  # every part is listed
        cases.append(Case(f"art_{article}_part_9_not_listed", article, "9", NOT_COVERED))
        for parts, _paragraphs, _group in slots:
            for part in parts or ():
                listed = [p for ps, pars, _ in slots if ps and part in ps and pars for p in pars]
                if listed and all(pars for ps, pars, _ in slots if ps and part in ps):
                    cases.append(
                        Case(f"art_{article}_part_{part}_without_paragraph", article, part, NOT_COVERED)
                    )
                    cases.append(
                        Case(f"art_{article}_part_{part}_para_9", article, part, NOT_COVERED, paragraph=9)
                    )
                if all(g is True for ps, _, g in slots if ps and part in ps):
                    for group in (False, None):
                        cases.append(
                            Case(
                                f"art_{article}_part_{part}_group_{group}",
                                article,
                                part,
                                NOT_COVERED,
                                by_criminal_group=group,
                            )
                        )
    return list({case.id: case for case in cases}.values())


def _not_listed_articles() -> list[Case]:
    """Articles in none of the lists known here (category 2's is cut off at 141): a reviewer decides."""
    return [
        Case(
            "art_141_grave_harm_cut_off_list",
            "141",
            "1",
            ("to_verify", 40, "article_not_listed"),
            harm="grave_harm",
        ),
        Case("art_188_hiv", "188", "2", ("to_verify", 40, "article_not_listed"), harm="hiv_infection"),
        Case("art_190_no_harm", "190", "1", ("to_verify", 0, "article_not_listed")),
    ]


def _death() -> list[Case]:
    """Category 3: the person given the victim's rights (Art. 1), not the victim herself."""
    return [
        Case(
            "death_claimed_by_representative",
            "99",
            "1",
            ("death", 50, "victim_died"),
            harm="death",
            role="representative",
        ),
        Case(
            "death_claimed_by_successor",
            "99",
            "2",
            ("death", 50, "victim_died"),
            harm="death",
            role="successor",
        ),
        Case(
            "death_of_a_torture_victim_claimed_by_successor",
            "146",
            "3",
            ("death", 50, "victim_died"),
            harm="death",
            role="successor",
        ),
        Case(
            "death_claimed_in_the_victims_name",
            "99",
            "1",
            ("ineligible", 0, "death_requires_successor"),
            harm="death",
        ),
        Case(
            "successor_without_death",
            "146",
            "1",
            ("ineligible", 0, "successor_requires_death"),
            role="successor",
        ),
    ]


def _boundaries() -> list[Case]:
    in_time = ("torture", 30, "torture")
    return [
        # Recognised on 2 March 2023, claimed on 2 March 2026: exactly three years, in time.
        Case(
            "exactly_three_years",
            "146",
            "1",
            in_time,
            committed_on=date(2023, 2, 1),
            recognized_on=date(2023, 3, 2),
        ),
        Case(
            "three_years_and_one_day",
            "146",
            "1",
            ("ineligible", 0, "deadline_missed"),
            committed_on=date(2023, 2, 1),
            recognized_on=date(2023, 3, 1),
        ),
        Case(
            "three_years_and_one_day_restored_by_court",
            "146",
            "1",
            in_time,
            committed_on=date(2023, 2, 1),
            recognized_on=date(2023, 3, 1),
            deadline_restored_by_court=True,
        ),
        # Art. 120: part 3 (paragraph 2: grave harm) is not part 3-1 (paragraph 1: a minor).
        Case(
            "art_120_part_3_para_2_grave_harm",
            "120",
            "3",
            ("grave_harm", 40, "grave_harm_to_health"),
            paragraph=2,
            harm="grave_harm",
        ),
        Case("art_120_part_3-1_para_2_grave_harm", "120", "3-1", NOT_COVERED, paragraph=2, harm="grave_harm"),
        Case(
            "art_120_part_3_para_1_minor",
            "120",
            "3",
            NOT_COVERED,
            paragraph=1,
            role="representative",
            victim_birth_date=CHILD,
        ),
        Case(
            "art_120_part_3-1_para_1_minor",
            "120",
            "3-1",
            (MINOR, 30, "sexual_violence_against_minor"),
            paragraph=1,
            role="representative",
            victim_birth_date=CHILD,
        ),
        Case(
            "art_120_part_3-1_without_paragraph",
            "120",
            "3-1",
            NOT_COVERED,
            role="representative",
            victim_birth_date=CHILD,
        ),
        # Art. 116 parts 1-3 only when committed by a criminal group; part 3 with grave harm in any case.
        Case(
            "art_116_part_2_by_a_group",
            "116",
            "2",
            (TRAFFICKING, 30, "human_trafficking"),
            by_criminal_group=True,
        ),
        Case("art_116_part_2_not_by_a_group", "116", "2", NOT_COVERED, by_criminal_group=False),
        Case(
            "art_116_part_3_grave_harm_not_by_a_group",
            "116",
            "3",
            ("grave_harm", 40, "grave_harm_to_health"),
            by_criminal_group=False,
            harm="grave_harm",
        ),
        # 18 years old on the day of the crime: an adult; one day younger: a minor.
        Case(
            "victim_turns_18_on_the_day_of_the_crime",
            "121",
            "4",
            ("ineligible", 0, "victim_not_a_minor"),
            role="representative",
            victim_birth_date=date(2007, 5, 1),
        ),
        Case(
            "victim_turns_18_the_day_after_the_crime",
            "121",
            "4",
            (MINOR, 30, "sexual_violence_against_minor"),
            role="representative",
            victim_birth_date=date(2007, 5, 2),
        ),
        # HIV vs grave harm vs none, for one crime of category 2 only.
        Case("art_118_part_2_hiv", "118", "2", ("grave_harm", 40, "hiv_infection"), harm="hiv_infection"),
        Case(
            "art_118_part_2_grave_harm",
            "118",
            "2",
            ("grave_harm", 40, "grave_harm_to_health"),
            harm="grave_harm",
        ),
        Case("art_118_part_2_no_harm", "118", "2", ("ineligible", 0, "harm_not_covered")),
        # Art. 146: part 1 (degrading treatment) and part 2: 30 MCI; part 3: 40 MCI, to verify.
        Case("art_146_part_2", "146", "2", ("torture", 30, "torture")),
        Case("art_146_part_3", "146", "3", ("torture", 40, "amount_to_verify")),
        Case(
            "art_146_part_3_claimed_by_representative",
            "146",
            "3",
            ("torture", 40, "amount_to_verify"),
            role="representative",
        ),
    ]


CASES: list[Case] = _boundaries() + _death() + _listed_cases() + _not_listed_parts() + _not_listed_articles()
CASES = list({case.id: case for case in CASES}.values())
