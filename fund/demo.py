"""Demo data: one user per role (two finance officers, for four eyes) and about twenty claims in
every state of the process, paid through payout batches, one with a recourse case.

Everything goes through the same services as real work, at times in the recent past, so the
demo claims have real histories that replay. Loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from fund.admin.contact_points import save_contact_point
from fund.claims import messages, tasks, timers
from fund.claims import submission as claims
from fund.common import users
from fund.common.time import utc_now
from fund.common.validation import iin_check_digit

from .demo_crisis_centres import load_crisis_centres
from .demo_payouts import Payout, Recourse, pay_batch, record_recourse
from .extensions import db
from .models import Claimant, ContactPoint, HumanTask, User

DEMO_EMAIL_DOMAIN = "demo.fund.invalid"
DEMO_USERS = [
    ("intake", "Dana Intake", ["intake"]),
    ("reviewer", "Rustam Reviewer", ["reviewer"]),
    ("reviewer2", "Saule Reviewer", ["reviewer"]),
    ("approver", "Arman Approver", ["approver"]),
    ("finance", "Farida Finance", ["finance"]),
    ("finance2", "Fatima Finance", ["finance"]),
    ("auditor", "Aidos Auditor", ["auditor"]),
    ("admin", "Asel Admin", ["admin"]),
    ("supervisor", "Saltanat Supervisor", ["supervisor"]),
]


def demo_password(username: str) -> str:
    """Demo passwords are fixed and printed: a demo database must never hold real claims."""
    return f"demo-{username}-2026"


def _iin(birth: date, serial: int) -> str:
    """A valid IIN for a demo person born on ``birth`` (the next serial that has a check digit)."""
    century = {19: 3, 20: 5}[birth.year // 100]
    while (check := iin_check_digit(f"{birth:%y%m%d}{century}{serial:04d}")) is None:
        serial += 1
    return f"{birth:%y%m%d}{century}{serial:04d}{check}"


def _body(
    number: int,
    name: str,
    language: str,
    article: str,
    part: str,
    harm: str,
    role: str = "victim",
    victim_birth: date | None = None,
    recognized_days_ago: int = 200,
    submitted: datetime | None = None,
    paragraph: int | None = None,
    by_criminal_group: bool | None = None,
) -> dict[str, Any]:
    birth = date(1985 + number % 15, 1 + number % 12, 1 + number % 27)
    recognized = (submitted.date() if submitted else date.today()) - timedelta(days=recognized_days_ago)
    body: dict[str, Any] = {
        "claimant": {
            "full_name": name,
            "iin": _iin(birth, 100 + number),
            "birth_date": birth.isoformat(),
            "phone": f"+7 701 555 {number:02d} {number:02d}",
            "email": f"claimant{number}@{DEMO_EMAIL_DOMAIN}",
            "language": language,
            "iban": "KZ86125KZT5004100100",
        },
        "role": role,
        "crime": {
            "erdr_number": f"25175001{number:07d}",
            "article": article,
            "part": part,
            "paragraph": paragraph,
            "by_criminal_group": by_criminal_group,
            "committed_on": (recognized - timedelta(days=30)).isoformat(),
            "recognized_on": recognized.isoformat(),
            "harm": harm,
            "deadline_restored_by_court": False,
        },
        "consent": True,
    }
    if role != "victim":
        vbirth = victim_birth or date(2012, 3, 4)
        body["victim"] = {
            "full_name": f"Victim of claim {number}",
            "iin": _iin(vbirth, 500 + number),
            "birth_date": vbirth.isoformat(),
        }
    return body


class _Driver:
    """Moves a demo claim through its process as the demo officers would, on its own clock."""

    def __init__(self, reference: str, start: datetime, steps: list):
        self.reference = reference
        self.now = start
        self.steps = list(steps)
        self.staff = {u.username: u for u in db.session.scalars(select(User))}

    def later(self, days: float = 1) -> datetime:
        self.now += timedelta(days=days)
        return self.now

    def task(self, reference: str) -> HumanTask:
        return db.session.scalar(
            select(HumanTask)
            .join(HumanTask.claim)
            .where(HumanTask.state == "open", HumanTask.claim.has(reference=reference))
        )

    def complete(self, reference: str, username: str, data: dict[str, Any], days: float = 1) -> None:
        tasks.complete_task(self.staff[username], self.task(reference).id, data, self.later(days))

    def message(
        self, reference: str, username: str, name: str, payload: dict[str, Any], days: float = 1
    ) -> None:
        messages.deliver_message(self.staff[username], reference, name, payload, self.later(days))

    def run_until_payout(self) -> Payout | None:
        """Take the claim's steps up to its next payment (returned, still to do) or to its end."""
        while self.steps:
            step = self.steps[0]
            if isinstance(step, Payout):
                return step
            self.steps.pop(0)
            if isinstance(step, Recourse):
                record_recourse(self, step)
            elif step[0] == "message":
                _, username, name, payload = step
                self.message(self.reference, username, name, payload, days=0.5)
            else:
                _, username, data = step
                self.complete(self.reference, username, data, days=0.5)
        return None


