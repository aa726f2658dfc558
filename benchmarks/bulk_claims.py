"""Fill a database with many realistic claims whose histories verify exactly like production data.

What it makes: N claims in a spread of states (submitted, documents requested, under review,
awaiting approval, approved, paid, payment failed, rejected, reconsideration, closed as
incomplete...), each with its event hash chain, the stored snapshot and its digest, its worklist
tasks and timers, its issued letters (PDF and sha256), and, at the end, a seal over every claim's
head. ``fund audit verify --all`` checks them exactly as it checks real claims.

How it stays fast and honest. Running a claim through the services costs ~150 ms (a PDF per
letter, a scrypt hash per access code, a transaction per step): 100,000 claims would take hours.
So a few hundred *template* claims run through the real services and engine (``submit_claim``,
``complete_task``, ``deliver_message``, then ``run_due_timers``), and the rest are *clones* of
them, written in bulk with a new reference and a new claimant. The engine's process state
depends on the claim only through its reference: it is the instance key, and every task id is
derived from it (``workflows.clock``); the claimant's name, IIN, phone, e-mail and IBAN are not
process data. So a clone's history is its template's with the reference and the task ids
rewritten, and every hash is then computed again: the state digest of every intermediate state
(the template is replayed once to get those states), each event's hash chained from the genesis
hash, the snapshot's digest and the instance's last event hash. Nothing in verification is
weakened: ``fund audit verify`` replays each clone from its own recorded commands and finds the
rewritten states, or reports a finding. Every template is verified before it is cloned.

What clones share with their template (said here so that no one mistakes it): the times of every
event (templates are spread over the past year), the process facts (article, harm, dates, the
victim's birth date, hence the claimant's birth date when the claimant is the victim), the access
code's hash, and each letter's PDF bytes and verification-code hash. A clone's letter has its own
id and number, and its sha256 is computed from its bytes, so verifying it is the same work as for
any letter; the text inside the PDF names the template's claim. Claims have no documents, and
clones no notification rows (the outbox) nor access log entries.

Use, as a script (from the project root; the database is migrated, and emptied with ``--fresh``)::

    python benchmarks/bulk_claims.py --database postgresql+psycopg://root@127.0.0.1:5432/fund_audit100k \\
        --claims 100000 --fresh
    python benchmarks/bulk_claims.py --database sqlite:////tmp/bulk.sqlite3 --claims 1000 --fresh
    # 500 claims approved and waiting for payment (for a payout batch benchmark):
    python benchmarks/bulk_claims.py --database URL --claims 500 --state approved --fresh

or as a function, inside an application context on a migrated database::

    from benchmarks.bulk_claims import fill_claims
    result = fill_claims(500, states=("approved",))   # 500 approved claims
    result.references                                  # every reference made, templates first

Further options: ``--templates K`` (default 300, fewer when N is smaller), ``--no-seal``, and
``--batch`` (clones written per transaction). Benchmarks are never run by tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text

STAFF = (  # username, full name, roles
    ("bulk.intake", "Dana Intake", ["intake"]),
    ("bulk.reviewer", "Rustam Reviewer", ["reviewer"]),
    ("bulk.approver", "Arman Approver", ["approver"]),
    ("bulk.finance", "Farida Finance", ["finance"]),
    ("bulk.auditor", "Aidos Auditor", ["auditor"]),
)
EMAIL_DOMAIN = "bulk.fund.invalid"
FIRST_NAMES = {
    "kk": ("Айгүл", "Ержан", "Бақыт", "Самал", "Данияр", "Әлия", "Қанат", "Мәдина", "Нұрлан", "Гүлнар"),
    "ru": ("Марина", "Олег", "Павел", "Виктор", "Людмила", "Ирина", "Сергей", "Анна", "Денис", "Ольга"),
    "en": ("Sofia", "John", "Irina", "Elena", "Maxim", "Anna", "David", "Maria", "Timur", "Laura"),
}
LAST_NAMES = {
    "kk": ("Сәрсенова", "Төлеуов", "Оспанов", "Мұратқызы", "Сейітов", "Қасымова", "Бекұлы", "Әбілова"),
    "ru": ("Ким", "Смирнов", "Орлов", "Ли", "Иванова", "Волкова", "Петров", "Соколова"),
    "en": ("Petrova", "Miller", "Volkova", "Sokolova", "Ivanov", "Kim", "Brown", "Akhmetova"),
}

# --- scenarios: where a template claim goes, through the real services ---------------------------

DONE = ("complete", "bulk.intake", {"documents_complete": True})
MISSING = (
    "complete",
    "bulk.intake",
    {"documents_complete": False, "missing_documents": ["forensic_medical_report"]},
)
DOCUMENTS = ("message", "bulk.intake", "documents_submitted", {"documents": ["forensic_medical_report"]})
REVIEW = ("complete", "bulk.reviewer", {"recommendation": "approve"})
TORTURE_REVIEW = ("complete", "bulk.reviewer", {"recommendation": "approve", "prosecutor_office": "Almaty"})
REJECT_REVIEW = ("complete", "bulk.reviewer", {"recommendation": "reject", "reasons": ["crime_not_covered"]})
APPROVE = ("complete", "bulk.approver", {"decision": "approve"})
RETURN = ("complete", "bulk.approver", {"decision": "return", "comment": "Check the date of recognition."})
REJECT = ("complete", "bulk.approver", {"decision": "reject", "reasons": ["crime_not_covered"]})
PAID = ("message", "bulk.finance", "payment_confirmed", {"batch": "PB-BULK-1"})
FAILED = ("message", "bulk.finance", "payment_failed", {"reason": "account closed"})
BANK = ("complete", "bulk.intake", {"iban": "KZ86 125K ZT50 0410 0100"})
RECONSIDER = ("message", "bulk.intake", "reconsideration_requested", {"grounds": "new medical report"})

TORTURE = {"article": "146", "part": 3, "harm": "none"}
OTHER = {"article": "128", "part": 1, "harm": "none"}
GRAVE = {"article": "106", "part": 1, "harm": "grave_harm"}
NOT_COVERED = {"article": "190", "part": 1, "harm": "none"}
DEATH = {"article": "111", "part": 2, "harm": "death", "role": "successor"}
MINOR = {"article": "120", "part": 1, "harm": "none", "role": "representative"}


FINISHED = ("paid", "rejected")


@dataclass(frozen=True)
class Scenario:
    """A claim's life: the crime, who claims, and the steps the officers take (a day or two apart)."""

    expected: str  # the status it usually ends in (timers may move it on, as in real life)
    crime: dict[str, Any]
    steps: tuple[tuple, ...]
    weight: int = 1


