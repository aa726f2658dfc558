"""A claim as staff see it: facts, personal data, documents, checklist, the rules' decisions in
words, the amount, letters, history and the process diagram.

Read from the projections and the recorded history; the snapshot is read only to draw what the
claim waits for on the diagram. Personal data is masked unless :func:`reveal_personal_data` is
asked for it, which writes the access log first (see :mod:`fund.claims.personal_data`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import get_locale, gettext, lazy_gettext
from sqlalchemy import select

from fund.claims import claimant_requests
from fund.claims.access_codes import access_code_history
from fund.claims.claim_diagram import Diagram, claim_diagram
from fund.claims.claimant_messages import timeline_entries
from fund.claims.explanations import (
    AmountCalculation,
    DecisionExplanation,
    amount_calculation,
    answers_in_words,
    document_labels,
    explain_decisions,
)
from fund.claims.history import (
    CLAIM_SUBMITTED,
    CLAIM_WITHDRAWN,
    LETTER_ISSUED,
    MESSAGE_DELIVERED,
    TASK_COMPLETED,
    TIMERS_FIRED,
)
from fund.claims.instances import LETTER_MESSAGE_PREFIX
from fund.claims.internal_notes import DeskEntry, desk_entries
from fund.claims.late_documents import sendings_after_submission
from fund.claims.paper_claims import APPLICATION_FORM
from fund.claims.personal_data import (
    PERSONAL_DATA_ROLES,
    Person,
    answer_masker,
    log_access,
    people_of,
    viewable,
)
from fund.claims.prior_claims import SameVictimAndCase, same_victim_and_case
from fund.claims.process_versions import process_for_version
from fund.claims.submission import OFFICE_CHANNEL, get_claim, submission_channel
from fund.common.access import require_role
from fund.common.errors import NotFound
from fund.common.time import fund_date
from fund.common.wording import (
    CATEGORY_LABELS,
    CLAIMANT_ROLE_LABELS,
    HARM_LABELS,
    MESSAGE_LABELS,
    STATUS_LABELS,
    label,
    task_labels,
)
from fund.extensions import db
from fund.models import Claim, Document, HumanTask, Letter, User, WorkflowEvent, WorkflowInstance
from fund.web.formatting import crime_in_words, words
from workflows.specs import ProcessSpec

log = logging.getLogger(__name__)

PORTAL_ACTORS = {  # actors that are not staff
    "portal": "The claimant (online)",
    "system": "The fund's system",
    "worker": "The fund's system",
    "letters": "The fund's letter service",
}


# --- what a page gets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    id: int
    code: str
    label: str
    filename: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    content_type: str = ""
    after_decision: bool = False  # sent by the claimant after the fund decided the claim
    seen: bool = True  # False: received after a decision and no officer has opened it yet

    @property
    def viewable(self) -> bool:
        """A PDF or an image, which the claim page offers to view in the page."""
        return viewable(self.content_type)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    state: str  # confirmed, missing, received, to_check
    words: str


@dataclass(frozen=True)
class LetterRow:
    id: int
    kind: str
    label: str
    status: str
    number: str | None
    issued_at: datetime | None
    language: str | None


@dataclass(frozen=True)
class CompletedTask:
    """A task done on the claim: who did it, when, and what they answered."""

    id: str
    name: str
    title: str
    by: str
    by_name: str
    at: datetime | None
    answers: list[tuple[str, str]]


@dataclass(frozen=True)
class OpenTask:
    id: str
    name: str
    title: str
    role: str
    due_at: datetime | None
    assignee_name: str | None


@dataclass(frozen=True)
class HistoryEntry:
    sequence: int
    at: datetime
    actor: str
    actor_name: str
    what: str
    status: str
    details: list[tuple[str, str]]
    letters_due: list[str]


@dataclass
class ClaimView:
    """Everything the claim page and the task page show about a claim, ready to render."""

    reference: str
    status: str
    status_label: str
    category: str | None
    category_label: str
    eligibility_reason: str | None
    amount_mci: int | None
    submitted_at: datetime
    updated_at: datetime
    claimant_role: str
    claimant: Person
    victim: Person | None
    crime: list[tuple[str, str]]
    unmasked: bool
    may_unmask: bool
    documents: list[DocumentRow] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    decisions: list[DecisionExplanation] = field(default_factory=list)
    amount: AmountCalculation | None = None
    letters: list[LetterRow] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    completed_tasks: list[CompletedTask] = field(default_factory=list)
    open_tasks: list[OpenTask] = field(default_factory=list)
    diagram: Diagram | None = None
    # The other claims of the same victim and criminal case that are open, approved or paid.
    same_case: SameVictimAndCase = field(default_factory=SameVictimAndCase)


def claim_process(claim_id: int) -> ProcessSpec:
    """The process version a claim runs on (reads the version column, not the snapshot)."""
    version = db.session.scalar(
        select(WorkflowInstance.process_version).where(WorkflowInstance.claim_id == claim_id)
    )
    if version is None:
        raise NotFound("this claim has no process")
    return process_for_version(version)


def claim_view(user: User, reference: str, now: datetime, *, with_diagram: bool = True) -> ClaimView:
    """The claim for any staff member, personal data masked. Read-only; raises NotFound/Forbidden."""
    claim = get_claim(user, reference)
    return _build(user, claim, now, unmasked=False, with_diagram=with_diagram)


def reveal_personal_data(user: User, reference: str, now: datetime) -> ClaimView:
    """The claim with personal data unmasked, for the roles whose work needs it; logged.

    One transaction: the access log entry (who, when, what) is committed before the data is
    returned, so no unmasked view goes unrecorded. Auditors and administrators are refused.
    """
    require_role(user, *PERSONAL_DATA_ROLES)
    claim = get_claim(user, reference)
    view = _build(user, claim, now, unmasked=True, with_diagram=True)
    log_access(claim, user, now, "personal data: claimant and victim (IIN, birth date, phone, e-mail, IBAN)")
    db.session.commit()
    return view


# --- assembling the view ---------------------------------------------------------------------------


def _crime(claim: Claim) -> list[tuple[str, str]]:
    return [
        ("Case number (ERDR)", claim.erdr_number),
        (
            "Criminal Code",
            crime_in_words(
                claim.article, claim.article_part, claim.article_paragraph, claim.by_criminal_group
            ),
        ),
        ("Harm", label(HARM_LABELS, claim.harm)),
        ("Crime committed on", claim.committed_on.strftime("%d.%m.%Y")),
        ("Recognised as a victim on", claim.recognized_on.strftime("%d.%m.%Y")),
        ("Court restored the deadline", "Yes" if claim.deadline_restored_by_court else "No"),
    ]


def _checklist(data: dict[str, Any], uploaded: set[str], labels: dict[str, str]) -> list[ChecklistItem]:
    missing = set(data.get("missing_documents") or [])
    complete = data.get("documents_complete")
    items = []
    for code in data.get("required_documents") or []:
        if code in missing and complete is False:
            state, words = "missing", "marked missing by intake"
        elif complete is True:
            state, words = "confirmed", "present (confirmed by intake)"
        elif code in uploaded:
            state, words = "received", "received, not checked yet"
        else:
            state, words = "to_check", "not checked yet"
        items.append(ChecklistItem(code, labels.get(code, code), state, words))
    return items


def _documents(claim: Claim, labels: dict[str, str]) -> list[DocumentRow]:
    rows = db.session.execute(  # columns only: the files themselves stay in the database
        select(Document.id, Document.code, Document.filename, Document.size, Document.uploaded_at,
               Document.uploaded_by, Document.content_type, Document.after_decision, Document.seen_at)
        .where(Document.claim_id == claim.id)
        .order_by(Document.uploaded_at, Document.id)
    )  # fmt: skip
    return [
        DocumentRow(row.id, row.code, labels.get(row.code, row.code), row.filename, row.size,
                    row.uploaded_at, row.uploaded_by, row.content_type, bool(row.after_decision),
                    not row.after_decision or row.seen_at is not None)
        for row in rows
    ]  # fmt: skip


def _letter_label(kind: str) -> str:
    from fund.letters import texts

    language = str(get_locale() or "en")  # the letters' own names, in the page's language
    names = texts.KIND_NAMES.get(kind, {})
    return names.get(language) or names.get("en") or label({}, kind)


def _letters(claim: Claim) -> list[LetterRow]:
    rows = db.session.execute(  # no PDFs: only what the list shows
        select(Letter.id, Letter.kind, Letter.status, Letter.number, Letter.issued_at, Letter.language)
        .where(Letter.claim_id == claim.id)
        .order_by(Letter.id)
    )
    return [
        LetterRow(row.id, row.kind, _letter_label(row.kind), row.status, row.number, row.issued_at,
                  row.language)
        for row in rows
    ]  # fmt: skip


def officer_namer(usernames: set[str | None]):
    """``who(username)``: "Full Name (username)" for staff, words for the portal and the worker."""
    names = dict(
        db.session.execute(
            select(User.username, User.full_name).where(User.username.in_(usernames - {None}))
        ).all()
    )

    def who(username: str | None) -> str:
        if not username:
            return ""
        if username in PORTAL_ACTORS:
            return words(PORTAL_ACTORS[username])
        full = names.get(username)
        return f"{full} ({username})" if full and full != username else username

    return who


def _history(events, tasks: dict, labels: dict[str, str], process: ProcessSpec, masker, who):
    """The timeline, every engine step in order, and each completed task's answers in words."""
    history: list[HistoryEntry] = []
    steps: list[dict[str, Any]] = []
    answers: dict[str, list[tuple[str, str]]] = {}
    for event in events:
        result = event.result or {}
        steps.extend(result.get("steps", []))
        what, details = _describe_event(event, tasks, labels, process, masker)
        if event.type == TASK_COMPLETED:
            answers[event.input.get("task_id", "")] = details
        letters_due = [
            _letter_label(message["name"].removeprefix(LETTER_MESSAGE_PREFIX))
            for message in result.get("outbound", [])
            if message.get("name", "").startswith(LETTER_MESSAGE_PREFIX)
        ]
        status = label(STATUS_LABELS, result["status"]) if result.get("status") else ""
        history.append(
            HistoryEntry(event.sequence, event.occurred_at, event.actor, who(event.actor), what, status,
                         details, letters_due)
        )  # fmt: skip
    return history, steps, answers


