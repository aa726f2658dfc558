"""The fund's words for the codes that pages show: categories, statuses, tasks, events.

The codes come from bpmn/ (DMN outputs, BPMN ``claim_status`` properties, task names); a code
without words here is shown as itself, so a new code in bpmn/ never breaks a page.
"""

from __future__ import annotations

from workflows.specs import ProcessSpec

NO_CATEGORY = "none"  # a claim the eligibility rules have not categorised (not expected, but shown)

CATEGORY_LABELS = {
    "torture": "Torture",
    "trafficking": "Human trafficking",
    "sexual_violence_minor": "Sexual violence against a minor",
    "grave_harm": "Grave harm to health or HIV infection",
    "death": "Death of the victim (claim by the person given the victim's rights)",
    "to_verify": "To verify: the rules cannot decide from the law",
    "ineligible": "Not eligible under the rules",
}

STATUS_LABELS = {
    "submitted": "Submitted: intake checks the documents",
    "documents_requested": "Documents requested from the claimant",
    "under_review": "Under review",
    "awaiting_approval": "Awaiting approval",
    "approved": "Approved: waiting for the Treasury's payment",
    "payment_failed": "Payment failed: bank details to correct",
    "paid": "Paid (closed)",
    "rejected": "Rejected",
    "reconsideration": "Reconsideration requested",
    "closed_incomplete": "Closed: the requested documents did not arrive",
    "withdrawn": "Withdrawn by the claimant",
}

CLAIMANT_ROLE_LABELS = {
    "victim": "The victim",
    "representative": "Legal representative of a minor victim",
    "successor": "Successor of a victim who died",
}

HARM_LABELS = {
    "none": "No grave harm recorded",
    "grave_harm": "Grave harm to health",
    "hiv_infection": "HIV infection",
    "death": "The victim died",
}

MESSAGE_LABELS = {
    "documents_submitted": "Documents received from the claimant",
    "reconsideration_requested": "The claimant asked for reconsideration",
    "payment_confirmed": "The Treasury confirmed the payment",
    "payment_failed": "The Treasury could not pay",
}

ROLE_LABELS = {
    "intake": "intake officer",
    "reviewer": "reviewing officer",
    "approver": "approving officer",
    "finance": "finance officer",
    "auditor": "auditor",
    "admin": "administrator",
    "supervisor": "supervisor",
}


def crime_words(
    article: str, part: str | int, paragraph: int | None = None, by_criminal_group: bool | None = None
) -> str:
    """The crime as the law writes it: "art. 146 part 3", "art. 120, paragraph 2) of part 3",
    "art. 116 part 2, committed by a criminal group".

    A part recorded as a whole number (claims submitted before parts were text) reads the same.
    """
    if paragraph:
        words = f"art. {article}, paragraph {paragraph}) of part {part}"
    else:
        words = f"art. {article} part {part}"
    return f"{words}, committed by a criminal group" if by_criminal_group else words


def label(labels: dict[str, str], code: str | None) -> str:
    """The words for ``code``, or the code itself (made readable) when there are none."""
    if code is None:
        return ""
    return labels.get(code, code.replace("_", " "))


def task_labels(process: ProcessSpec) -> dict[str, str]:
    """Words for every user task of a process version, by task name.

    Tasks with the same title in different called processes ("Review claim" in the torture,
    trafficking and other reviews) are named by their process ("Review: torture").
    """
    titles = {name: info.title for name, info in process.user_tasks.items()}
    repeated = {title for title in titles.values() if list(titles.values()).count(title) > 1}
    names = {}
    for name, title in titles.items():
        if title in repeated:
            owner = next(
                (spec for spec in process.subprocess_specs.values() if name in spec.task_specs), None
            )
            title = owner.description if owner is not None and owner.description else f"{title} ({name})"
        names[name] = title
    return names
