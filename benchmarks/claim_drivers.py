"""Drivers that move claims along the claim paths (claim_paths.py) at each level the benchmark compares.

A step (a user task completed or a message delivered) is one engine command, and one transaction
at the services level. Every driver turns a start or a step into a command (a function of no
arguments) so that the caller can time exactly the command and nothing around it: finding the
ready task's id, for instance, is done before.

  bare/spiff-json    SpiffWorkflow alone, its own BpmnWorkflowSerializer with the spec in every
                     snapshot (what a naive integration stores)
  bare/snapshot      SpiffWorkflow alone, our spec-less snapshot (workflows.serialization)
  engine             workflows.engine commands on snapshots (forms, four eyes, outcome, digest)
  services/...       fund.services on a database: one transaction per command, with the history,
                     the projections and any letter the process makes due (a PDF) written in it
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from claim_paths import MCI_RATES, T0, USERS, Action, claim_body, claim_facts
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select, text

from workflows import engine
from workflows.clock import command_scope
from workflows.engine import CommandContext, Outcome
from workflows.serialization import SCRIPT_ENGINE, dump_snapshot, load_snapshot
from workflows.specs import ProcessSpec
from workflows.warm import WarmWorkflows

# --- the drivers -----------------------------------------------------------------------------

Command = Callable[[], Any]  # the timed part of a start or a step; returns the claim's new handle


@dataclass
class Meter:
    """Where a driver's time went, as far as it can tell (only the services driver measures)."""

    engine_seconds: float = 0.0  # inside workflows.engine commands
    sql_seconds: float = 0.0  # inside the database driver's execute (client and server)
    statements: int = 0  # SQL statements sent

    def since(self, before: Meter) -> Meter:
        return Meter(
            self.engine_seconds - before.engine_seconds,
            self.sql_seconds - before.sql_seconds,
            self.statements - before.statements,
        )

    def add(self, other: Meter) -> None:
        self.engine_seconds += other.engine_seconds
        self.sql_seconds += other.sql_seconds
        self.statements += other.statements


class Driver:
    """Moves claims at one level. ``start`` and ``step`` return the command to time."""

    name = ""

    def __init__(self) -> None:
        self.meter = Meter()

    def activate(self) -> None:
        """Make the driver ready to run (drivers take turns, so that drift spreads over all)."""

    def deactivate(self) -> None:
        """Undo :meth:`activate`."""

    def start(self, number: int, at: datetime) -> Command:
        raise NotImplementedError

    def step(self, claim: Any, action: Action, at: datetime) -> Command:
        raise NotImplementedError

    def snapshot_size(self, claim: Any) -> int:
        """Bytes of the claim's stored state."""
        raise NotImplementedError

    def is_closed(self, claim: Any) -> bool:
        """Whether the claim's process has ended (both paths end with the claim paid)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the driver holds."""


@dataclass(frozen=True)
class BareClaim:
    """A claim in the bare loop: its serialized workflow and the task id counter of our clock."""

    key: str
    snapshot: str
    next_task_number: int