def _build(user: User, claim: Claim, now: datetime, *, unmasked: bool, with_diagram: bool) -> ClaimView:
    process = claim_process(claim.id)
    data = (
        db.session.scalar(select(WorkflowInstance.process_data).where(WorkflowInstance.claim_id == claim.id))
        or {}
    )
    doc_labels = document_labels(process) | {
        APPLICATION_FORM: gettext("Application on paper, scanned at the office")
    }
    documents = _documents(claim, doc_labels)
    tasks = list(
        db.session.execute(
            select(HumanTask.id, HumanTask.name, HumanTask.title, HumanTask.role, HumanTask.form,
                   HumanTask.state, HumanTask.due_at, HumanTask.completed_at, HumanTask.completed_by,
                   HumanTask.assignee)
            .where(HumanTask.claim_id == claim.id)
            .order_by(HumanTask.created_at)
        )
    )  # fmt: skip
    events = list(
        db.session.scalars(
            select(WorkflowEvent).where(WorkflowEvent.claim_id == claim.id).order_by(WorkflowEvent.sequence)
        )
    )
    desk = desk_entries(claim.id)  # internal notes and task assignments, shown in the timeline
    desk += [  # messages with the claimant: that one was written, not its words (in their panel)
        DeskEntry(at, author or "", "message", sender) for at, sender, author in timeline_entries(claim.id)
    ]
    desk += [  # the claimant's own details: what changed and who decided, never the values
        DeskEntry(at, by or "portal", "claimant_request", f"{kind}:{state}", ",".join(changed))
        for at, kind, state, by, changed in claimant_requests.timeline_entries(claim.id)
    ]
    desk += [  # a lost access code: asked for, issued (how the identity was checked) or refused (why)
        DeskEntry(at, officer or "portal", "access_code", state, identity_check, note)
        for at, state, officer, identity_check, note in access_code_history(claim.id)
    ]
    desk += [  # documents the claimant sent after submitting: how many, and whether after a decision
        DeskEntry(sent.at, "portal", "documents", str(sent.count), LATE if sent.after_decision else None)
        for sent in sendings_after_submission(claim)
    ]
    who = officer_namer(
        {t.completed_by for t in tasks}
        | {t.assignee for t in tasks}
        | {e.actor for e in events}
        | {d.actor for d in desk}
        | {d.assignee for d in desk}
        | {d.previous_assignee for d in desk}
    )
    labels = task_labels(process)
    history, steps, answers = _history(
        events, {t.id: t for t in tasks}, labels, process, answer_masker(unmasked), who
    )
    if desk:
        history = sorted(history + [_desk_history(d, labels, who) for d in desk], key=lambda h: h.at)
    claimant, victim = people_of(user, claim, unmasked)
    view = ClaimView(
        reference=claim.reference,
        status=claim.status,
        status_label=label(STATUS_LABELS, claim.status),
        category=claim.category,
        category_label=label(CATEGORY_LABELS, claim.category) if claim.category else "not decided yet",
        eligibility_reason=claim.eligibility_reason,
        amount_mci=claim.amount_mci,
        submitted_at=claim.submitted_at,
        updated_at=claim.updated_at,
        claimant_role=label(CLAIMANT_ROLE_LABELS, claim.claimant_role),
        claimant=claimant,
        victim=victim,
        crime=_crime(claim),
        unmasked=unmasked,
        may_unmask=user.has_role(*PERSONAL_DATA_ROLES),
        documents=documents,
        checklist=_checklist(data, {d.code for d in documents}, doc_labels),
        decisions=explain_decisions(process, steps, data),
        amount=amount_calculation(data, fund_date(now)),
        letters=_letters(claim),
        history=history,
        completed_tasks=[
            CompletedTask(t.id, t.name, labels.get(t.name, t.title), t.completed_by or "",
                          who(t.completed_by), t.completed_at, answers.get(t.id, []))
            for t in tasks
            if t.state == "completed"
        ],
        open_tasks=[
            OpenTask(t.id, t.name, labels.get(t.name, t.title), t.role, t.due_at, who(t.assignee) or None)
            for t in tasks
            if t.state == "open"
        ],
        same_case=same_victim_and_case(claim),
    )  # fmt: skip
    if with_diagram:
        ready = {t.name for t in tasks if t.state == "open"}
        try:
            view.diagram = claim_diagram(claim, process, steps, ready, now)
        except Exception:  # a drawing problem must not hide the claim: the page says it has no diagram
            log.exception("claim %s: the process diagram could not be drawn", claim.reference)
    return view


