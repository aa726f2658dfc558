"""The command scope: the only source of time and identity inside a workflow.

SpiffWorkflow takes three things from the machine: timer events call ``datetime.now``, every
task records ``time.time()`` when its state changes, and every task gets a random ``uuid4``.
For replay to reproduce each recorded state exactly, the engine never reads the wall clock
and never draws random ids: inside :func:`command_scope` all three come from the command
(its recorded time, and ids derived from the instance's key and a counter kept in its state).
Outside a command, asking SpiffWorkflow for the time is an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from types import SimpleNamespace
from uuid import UUID

from SpiffWorkflow import task as _spiff_task
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class ClockNotSet(RuntimeError):
    """Raised when workflow code asks for the time outside an engine command."""


Rates = tuple[tuple[date, int], ...]


@dataclass
class _Scope:
    now: datetime
    instance_key: str
    next_task_number: int
    rates_source: Rates | Callable[[], Rates] = ()
    mci_rates_read: bool = False
    _rates: Rates | None = None

    @property
    def mci_rates(self) -> Rates:
        """The command's MCI rates, oldest first (loaded on first use when given as a function)."""
        if self._rates is None:
            source = self.rates_source() if callable(self.rates_source) else self.rates_source
            self._rates = tuple(sorted(source))
        return self._rates


_scope: ContextVar[_Scope | None] = ContextVar("engine_command_scope", default=None)


def _current_scope() -> _Scope:
    scope = _scope.get()
    if scope is None:
        raise ClockNotSet("the engine read the clock outside a command; pass the time to the command")
    return scope


def current_time() -> datetime:
    """The time of the command being applied (timezone-aware, UTC)."""
    return _current_scope().now


@contextmanager
def command_scope(
    now: datetime,
    instance_key: str = "",
    next_task_number: int = 0,
    mci_rates: Rates | Callable[[], Rates] = (),
) -> Iterator[_Scope]:
    """Run the enclosed engine work at ``now``, numbering new tasks from ``next_task_number``.

    ``mci_rates`` are the command's reference data: (effective date, tenge) pairs that the
    process reads through ``mci_on``. They are recorded with the command, so a replay uses the
    rates the original run used even if the table was corrected later. They may be given as a
    function, called only if the process reads them (most commands do not: no query for them).

    The scope object is yielded so that the caller can read back the counter after the work.
    """
    if now.tzinfo is None:
        raise ValueError("engine time must be timezone-aware")
    scope = _Scope(now.astimezone(UTC), instance_key, next_task_number, mci_rates)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def engine_time(now: datetime):  # noqa: ANN201 - a context manager
    """Evaluate scripts or timers at ``now`` without creating tasks (tests, previews)."""
    return command_scope(now)


def current_mci_rates() -> tuple[tuple[date, int], ...]:
    """The MCI rates given to the command being applied, oldest first.

    The scope remembers that they were read, so that the command's record keeps the rates
    only when the process used them.
    """
    scope = _current_scope()
    scope.mci_rates_read = True
    return scope.mci_rates


def _next_task_id() -> UUID:
    scope = _current_scope()
    number = scope.next_task_number
    scope.next_task_number += 1
    digest = hashlib.sha256(f"{scope.instance_key}:{number}".encode()).digest()
    return UUID(bytes=digest[:16], version=4)


class _EngineDatetime(datetime):
    """``datetime`` whose ``now`` is the command's time, never the wall clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        now = current_time()
        return now.astimezone(tz) if tz is not None else now.replace(tzinfo=None)


_spiff_timer.datetime = _EngineDatetime
_spiff_task.uuid4 = _next_task_id
_spiff_task.time = SimpleNamespace(time=lambda: current_time().timestamp())