class BareLoop(Driver):
    """SpiffWorkflow alone: restore, run the step and the engine steps, serialize; every step.

    workflows.clock replaces SpiffWorkflow's time and task ids, so the loop runs inside
    ``command_scope`` and carries the id counter from step to step, as the engine does.
    """

    def __init__(self, name: str, process: ProcessSpec, spec_in_snapshot: bool) -> None:
        super().__init__()
        self.name, self.process, self.spec_in_snapshot = name, process, spec_in_snapshot
        registry = BpmnWorkflowSerializer.configure(deepcopy(SPIFF_CONFIG))
        registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
        registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
        self.serializer = BpmnWorkflowSerializer(registry)

    def _dump(self, workflow: BpmnWorkflow) -> str:
        if self.spec_in_snapshot:
            return self.serializer.serialize_json(workflow)
        return dump_snapshot(workflow, {})

    def _load(self, snapshot: str) -> BpmnWorkflow:
        if self.spec_in_snapshot:
            workflow = self.serializer.deserialize_json(snapshot)
            workflow.script_engine = SCRIPT_ENGINE
            return workflow
        return load_snapshot(snapshot, self.process.spec, self.process.subprocess_specs)[0]

    def start(self, number: int, at: datetime) -> Command:
        def start() -> BareClaim:
            key = f"VCF-2026-{number:06d}"
            with command_scope(at, key, 0, MCI_RATES) as scope:
                workflow = BpmnWorkflow(
                    self.process.spec, self.process.subprocess_specs, script_engine=SCRIPT_ENGINE
                )
                workflow.get_next_task(state=TaskState.READY).data.update(claim_facts())
                workflow.refresh_timers()
                workflow.do_engine_steps()
                return BareClaim(key, self._dump(workflow), scope.next_task_number)

        return start

    def step(self, claim: BareClaim, action: Action, at: datetime) -> Command:
        def step() -> BareClaim:
            with command_scope(at, claim.key, claim.next_task_number, MCI_RATES) as scope:
                workflow = self._load(claim.snapshot)
                if action.kind == "complete":
                    (task,) = [
                        t
                        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.name in action.names
                    ]
                    task.set_data(**deepcopy(action.data))
                    task.run()
                else:
                    workflow.catch(BpmnEvent(MessageEventDefinition(action.names[0]), dict(action.data)))
                workflow.refresh_timers()
                workflow.do_engine_steps()
                return BareClaim(claim.key, self._dump(workflow), scope.next_task_number)

        return step

    def snapshot_size(self, claim: BareClaim) -> int:
        return len(claim.snapshot.encode())

    def is_closed(self, claim: BareClaim) -> bool:
        with command_scope(T0, claim.key, claim.next_task_number, MCI_RATES):
            return self._load(claim.snapshot).completed


@dataclass(frozen=True)
class EngineClaim:
    key: str
    outcome: Outcome


class EngineDriver(Driver):
    """workflows.engine commands on snapshots, no database; with ``warm``, each claim's workflow
    stays live between its commands (workflows.warm), as the services keep it."""

    def __init__(self, process: ProcessSpec, warm: bool = False) -> None:
        super().__init__()
        self.process = process
        self.name = "engine/warm" if warm else "engine"
        self.warm = WarmWorkflows(capacity=1024) if warm else None

    def start(self, number: int, at: datetime) -> Command:
        key = f"VCF-2026-{number:06d}"
        ctx = CommandContext("portal", at, MCI_RATES, warm=self.warm)
        return lambda: EngineClaim(key, engine.start(self.process, key, claim_facts(), ctx))

    def step(self, claim: EngineClaim, action: Action, at: datetime) -> Command:
        ctx = CommandContext(USERS[action.actor][0], at, MCI_RATES, warm=self.warm)
        state = claim.outcome.state
        if action.kind == "deliver":
            return lambda: EngineClaim(
                claim.key,
                engine.deliver_message(self.process, state, action.names[0], dict(action.data), ctx),
            )
        (task,) = [t for t in claim.outcome.ready_tasks if t.name in action.names]
        observed = {"prior_claims": "none"}  # what the services find for a victim's only claim

        def complete() -> EngineClaim:
            data = deepcopy(action.data)
            outcome = engine.complete_task(self.process, state, task.id, data, ctx, observed)
            return EngineClaim(claim.key, outcome)

        return complete

    def snapshot_size(self, claim: EngineClaim) -> int:
        return len(claim.outcome.state.encode())

    def is_closed(self, claim: EngineClaim) -> bool:
        return claim.outcome.completed and claim.outcome.status == "paid"