LATE = "after_decision"  # a DeskEntry of documents sent after the decision (in its assignee slot)


def _desk_history(entry: DeskEntry, labels: dict[str, str], who) -> HistoryEntry:
    """An internal note or a task assignment as a line of the timeline (staff only)."""
    if entry.kind == "documents":
        what = (
            gettext("Documents sent by the claimant after the decision: %(count)s", count=entry.text)
            if entry.assignee == LATE
            else gettext("Documents sent by the claimant: %(count)s", count=entry.text)
        )
        return HistoryEntry(0, entry.at, "portal", gettext("The claimant"), what, "", [], [])  # fmt: skip
    if entry.kind == "message":
        if entry.text == "claimant":
            return HistoryEntry(0, entry.at, "portal", gettext("The claimant"),
                                gettext("Message from the claimant"), "", [], [])  # fmt: skip
        return HistoryEntry(0, entry.at, entry.actor, who(entry.actor),
                            gettext("Answer sent to the claimant"), "", [], [])  # fmt: skip
    if entry.kind == "claimant_request":
        return _request_history(entry, who)
    if entry.kind == "access_code":
        return _access_code_history(entry, who)
    if entry.kind == "note":
        return HistoryEntry(
            0,
            entry.at,
            entry.actor,
            who(entry.actor),
            gettext("Internal note"),
            "",
            [(gettext("Note"), entry.text)],
            [],
        )
    details = [(gettext("Given to"), who(entry.assignee))]
    if entry.previous_assignee:
        details.append((gettext("Taken before by"), who(entry.previous_assignee)))
    what = gettext("Task assigned: %(task)s", task=words(labels.get(entry.text, entry.text)))
    return HistoryEntry(0, entry.at, entry.actor, who(entry.actor), what, "", details, [])  # fmt: skip


