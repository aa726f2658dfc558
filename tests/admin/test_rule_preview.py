"""Previewing a rule change before it is deployed: which stored claims the new tables decide differently.

The candidate is a copy of bpmn/ with the trafficking rules paying 35 MCI instead of 30 and article
146 taken out of the torture rules: exactly the trafficking and torture claims must be listed, with
their change, on the page, in the CSV and on the command line; ``fund deploy`` and the deploy
button show the same summary and deploy only once confirmed.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from fund import PROJECT_ROOT
from fund.admin.rule_preview import preview_rule_change
from fund.common.errors import Forbidden
from fund.extensions import db
from fund.models import Claim, ProcessVersion, WorkflowInstance
from tests.admin.test_web_admin import admin_browser as admin_browser
from tests.admin.test_web_admin import browser, flash, page_of, post
from tests.conftest import make_iin

RULE = re.compile(r"<rule\b.*?</rule>", re.S)
OUTPUT_TEXT = r"<outputEntry\b[^>]*>\s*<text>([^<]*)</text>"
SECOND_OUTPUT = re.compile(
    r"(<outputEntry\b[^>]*>\s*<text>[^<]*</text>\s*</outputEntry>\s*<outputEntry\b[^>]*>\s*<text>)\s*30\s*(</text>)"
)


def _edit_rules(dmn: str, category: str, edit) -> str:
    """``dmn`` with ``edit`` applied to every rule whose first output (the category) is ``category``."""

    def each(match: re.Match) -> str:
        outputs = re.findall(OUTPUT_TEXT, match.group(0))
        return edit(match.group(0)) if outputs and outputs[0].strip() == f'"{category}"' else match.group(0)

    changed = RULE.sub(each, dmn)
    assert changed != dmn, f"no {category} rule was changed"
    return changed


def candidate_rules(tmp_path: Path, article: bool = True) -> Path:
    """A copy of bpmn/ where trafficking pays 35 MCI and (with ``article``) the torture rules no
    longer name art. 146: a draft to preview, which the deploy checks refuse (art. 146 is then
    matched by no rule); without it, a change that can be deployed."""
    folder = tmp_path / "bpmn"
    shutil.copytree(PROJECT_ROOT / "bpmn", folder)
    dmn = folder / "eligibility.dmn"
    text = dmn.read_text(encoding="utf-8")
    text = _edit_rules(text, "trafficking", lambda rule: SECOND_OUTPUT.sub(r"\g<1>35\2", rule))
    if article:
        text = _edit_rules(text, "torture", lambda rule: rule.replace('"146"', '"1460"'))
    dmn.write_text(text, encoding="utf-8")
    return folder


SUCCESSOR_VICTIM = {
    "full_name": "Daniyar Sadykov",
    "iin": make_iin(date(1985, 3, 3)),
    "birth_date": "1985-03-03",
}
CLAIMS = {  # facts by name: two of them trafficking, one torture, and three the change must not touch
    "torture": {"crime__article": "146", "crime__part": 2},
    "trafficking": {"crime__article": "128", "crime__part": 1},
    "trafficking again": {"crime__article": "135", "crime__part": 1},
    "grave harm": {"crime__article": "118", "crime__part": 2, "crime__harm": "grave_harm"},
    "death": {
        "crime__article": "99",
        "crime__part": 1,
        "crime__harm": "death",
        "role": "successor",
        "victim": SUCCESSOR_VICTIM,
    },  # fmt: skip
    "not covered": {"crime__article": "187", "crime__part": 1},
}


@pytest.fixture
def claims(app, submit) -> dict[str, str]:
    """Claims of several categories on the deployed version: reference by name."""
    return {name: submit(**facts)["reference"] for name, facts in CLAIMS.items()}


def recorded(reference: str) -> Claim:
    return db.session.scalar(db.select(Claim).where(Claim.reference == reference))


def expected_changes(claims: dict[str, str], article: bool = True) -> dict[str, str]:
    """The claims the candidate must list, with what must show in their change."""
    affected = {}
    for reference in claims.values():
        claim = recorded(reference)
        if claim.category == "trafficking":
            affected[reference] = "trafficking 30 MCI → trafficking 35 MCI"
        elif claim.category == "torture" and article:
            affected[reference] = "torture 30 MCI →"
    assert sum("trafficking" in change for change in affected.values()) == 2
    assert sum(change.startswith("torture") for change in affected.values()) == (1 if article else 0)
    return affected


def versions_stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))


# --- the use case -----------------------------------------------------------------------------------


def test_the_preview_lists_exactly_the_claims_the_new_rules_decide_differently(app, staff, claims, tmp_path):
    expected = expected_changes(claims)

    preview = preview_rule_change(staff.user("adil", "admin"), candidate_rules(tmp_path))

    assert preview.claims_checked == len(CLAIMS)
    assert not preview.deployed_already and not preview.not_compared
    listed = {claim.reference: claim for claim in preview.changed}
    assert set(listed) == set(expected)
    for reference, change in expected.items():
        assert listed[reference].change.startswith(change), listed[reference].change
        claim = recorded(reference)
        before = listed[reference].before
        assert (before.category, before.amount_mci, before.eligibility_reason) == (
            claim.category,
            claim.amount_mci,
            claim.eligibility_reason,
        )
        assert listed[reference].status == claim.status
    assert ("trafficking 30 MCI → trafficking 35 MCI", 2) in preview.changes
    assert sum(count for _, count in preview.changes) == 3


def test_unchanged_rules_change_no_claim(app, staff, claims):
    preview = preview_rule_change(staff.user("adil", "admin"), PROJECT_ROOT / "bpmn")
    assert preview.deployed_already and preview.claims_checked == len(CLAIMS)
    assert preview.changed == [] and preview.changes == []


@pytest.mark.parametrize("role", ["intake", "reviewer", "approver", "finance", "auditor"])
def test_only_administrators_may_preview(app, staff, role):
    with pytest.raises(Forbidden):
        preview_rule_change(staff.user("officer", role))


# --- the command line ----------------------------------------------------------------------------------


def test_fund_rules_preview_prints_the_changes_and_writes_the_csv(app, claims, tmp_path):
    expected = expected_changes(claims)
    report = tmp_path / "preview.csv"

    result = app.test_cli_runner().invoke(
        args=["rules", "preview", str(candidate_rules(tmp_path)), "--csv", str(report)]
    )

    assert result.exit_code == 0, result.output
    assert f"{len(CLAIMS)} claim(s) checked: 3 would be decided differently" in result.output
    assert "trafficking 30 MCI → trafficking 35 MCI: 2 claim(s)" in result.output
    for name, reference in claims.items():
        assert (reference in result.output) == (reference in expected), name
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert {row["reference"] for row in rows} == set(expected)
    trafficking = next(row for row in rows if row["reference"] == claims["trafficking"])
    assert (trafficking["amount_mci_before"], trafficking["amount_mci_after"]) == ("30", "35")
    assert trafficking["category_before"] == trafficking["category_after"] == "trafficking"


def test_fund_deploy_shows_the_summary_and_deploys_only_when_confirmed(app, claims, tmp_path, monkeypatch):
    expected_changes(claims, article=False)
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(candidate_rules(tmp_path, article=False)))
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["deploy"], input="n\n")
    assert refused.exit_code == 1
    assert "trafficking 30 MCI → trafficking 35 MCI: 2 claim(s)" in refused.output
    assert "Deploy these rules?" in refused.output
    assert versions_stored() == 1

    confirmed = runner.invoke(args=["deploy"], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "deployed: new claims start on it" in confirmed.output
    assert versions_stored() == 2
    # Claims already running keep the version they started on.
    assert len(set(db.session.scalars(db.select(WorkflowInstance.process_version)))) == 1


def test_fund_deploy_yes_deploys_without_asking(app, claims, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(candidate_rules(tmp_path, article=False)))
    result = app.test_cli_runner().invoke(args=["deploy", "--yes"])
    assert result.exit_code == 0, result.output
    assert "would be decided differently" in result.output and "Deploy these rules?" not in result.output
    assert versions_stored() == 2


# --- the pages --------------------------------------------------------------------------------------------


def test_the_preview_page_lists_the_changes_and_offers_the_csv(
    app, admin_browser, claims, tmp_path, monkeypatch
):
    expected = expected_changes(claims)
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(candidate_rules(tmp_path)))

    answer = admin_browser.get("/admin/processes/preview")

    assert answer.status_code == 200
    page = page_of(answer)
    changes = [
        [" ".join(cell.text_content().split()) for cell in row.xpath("td")]
        for row in page.xpath("//table[@id='changes']/tbody/tr")
    ]
    assert ["trafficking 30 MCI → trafficking 35 MCI", "2"] in changes
    assert set(page.xpath("//table[@id='changed-claims']/tbody/tr/@data-reference")) == set(expected)
    assert page.xpath("//a[@id='preview-link']") == []  # the link sits on the versions page

    download = admin_browser.get("/admin/processes/preview.csv")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["reference"] for row in rows} == set(expected)


@pytest.mark.parametrize("path", ["/admin/processes/preview", "/admin/processes/preview.csv"])
def test_other_staff_get_403_on_the_preview(app, staff, path):
    client = browser(app, staff, "alma", "approver", "auditor")
    assert client.get(path).status_code == 403


def test_the_deploy_button_asks_for_confirmation_with_the_summary(
    app, admin_browser, claims, tmp_path, monkeypatch
):
    expected_changes(claims, article=False)
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(candidate_rules(tmp_path, article=False)))

    asked = post(admin_browser, "/admin/processes", token_page="/admin/processes")

    assert asked.status_code == 200
    page = page_of(asked)
    assert "2 would be decided differently" in " ".join(
        page.get_element_by_id("preview-summary").text_content().split()
    )
    assert versions_stored() == 1
    (form,) = page.xpath("//form[.//input[@name='confirm_version']]")
    fields = {field.get("name"): field.get("value") for field in form.xpath(".//input")}
    assert set(fields) == {"csrf_token", "confirm_version"}

    without_token = admin_browser.post(
        "/admin/processes", data={"confirm_version": fields["confirm_version"]}
    )
    assert without_token.status_code == 400 and versions_stored() == 1

    deployed = admin_browser.post("/admin/processes", data=fields)
    assert deployed.status_code == 302
    assert "Deployed version" in flash(admin_browser.get(deployed.headers["Location"]))
    assert versions_stored() == 2


def test_a_confirmation_of_other_files_deploys_nothing(app, admin_browser, claims, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_BPMN_DIR", str(candidate_rules(tmp_path, article=False)))
    answer = post(
        admin_browser, "/admin/processes", {"confirm_version": "0" * 64}, token_page="/admin/processes"
    )
    assert answer.status_code == 422
    assert "changed since the preview" in page_of(answer).get_element_by_id("deploy-errors").text_content()
    assert versions_stored() == 1