class ServicesDriver(Driver):
    """fund.services on a database: submit_claim, complete_task, deliver_message; a transaction each.

    While active, the engine commands the services call are wrapped with a stopwatch, and SQL
    statements are counted and timed, so that a step's time splits into engine, SQL and the rest.
    The database is emptied and migrated first; the process is deployed and the users created.
    """

    ENGINE_COMMANDS = ("start", "complete_task", "deliver_message")

    def __init__(self, name: str, url: str) -> None:
        from flask_migrate import upgrade

        from fund import create_app
        from fund.claims.process_versions import deploy_process
        from fund.common.users import create_user
        from fund.extensions import db, drop_every_table

        super().__init__()
        self.name, self.db = name, db
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        self._engine_commands = {name: getattr(engine, name) for name in self.ENGINE_COMMANDS}
        with self.app.app_context():
            drop_every_table()
            upgrade(directory=self.app.extensions["migrate"].directory)
            logging.getLogger("alembic").setLevel(logging.WARNING)
            deploy_process("benchmark", T0 - timedelta(days=7))
            for username, roles in USERS.values():
                create_user(username, "benchmark password", roles, T0 - timedelta(days=7))
            self.round_trip, self.one_row_commit = _database_floor(db)
            event.listen(db.engine, "before_cursor_execute", self._before_statement)
            event.listen(db.engine, "after_cursor_execute", self._after_statement)
            db.session.remove()

    def activate(self) -> None:
        from fund.models import User

        self.context = self.app.app_context()
        self.context.push()
        self.users = {
            actor: self.db.session.scalar(select(User).where(User.username == username))
            for actor, (username, _) in USERS.items()
        }
        for name, command in self._engine_commands.items():
            setattr(engine, name, self._timed(command))

    def deactivate(self) -> None:
        for name, command in self._engine_commands.items():
            setattr(engine, name, command)
        self.db.session.remove()
        self.context.pop()

    def _before_statement(self, *_: Any) -> None:
        self._statement_began = time.perf_counter()

    def _after_statement(self, *_: Any) -> None:
        self.meter.statements += 1
        self.meter.sql_seconds += time.perf_counter() - self._statement_began

    def _timed(self, command: Callable[..., Outcome]) -> Callable[..., Outcome]:
        def timed(*args: Any, **kwargs: Any) -> Outcome:
            began = time.perf_counter()
            try:
                return command(*args, **kwargs)
            finally:
                self.meter.engine_seconds += time.perf_counter() - began

        return timed

    def start(self, number: int, at: datetime) -> Command:
        from fund.claims.submission import submit_claim

        body = claim_body()
        # A criminal case of its own: compensation is paid once per victim and case (Art. 6).
        body["crime"]["erdr_number"] = f"2617500{number % 10**8:08d}"
        return lambda: submit_claim(body, at).reference

    def step(self, claim: str, action: Action, at: datetime) -> Command:
        from fund.claims.messages import deliver_message
        from fund.claims.tasks import complete_task
        from fund.models import Claim, HumanTask

        user = self.users[action.actor]
        if action.kind == "deliver":

            def deliver() -> str:
                deliver_message(user, claim, action.names[0], dict(action.data), at)
                return claim

            return deliver
        task_id = self.db.session.scalar(  # the worklist query: not timed
            select(HumanTask.id)
            .join(Claim, HumanTask.claim_id == Claim.id)
            .where(Claim.reference == claim, HumanTask.state == "open", HumanTask.name.in_(action.names))
        )

        def complete() -> str:
            complete_task(user, task_id, deepcopy(action.data), at)
            return claim

        return complete

    def snapshot_size(self, claim: str) -> int:
        from fund.models import Claim, WorkflowInstance

        snapshot = self.db.session.scalar(
            select(WorkflowInstance.snapshot).join(Claim).where(Claim.reference == claim)
        )
        return len(snapshot.encode())

    def is_closed(self, claim: str) -> bool:
        from fund.models import Claim

        return self.db.session.scalar(select(Claim.status).where(Claim.reference == claim)) == "paid"

    def close(self) -> None:
        with self.app.app_context():
            event.remove(self.db.engine, "before_cursor_execute", self._before_statement)
            event.remove(self.db.engine, "after_cursor_execute", self._after_statement)
            self.db.engine.dispose()


def _database_floor(db, repeat: int = 300) -> tuple[float, float]:
    """Seconds for one ``SELECT 1``, and for a one-row UPDATE committed: the least a step can cost.

    The update really changes the row (SQLite skips writing a row set to its own value), by one
    tenge up and then down again, so that the table ends as it began: ``repeat`` is even.
    """
    with db.engine.connect() as connection:
        began = time.perf_counter()
        for _ in range(repeat):
            connection.execute(text("SELECT 1")).scalar()
        round_trip = (time.perf_counter() - began) / repeat
        connection.commit()
        began = time.perf_counter()
        for number in range(repeat + repeat % 2):
            change = 1 if number % 2 == 0 else -1
            connection.execute(
                text("UPDATE mci_rates SET amount_kzt = amount_kzt + :change WHERE id = 1"),
                {"change": change},
            )
            connection.commit()
        return round_trip, (time.perf_counter() - began) / (repeat + repeat % 2)