REVIEW_OK = {"recommendation": "approve"}
TORTURE_REVIEW_OK = {"recommendation": "approve", "prosecutor_office": "Prosecutor's office of Almaty"}
REJECT = {"recommendation": "reject", "reasons": ["crime_not_covered"]}


def _scenarios() -> list[tuple[str, dict[str, Any], list[tuple]]]:
    """(state it ends in, claim facts, steps) for each demo claim."""
    done = ("intake_check", "intake", {"documents_complete": True})
    missing = (
        "intake_check",
        "intake",
        {"documents_complete": False, "missing_documents": ["forensic_medical_report"]},
    )
    approve = ("approval", "approver", {"decision": "approve"})
    reject = ("approval", "approver", {"decision": "reject", "reasons": ["crime_not_covered"]})
    # Claims 9-11 are paid in one batch; claim 19 failed in an older batch, then was paid in the next.
    paid, failed = Payout("recent"), Payout("recent", reason="account closed")
    convicted = Recourse(
        offenders=(
            ("Серік Жұмабеков", _iin(date(1988, 2, 3), 700)),
            ("Тимур Ахметов", _iin(date(1991, 9, 14), 710)),
        ),
        recovered_kzt=60_000,
    )
    t = dict(article="146", part="3", harm="none")
    return [
        ("submitted", dict(name="Айгүл Сәрсенова", language="kk", **t), []),
        ("submitted", dict(name="Ержан Төлеуов", language="kk", article="128", part="1", harm="none"), []),
        (
            "documents_requested",
            dict(
                name="Марина Ким",
                language="ru",
                article="106",
                part="1",
                by_criminal_group=True,
                harm="grave_harm",
            ),
            [missing],
        ),
        (
            "under_review",
            dict(name="Нурлан Абенов", language="ru", article="128", part="2", harm="none"),
            [done],
        ),
        (
            "under_review",
            dict(
                name="Sofia Petrova",
                language="en",
                article="106",
                part="1",
                by_criminal_group=True,
                harm="hiv_infection",
            ),
            [done],
        ),
        (
            "awaiting_approval",
            dict(
                name="Гүлнар Жақсыбекова",
                language="kk",
                article="120",
                part="3-1",
                paragraph=1,
                harm="none",
                role="representative",
            ),
            [done, ("review", "reviewer", REVIEW_OK)],
        ),
        (
            "awaiting_approval",
            dict(name="Олег Смирнов", language="ru", article="146", part="1", harm="none"),
            [done, ("review", "reviewer", TORTURE_REVIEW_OK)],
        ),
        (
            "approved",
            dict(name="Бақыт Оспанов", language="kk", **t, days_ago=5),  # decided after the last batch
            [done, ("review", "reviewer", TORTURE_REVIEW_OK), approve],
        ),
        (
            "paid",
            dict(
                name="Самал Мұратқызы",
                language="kk",
                article="111",
                part="2",
                harm="death",
                role="successor",
                victim_birth=date(1970, 5, 6),
            ),
            [done, ("review", "reviewer", REVIEW_OK), approve, paid, convicted],
        ),
        (
            "paid",
            dict(name="Irina Volkova", language="en", article="135", part="1", harm="none"),
            [done, ("review", "reviewer", REVIEW_OK), approve, paid],
        ),
        (
            "payment_failed",
            dict(name="Данияр Сейітов", language="kk", article="128", part="1", harm="none"),
            [done, ("review", "reviewer", REVIEW_OK), approve, failed],
        ),
        (
            "rejected",
            dict(name="Павел Орлов", language="ru", article="190", part="1", harm="none"),
            [done, ("review", "reviewer", REJECT), reject],
        ),
        (
            "reconsideration",
            dict(name="Әлия Қасымова", language="kk", article="190", part="2", harm="none"),
            [
                done,
                ("review", "reviewer", REJECT),
                reject,
                ("message", "intake", "reconsideration_requested", {"grounds": "new medical report"}),
            ],
        ),
        (
            "under_review",
            dict(name="John Miller", language="en", article="128", part="1", harm="none"),
            [
                done,
                ("review", "reviewer", REVIEW_OK),
                ("approval", "approver", {"decision": "return", "comment": "Check the date of recognition."}),
            ],
        ),
        (
            "closed_incomplete",
            dict(
                name="Виктор Ли",
                language="ru",
                article="106",
                part="2",
                by_criminal_group=True,
                harm="grave_harm",
                days_ago=60,
            ),
            [missing],
        ),
        (
            "rejected",
            dict(name="Қанат Бекұлы", language="kk", article="190", part="1", harm="none", days_ago=60),
            [done, ("review", "reviewer", REJECT), reject],
        ),
        (
            "submitted",
            dict(
                name="Elena Sokolova",
                language="ru",
                article="121",
                part="3-1",
                paragraph=1,
                harm="none",
                role="representative",
                victim_birth=date(2011, 7, 8),
            ),
            [],
        ),
        (
            "submitted",
            dict(
                name="Мәдина Әбілова",
                language="kk",
                article="146",
                part="2",
                harm="none",
                recognized_days_ago=4 * 365,
            ),
            [],
        ),
        (
            "paid",
            dict(name="Ахмет Нұров", language="kk", **t, days_ago=40),
            [
                done,
                ("review", "reviewer", TORTURE_REVIEW_OK),
                approve,
                Payout("older", reason="account closed"),
                ("correct_bank_details", "intake", {"iban": "KZ18 722S 0000 1234 5678"}),
                Payout("older, again"),
            ],
        ),
        (
            "documents_requested",
            dict(name="Ludmila Ivanova", language="ru", article="118", part="2", harm="hiv_infection"),
            [missing],
        ),
    ]