SCENARIOS = (
    Scenario("submitted", TORTURE, (), 2),
    Scenario("submitted", MINOR, ()),
    Scenario("documents_requested", GRAVE, (MISSING,), 2),
    Scenario("under_review", OTHER, (MISSING, DOCUMENTS, DONE)),
    Scenario("under_review", TORTURE, (DONE,), 2),
    Scenario("awaiting_approval", MINOR, (DONE, REVIEW)),
    Scenario("awaiting_approval", TORTURE, (DONE, TORTURE_REVIEW), 2),
    Scenario("approved", TORTURE, (DONE, TORTURE_REVIEW, APPROVE), 3),
    Scenario("approved", GRAVE, (DONE, REVIEW, APPROVE), 2),
    Scenario("approved", DEATH, (DONE, REVIEW, APPROVE)),
    Scenario("paid", DEATH, (DONE, REVIEW, APPROVE, PAID), 2),
    Scenario("paid", TORTURE, (DONE, TORTURE_REVIEW, APPROVE, PAID), 4),
    Scenario("paid", OTHER, (MISSING, DOCUMENTS, DONE, REVIEW, RETURN, REVIEW, APPROVE, PAID)),
    Scenario("paid", OTHER, (DONE, REVIEW, APPROVE, FAILED, BANK, PAID)),
    Scenario("payment_failed", GRAVE, (DONE, REVIEW, APPROVE, FAILED)),
    Scenario("rejected", NOT_COVERED, (DONE, REJECT_REVIEW, REJECT), 3),
    Scenario("reconsideration", NOT_COVERED, (DONE, REJECT_REVIEW, REJECT, RECONSIDER)),
    Scenario("under_review", OTHER, (DONE, REVIEW, RETURN)),
)


def _weighted(scenarios: tuple[Scenario, ...]) -> list[Scenario]:
    return [scenario for scenario in scenarios for _ in range(scenario.weight)]


# --- people -----------------------------------------------------------------------------------------