def _request_history(entry: DeskEntry, who) -> HistoryEntry:
    """A claimant's own-details request as a line of the timeline: what, and who decided."""
    kind, state = entry.text.split(":", 1)
    field_names = {
        "phone": gettext("Phone"),
        "email": gettext("E-mail"),
        "language": gettext("Language of letters"),
    }
    if kind == "contact_details":
        changed = ", ".join(field_names.get(name, name) for name in (entry.assignee or "").split(",") if name)
        return HistoryEntry(0, entry.at, "portal", gettext("The claimant"),
                            gettext("Contact details changed by the claimant"), "",
                            [(gettext("Changed"), changed)], [])  # fmt: skip
    if state == "made":
        return HistoryEntry(0, entry.at, "portal", gettext("The claimant"),
                            gettext("New bank account asked for by the claimant"), "", [], [])  # fmt: skip
    confirmed = state == "confirmed"
    what = gettext("New bank account confirmed") if confirmed else gettext("New bank account refused")
    return HistoryEntry(0, entry.at, entry.actor, who(entry.actor), what, "", [], [])  # fmt: skip


IDENTITY_CHECK_WORDS = {
    "in_person": lazy_gettext("In person at a Fund office, identity document seen"),
    "notarised_application": lazy_gettext("Notarised application received"),
    "video_call": lazy_gettext("Video call by the Fund's procedure, identity document shown"),
}