def _run(drivers: list[_Driver]) -> list[str]:
    """Take every claim through its steps; claims waiting for payment are paid batch by batch, the
    batch whose claims have waited longest (on their own clocks) first. The batches' references.
    """
    batches = []
    while True:
        waiting: dict[str, list[tuple[_Driver, Payout]]] = {}
        for driver in drivers:
            if payout := driver.run_until_payout():
                waiting.setdefault(payout.batch, []).append((driver, payout))
        if not waiting:
            return batches
        members = min(waiting.values(), key=lambda group: max(driver.now for driver, _ in group))
        batches.append(pay_batch(members))
        for driver, _ in members:
            driver.steps.pop(0)


# Contact points of the fund in three regions: plausible, and marked as demo data in every language
# (the phone numbers end in 00 00, the e-mail domain is .invalid): not the fund's real offices.
DEMO_CONTACT_POINTS = [
    {
        "region_code": "astana",
        "region_kk": "Астана қаласы",
        "region_ru": "город Астана",
        "region_en": "Astana",
        "address_kk": "Астана қ., Мәңгілік Ел даңғылы, 1 (демо-деректер, нақты мекенжай емес)",
        "address_ru": "г. Астана, проспект Мангилик Ел, 1 (демо-данные, не настоящий адрес)",
        "address_en": "1 Mangilik Yel Avenue, Astana (demo data, not a real address)",
        "phone": "+7 7172 00 00 00",
        "email": f"astana@{DEMO_EMAIL_DOMAIN}",
        "hours_kk": "Дүйсенбі–жұма, 09:00–18:00, түскі үзіліс 13:00–14:00",
        "hours_ru": "Понедельник–пятница, 09:00–18:00, перерыв 13:00–14:00",
        "hours_en": "Monday to Friday, 09:00–18:00, lunch break 13:00–14:00",
        "position": "10",
        "active": "on",
    },
    {
        "region_code": "almaty",
        "region_kk": "Алматы қаласы",
        "region_ru": "город Алматы",
        "region_en": "Almaty",
        "address_kk": "Алматы қ., Абай даңғылы, 1 (демо-деректер, нақты мекенжай емес)",
        "address_ru": "г. Алматы, проспект Абая, 1 (демо-данные, не настоящий адрес)",
        "address_en": "1 Abay Avenue, Almaty (demo data, not a real address)",
        "phone": "+7 727 000 00 00",
        "email": f"almaty@{DEMO_EMAIL_DOMAIN}",
        "hours_kk": "Дүйсенбі–жұма, 09:00–18:00",
        "hours_ru": "Понедельник–пятница, 09:00–18:00",
        "hours_en": "Monday to Friday, 09:00–18:00",
        "position": "20",
        "active": "on",
    },
    {
        "region_code": "shymkent",
        "region_kk": "Шымкент қаласы",
        "region_ru": "город Шымкент",
        "region_en": "Shymkent",
        "address_kk": "Шымкент қ., Тәуке хан даңғылы, 1 (демо-деректер, нақты мекенжай емес)",
        "address_ru": "г. Шымкент, проспект Тауке хана, 1 (демо-данные, не настоящий адрес)",
        "address_en": "1 Tauke Khan Avenue, Shymkent (demo data, not a real address)",
        "phone": "+7 7252 00 00 00",
        "email": f"shymkent@{DEMO_EMAIL_DOMAIN}",
        "hours_kk": "Дүйсенбі–жұма, 09:00–18:00",
        "hours_ru": "Понедельник–пятница, 09:00–18:00",
        "hours_en": "Monday to Friday, 09:00–18:00",
        "position": "30",
        "active": "on",
    },
]