def make_iin(birth: date, serial: int) -> str:
    """A valid IIN for a person born on ``birth``, from the 4-digit ``serial`` on."""
    from fund.common.validation import iin_check_digit

    century = {19: 3, 20: 5}[birth.year // 100] + serial % 2  # odd men, even women
    serial = serial % 10_000
    while (check := iin_check_digit(f"{birth:%y%m%d}{century}{serial:04d}")) is None:
        serial = (serial + 1) % 10_000
    return f"{birth:%y%m%d}{century}{serial:04d}{check}"


def make_iban(number: int) -> str:
    """A Kazakh IBAN with right check digits (ISO 13616 mod 97) for account ``number``."""
    bban = f"125KZT{number % 10**10:010d}"
    as_number = int("".join(str(int(character, 36)) for character in bban + "KZ00"))
    return f"KZ{98 - as_number % 97:02d}{bban}"


def new_person(number: int, language: str, birth: date) -> dict[str, Any]:
    """A claimant's columns: a name in their language, IIN, phone, e-mail and IBAN, all valid."""
    first, last = FIRST_NAMES[language], LAST_NAMES[language]
    return {
        "full_name": f"{first[number % len(first)]} {last[number // len(first) % len(last)]}",
        "iin": make_iin(birth, number),
        "birth_date": birth,
        "phone": f"+7701{number % 10**7:07d}",
        "email": f"claimant{number}@{EMAIL_DOMAIN}",
        "language": language,
        "iban": make_iban(number),
    }


def _body(number: int, scenario: Scenario, submitted: datetime) -> dict[str, Any]:
    language = ("kk", "ru", "en")[number % 3]
    birth = date(1965 + number % 35, 1 + number % 12, 1 + number % 28)
    person = new_person(number, language, birth)
    role = scenario.crime.get("role", "victim")
    recognized = submitted.date() - timedelta(days=20 + number * 7 % 600)
    body: dict[str, Any] = {
        "claimant": {**person, "birth_date": birth.isoformat(), "phone": f"+7 701 {person['phone'][5:]}"},
        "role": role,
        "crime": {
            "erdr_number": f"2617500{number % 10**8:08d}",
            "article": scenario.crime["article"],
            "part": scenario.crime["part"],
            "committed_on": (recognized - timedelta(days=30)).isoformat(),
            "recognized_on": recognized.isoformat(),
            "harm": scenario.crime["harm"],
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
    if role != "victim":
        victim_birth = date(2010, 3, 4) if role == "representative" else date(1970, 5, 6)
        body["victim"] = {
            "full_name": f"Victim of claim {number}",
            "iin": make_iin(victim_birth, 5000 + number),
            "birth_date": victim_birth.isoformat(),
        }
    return body


# --- templates: real claims through the services ------------------------------------------------------


def prepare_database(now: datetime) -> None:
    """Deploy bpmn/ (if it changed) and create the staff the templates need (once)."""
    from fund.claims.process_versions import deploy_process
    from fund.common.users import create_user
    from fund.extensions import db
    from fund.models import User

    deploy_process("bulk", now - timedelta(days=400))
    for username, full_name, roles in STAFF:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(username, "bulk claims password", roles, now - timedelta(days=400), full_name)


def run_templates(count: int, now: datetime, scenarios: tuple[Scenario, ...]) -> list[str]:
    """Submit ``count`` claims and take them along ``scenarios`` through the real services,
    spread over the past year; then fire whatever timers are due ``now``. Returns references."""
    from fund.claims import messages, tasks, timers
    from fund.claims import submission as claims
    from fund.extensions import db
    from fund.models import Claim, HumanTask, User

    staff = {user.username: user for user in db.session.scalars(select(User))}
    mix = _weighted(scenarios)
    references = []
    for number in range(count):
        scenario = mix[number % len(mix)]
        # Finished claims spread over the past year; claims still in progress arrived lately.
        days_ago = 360 - 330 * number / max(count, 1) if scenario.expected in FINISHED else 3 + number % 20
        at = now - timedelta(days=days_ago, hours=number % 8)
        reference = claims.submit_claim(_body(number, scenario, at), at).reference
        for step in scenario.steps:
            at += timedelta(days=1 + number % 2, hours=1)
            if step[0] == "message":
                _, username, name, payload = step
                messages.deliver_message(staff[username], reference, name, dict(payload), at)
            else:
                _, username, data = step
                task_id = db.session.scalar(
                    select(HumanTask.id)
                    .join(Claim, Claim.id == HumanTask.claim_id)
                    .where(Claim.reference == reference, HumanTask.state == "open")
                )
                tasks.complete_task(staff[username], task_id, json.loads(json.dumps(data)), at)
        references.append(reference)
    timers.run_due_timers(now)
    return references


# --- clones: a template's rows, rewritten for a new reference and claimant -------------------------


def task_id(instance_key: str, number: int) -> str:
    """The id the engine gives the ``number``-th task of an instance (as ``workflows.clock`` does)."""
    digest = hashlib.sha256(f"{instance_key}:{number}".encode()).digest()
    return str(UUID(bytes=digest[:16], version=4))


@dataclass
class _Text:
    """A text cut at every occurrence of the template's reference and task ids, to fill in again."""

    literals: list[str]
    tokens: list[str]

    def render(self, mapping: dict[str, str]) -> str:
        parts = [self.literals[0]]
        for token, literal in zip(self.tokens, self.literals[1:], strict=True):
            parts += (mapping[token], literal)
        return "".join(parts)


@dataclass
class Template:
    """A verified template claim: its rows, with every text that names its reference or task ids cut."""

    reference: str
    task_count: int
    claim: dict[str, Any]
    claimant: dict[str, Any]
    instance: dict[str, Any]
    snapshot: _Text
    process_data: _Text
    events: list[dict[str, Any]]  # each with _Text "input", "result", "state"
    tasks: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    letters: list[dict[str, Any]]

    def mapping(self, reference: str) -> dict[str, str]:
        """What each cut token becomes in the clone called ``reference``."""
        mapping = {task_id(self.reference, n): task_id(reference, n) for n in range(self.task_count)}
        mapping[self.reference] = reference
        return mapping


def _rows(table, where) -> list[dict[str, Any]]:
    from fund.extensions import db

    return [dict(row) for row in db.session.execute(select(table).where(where)).mappings()]


def load_template(reference: str) -> Template:
    """Read a claim's rows, replay it once for its intermediate states, and cut its texts.

    Raises RuntimeError when the claim does not verify: only sound histories are cloned.
    """
    from fund.audit.seals import audit_claim
    from fund.claims.history import claim_events, replay_command
    from fund.claims.process_versions import process_for_version
    from fund.common.system import system_user
    from fund.extensions import db
    from fund.models import Claim, Claimant, HumanTask, Letter, Timer, WorkflowEvent, WorkflowInstance

    claim = db.session.scalar(select(Claim).where(Claim.reference == reference))
    _, _, findings = audit_claim(system_user(), claim)
    if findings:
        raise RuntimeError(f"template {reference} does not verify: {findings[0]}")
    instance = _rows(WorkflowInstance.__table__, WorkflowInstance.claim_id == claim.id)[0]
    task_count = json.loads(instance["snapshot"])["engine"]["next_task_number"]
    tokens = [re.escape(reference) + r"(?!\d)"] + [
        re.escape(task_id(reference, n)) for n in range(task_count)
    ]
    pattern = re.compile(f"({'|'.join(tokens)})")

    def cut(value: str) -> _Text:
        parts = pattern.split(value)
        return _Text(parts[0::2], parts[1::2])

    process = process_for_version(instance["process_version"])
    events, state = [], None
    rows = {
        row["sequence"]: row for row in _rows(WorkflowEvent.__table__, WorkflowEvent.claim_id == claim.id)
    }
    for event in claim_events(claim):
        outcome = replay_command(process, event, state, reference)
        state = outcome.state
        row = rows[event.sequence]
        events.append(
            {
                **row,
                "input": cut(json.dumps(row["input"], ensure_ascii=False)),
                "result": cut(json.dumps(row["result"], ensure_ascii=False)),
                "state": cut(state),
            }
        )
    return Template(
        reference=reference,
        task_count=task_count,
        claim=_rows(Claim.__table__, Claim.id == claim.id)[0],
        claimant=_rows(Claimant.__table__, Claimant.id == claim.claimant_id)[0],
        instance=instance,
        snapshot=cut(instance["snapshot"]),
        process_data=cut(json.dumps(instance["process_data"], ensure_ascii=False)),
        events=events,
        tasks=_rows(HumanTask.__table__, HumanTask.claim_id == claim.id),
        timers=_rows(Timer.__table__, Timer.claim_id == claim.id),
        letters=sorted(_rows(Letter.__table__, Letter.claim_id == claim.id), key=lambda row: row["id"]),
    )


@dataclass
class _Ids:
    """The next free id of each table with an integer key (the generator is the only writer)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def clone_rows(template: Template, number: int, ids: _Ids) -> dict[str, list[dict[str, Any]]]:
    """The rows of a new claim made from ``template``: new reference, claimant, hashes; by table."""
    from fund.claims.history import GENESIS_HASH, event_hash
    from fund.common.time import fund_date
    from workflows.serialization import state_digest

    claim_id = ids.take("claims")
    reference = f"{template.reference.rsplit('-', 1)[0]}-{claim_id:06d}"
    mapping = template.mapping(reference)
    claimant = {
        **new_person(number, template.claimant["language"], template.claimant["birth_date"]),
        "id": ids.take("claimants"),
    }
    claim = dict(template.claim, id=claim_id, reference=reference, claimant_id=claimant["id"])
    claim["erdr_number"] = f"2617500{number % 10**8:08d}"
    if claim["claimant_role"] == "victim":
        claim.update(victim_full_name=claimant["full_name"], victim_iin=claimant["iin"])
    else:
        claim.update(
            victim_full_name=f"Victim of claim {reference}",
            victim_iin=make_iin(claim["victim_birth_date"], 5000 + number),
        )
    events, previous = [], GENESIS_HASH
    for row in template.events:
        event_input = json.loads(row["input"].render(mapping))
        digest = state_digest(row["state"].render(mapping))
        occurred_at = row["occurred_at"]
        hash_ = event_hash(
            previous,
            reference,
            row["sequence"],
            row["type"],
            row["actor"],
            occurred_at.isoformat(),
            event_input,
            digest,
        )
        events.append(
            dict(
                row,
                id=ids.take("workflow_events"),
                claim_id=claim_id,
                input=event_input,
                result=json.loads(row["result"].render(mapping)),
                state_digest=digest,
                previous_hash=previous,
                hash=hash_,
            )
        )
        previous = hash_
    snapshot = template.snapshot.render(mapping)
    instance = dict(
        template.instance,
        id=ids.take("workflow_instances"),
        claim_id=claim_id,
        snapshot=snapshot,
        state_digest=state_digest(snapshot),
        process_data=json.loads(template.process_data.render(mapping)),
        last_event_hash=previous,
    )
    letters, letter_ids = [], {}
    for row in template.letters:
        letter_ids[row["id"]] = ids.take("letters")
        letter = dict(row, id=letter_ids[row["id"]], claim_id=claim_id)
        letter["reissue_of_id"] = letter_ids.get(row["reissue_of_id"]) if row["reissue_of_id"] else None
        if row["number"]:
            letter["number"] = f"VCF-L-{fund_date(row['issued_at']).year}-{letter['id']:07d}"
        if row["pdf"] is not None:
            letter["sha256"] = hashlib.sha256(row["pdf"]).hexdigest()
        letters.append(letter)
    return {
        "claimants": [claimant],
        "claims": [claim],
        "workflow_instances": [instance],
        "workflow_events": events,
        "human_tasks": [dict(row, id=mapping[row["id"]], claim_id=claim_id) for row in template.tasks],
        "timers": [dict(row, id=mapping[row["id"]], claim_id=claim_id) for row in template.timers],
        "letters": letters,
    }


# --- the whole fill -----------------------------------------------------------------------------------

TABLE_ORDER = (
    "claimants",
    "claims",
    "workflow_instances",
    "workflow_events",
    "human_tasks",
    "timers",
    "letters",
)
INTEGER_KEYED = ("claimants", "claims", "workflow_instances", "workflow_events", "letters")


@dataclass
class FillResult:
    """What :func:`fill_claims` made."""

    references: list[str] = field(default_factory=list)
    templates: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    template_seconds: float = 0.0
    clone_seconds: float = 0.0
    seal_seconds: float = 0.0


def _next_ids() -> _Ids:
    from fund.extensions import db

    return _Ids(
        {name: (db.session.scalar(text(f"SELECT max(id) FROM {name}")) or 0) + 1 for name in INTEGER_KEYED}
    )


def _reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences: move them past the ids written here."""
    from fund.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in INTEGER_KEYED:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
        )


def _batches(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(count, start + size))


def fill_claims(
    count: int,
    states: tuple[str, ...] | None = None,
    templates: int = 300,
    now: datetime | None = None,
    seal: bool = True,
    batch: int = 500,
    echo: Callable[[str], None] = print,
) -> FillResult:
    """Add ``count`` verifiable claims to the database of the current application context.

    ``states`` restricts the claims to scenarios ending in those statuses (e.g. ``("approved",)``
    for claims awaiting payment); templates that a due timer moved elsewhere are kept (they are
    real claims) but not cloned. ``templates`` claims go through the services, the rest are clones.
    With ``seal``, the history is sealed at the end, as the daily seal does. Commits per batch.
    """
    from fund.audit.seals import seal_history
    from fund.common.system import system_user
    from fund.common.time import utc_now
    from fund.extensions import db
    from fund.models import Claim

    now = now or utc_now()
    scenarios = SCENARIOS if states is None else tuple(s for s in SCENARIOS if s.expected in states)
    if not scenarios:
        known = sorted({s.expected for s in SCENARIOS})
        raise ValueError(f"states: none of {list(states or ())} is one of {known}")
    logging.getLogger("fund").setLevel(logging.WARNING)
    result = FillResult()
    began = time.perf_counter()
    prepare_database(now)
    result.references = run_templates(min(templates, count), now, scenarios)
    result.templates = len(result.references)
    result.template_seconds = time.perf_counter() - began
    echo(f"{result.templates} template claims through the services in {result.template_seconds:.0f} s")

    began = time.perf_counter()
    loaded = [load_template(reference) for reference in result.references]
    sources = [t for t in loaded if states is None or t.claim["status"] in states]
    if not sources and count > result.templates:
        raise RuntimeError(f"no template ended in {states}: nothing to clone")
    ids = _next_ids()
    tables = {table.name: table for table in db.metadata.sorted_tables}
    clones = count - result.templates
    for numbers in _batches(clones, batch):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
        for number in numbers:
            made = clone_rows(sources[number % len(sources)], result.templates + number, ids)
            for name in TABLE_ORDER:
                rows[name] += made[name]
            result.references.append(made["claims"][0]["reference"])
        for name in TABLE_ORDER:
            if rows[name]:
                db.session.execute(tables[name].insert(), rows[name])
        db.session.commit()
        if numbers.stop % (batch * 20) == 0 or numbers.stop == clones:
            elapsed = time.perf_counter() - began
            echo(f"  {numbers.stop} clones written ({numbers.stop / elapsed:.0f}/s)")
    _reset_sequences()
    db.session.commit()
    result.clone_seconds = time.perf_counter() - began

    if seal:
        began = time.perf_counter()
        sealed = seal_history(now, system_user())
        result.seal_seconds = time.perf_counter() - began
        echo(f"sealed {sealed.claim_count} claims as seal #{sealed.sequence} in {result.seal_seconds:.1f} s")
    result.by_status = dict(
        db.session.execute(
            select(Claim.status, func.count()).group_by(Claim.status).order_by(Claim.status)
        ).all()
    )
    return result


def open_database(url: str, fresh: bool = False):
    """An application on ``url``, migrated (its tables dropped first with ``fresh``)."""
    from flask_migrate import upgrade

    from fund import create_app
    from fund.extensions import drop_every_table

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if fresh:
            drop_every_table()
        upgrade(directory=app.extensions["migrate"].directory)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--claims", type=int, default=1000, help="how many claims to add (default 1000)")
    parser.add_argument("--state", action="append", help="only claims ending in this status (repeatable)")
    parser.add_argument("--templates", type=int, default=300, help="claims run through the services")
    parser.add_argument("--batch", type=int, default=500, help="clones per transaction")
    parser.add_argument("--fresh", action="store_true", help="drop every table first")
    parser.add_argument("--no-seal", action="store_true", help="do not seal the history at the end")
    args = parser.parse_args(argv)
    if args.claims < 1 or args.templates < 1 or args.batch < 1:
        parser.error("--claims, --templates and --batch must be at least 1")
    app = open_database(args.database, args.fresh)
    with app.app_context():
        try:
            result = fill_claims(
                args.claims,
                tuple(args.state) if args.state else None,
                args.templates,
                seal=not args.no_seal,
                batch=args.batch,
            )
        except ValueError as error:
            parser.error(str(error))
    print(
        f"{len(result.references)} claims added ({result.templates} through the services in "
        f"{result.template_seconds:.0f} s, {len(result.references) - result.templates} clones in "
        f"{result.clone_seconds:.0f} s)"
    )
    print("claims by status: " + ", ".join(f"{status} {n}" for status, n in result.by_status.items()))


if __name__ == "__main__":
    sys.exit(main())