def _access_code_history(entry: DeskEntry, who) -> HistoryEntry:
    """A request for a new access code as a line of the timeline (``text``: waiting, issued or
    refused; ``assignee``: how the identity was checked; ``previous_assignee``: the officer's note)."""
    if entry.text == "waiting":
        return HistoryEntry(0, entry.at, "portal", gettext("The claimant"),
                            gettext("New access code asked for"), "", [], [])  # fmt: skip
    details = []
    if entry.text == "issued":
        what = gettext("New access code issued; the old one no longer works")
        check = IDENTITY_CHECK_WORDS.get(entry.assignee or "", entry.assignee or "")
        details.append((gettext("Identity checked"), str(check)))
    else:
        what = gettext("Request for a new access code refused")
    if entry.previous_assignee:
        details.append((gettext("Note"), entry.previous_assignee))
    return HistoryEntry(0, entry.at, entry.actor, who(entry.actor), what, "", details, [])


def _describe_event(event: WorkflowEvent, tasks: dict, labels: dict[str, str], process: ProcessSpec, masker):
    """What an event did, in words, with its details (form answers, message contents)."""
    data = event.input or {}
    if event.type == CLAIM_SUBMITTED:
        if submission_channel(data) == OFFICE_CHANNEL:  # the actor is the intake officer who registered it
            channel = gettext("At the fund's office: a paper or walk-in application, registered by intake")
            return gettext("Claim submitted"), [(gettext("Channel"), channel)]
        return gettext("Claim submitted"), []
    if event.type == TASK_COMPLETED:
        task = tasks.get(data.get("task_id"))
        title = words(labels.get(task.name, task.title)) if task is not None else gettext("a task")
        form = process.forms.get(task.form) if task is not None else None
        answers = answers_in_words(form, data.get("data") or {}, masker)
        return gettext("Completed: %(task)s", task=title), answers
    if event.type == MESSAGE_DELIVERED:
        name = data.get("message", "")
        payload = data.get("payload") or {}
        return words(label(MESSAGE_LABELS, name)), answers_in_words(None, payload, masker)
    if event.type == TIMERS_FIRED:
        fired = [
            s.get("title", s.get("task", ""))
            for s in (event.result or {}).get("steps", [])
            if "Event" in s.get("type", "")
        ]
        fired_words = "; ".join(words(title) for title in fired)
        return gettext("Deadline or reminder reached"), [(gettext("Steps"), fired_words)] if fired else []
    if event.type == LETTER_ISSUED:
        letter = data.get("letter") or {}
        return gettext("Letter issued: %(letter)s", letter=words(_letter_label(letter.get("kind", "")))), [
            (gettext("Number"), letter.get("number") or ""),
            ("SHA-256", letter.get("sha256") or ""),
        ]
    if event.type == CLAIM_WITHDRAWN:
        return gettext("Claim withdrawn by the claimant: the process was stopped"), []
    return event.type.replace("_", " "), []