def _load_contact_points(admin: User, now: datetime, echo: Callable[[str], None]) -> None:
    """The demo contact points, once, added as the demo administrator adds them."""
    if db.session.scalar(select(func.count()).select_from(ContactPoint)):
        return
    for form in DEMO_CONTACT_POINTS:
        save_contact_point(admin, form, now)
        echo(f"contact point {form['region_code']} (demo data)")


def load_demo(echo: Callable[[str], None] = print) -> None:
    """Create the demo users and claims (once), then fire what is due now."""
    now = utc_now()
    for username, full_name, roles in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            users.create_user(username, demo_password(username), roles, now, full_name)
        echo(f"user {username:<10} password {demo_password(username):<24} roles {', '.join(roles)}")
    _load_contact_points(db.session.scalar(select(User).where(User.username == "admin")), now, echo)
    load_crisis_centres(db.session.scalar(select(User).where(User.username == "admin")), now, echo)
    existing = db.session.scalar(
        select(func.count()).select_from(Claimant).where(Claimant.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
    )
    if existing:
        echo(f"demo claims already loaded ({existing})")
        return
    drivers, lines = [], []
    for number, (expected, facts, steps) in enumerate(_scenarios(), start=1):
        facts = dict(facts)
        days_ago = facts.pop("days_ago", 14)
        start = now - timedelta(days=days_ago)
        submitted = claims.submit_claim(_body(number, submitted=start, **facts), start)
        drivers.append(_Driver(submitted.reference, start, steps))
        lines.append(f"claim {submitted.reference}  access code {submitted.access_code}  {expected}")
    for reference in _run(drivers):
        echo(f"payout batch {reference} exported and settled by the Treasury's status file")
    for line in lines:
        echo(line)
    fired = timers.run_due_timers(now)
    echo(f"fired due timers of {len(fired)} claim(s)")
