"""``/metrics`` for Prometheus: who may scrape it, each request timed, and the figures read from the
database at scrape time.

Not public: a scrape is answered when it carries ``Authorization: Bearer <FUND_METRICS_TOKEN>`` or
comes from an address in ``FUND_METRICS_ALLOW`` (CIDRs, comma-separated: the address the
application sees, after ``FUND_PROXY_COUNT``'s proxies); anything else gets a 404, as if there
were no such page. With neither set, nobody may scrape. Never rate-limited.

The database's figures are cheap queries through the indexes the worklist and the worker already
use (open tasks, due timers and letters, unsent messages, the newest seal and heartbeats): a few
milliseconds whatever the number of claims. One grows with every claim ever made: claims by status,
a count over the index ``ix_claims_status_category`` (an index-only scan on PostgreSQL). Measured
on 1,000,000 rows on a 2-CPU machine: 0.14 s, more when autovacuum lags behind the claims' updates
(the scan then reads table pages too). Scrape every 30 s or slower; should that be too much, the
figure could come from the dashboard's counts the worker keeps (``dashboard_counts``, up to five
minutes old) instead.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime

from flask import Flask, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from fund.common.metrics import record_request
from fund.common.time import utc_now
from fund.extensions import db
from fund.models import Claim, HumanTask, Letter, Notification, Seal, Timer, WorkerHeartbeat

from .settings import heartbeat_seconds, setting

log = logging.getLogger(__name__)

# The outbox's states worth watching: waiting, being sent, failed (retry scheduled), given up.
OUTBOX_STATES = ("queued", "sending", "failed", "given_up")
# The text format every Prometheus reads (the fund's names and labels need nothing newer).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_STARTED = "fund.request_started"  # the WSGI environ key of a request's start (perf_counter)


# --- who may scrape --------------------------------------------------------------------------------


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for text in (setting("FUND_METRICS_ALLOW") or "").split(","):
        if text.strip():
            try:
                networks.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError:  # a typo must not open the page: that entry allows nobody
                log.warning("FUND_METRICS_ALLOW: %r is not an address or a network (CIDR); ignored", text)
    return networks


def may_scrape() -> bool:
    """The request carries the metrics token, or comes from an allowed network."""
    token = setting("FUND_METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


# --- every request, timed ----------------------------------------------------------------------------


def init_request_metrics(app: Flask) -> None:
    """Time every request from before the first ``before_request`` hook (CSRF, sign-in) to its answer."""

    def start_clock() -> None:
        request.environ[_STARTED] = time.perf_counter()

    def count_answer(response):
        started = request.environ.get(_STARTED)
        seconds = time.perf_counter() - started if started is not None else 0.0
        rule = request.url_rule.rule if request.url_rule is not None else None
        record_request(rule, request.method, response.status_code, seconds)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start_clock)
    app.after_request(count_answer)


# --- the database's figures, read at scrape time ----------------------------------------------------


class DatabaseFigures:
    """A collector (prometheus-client) reading the fund's figures from the database when scraped."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("fund_database_up", "1 when the figures below could be read from the database")
        try:
            figures = list(self._figures())
        except Exception:  # noqa: BLE001 - a scrape answers even when the database does not
            db.session.rollback()
            log.warning("reading the figures for /metrics failed", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        finally:
            db.session.rollback()  # read only: end the transaction
        up.add_metric([], 1)
        yield up
        yield from figures

    def _by(self, name: str, documentation: str, label: str, rows, every: tuple[str, ...] = ()) -> Metric:
        family = GaugeMetricFamily(name, documentation, labels=[label])
        counts = {code: 0 for code in every}
        counts.update({str(code): count for code, count in rows})
        for code, count in sorted(counts.items()):
            family.add_metric([code], count)
        return family

    def _figures(self) -> Iterator[Metric]:
        now, session = self.now, db.session
        yield self._by(
            "fund_claims", "Claims by status", "status",
            session.execute(select(Claim.status, func.count()).group_by(Claim.status)),
        )  # fmt: skip
        open_tasks = (
            select(HumanTask.role, func.count()).where(HumanTask.state == "open").group_by(HumanTask.role)
        )
        waiting = dict(session.execute(open_tasks).all())
        overdue = dict(session.execute(open_tasks.where(HumanTask.due_at < now)).all())
        roles = tuple(waiting)
        yield self._by(
            "fund_tasks_waiting", "Open tasks on the worklist, by role", "role", waiting.items(), roles
        )
        yield self._by(
            "fund_tasks_overdue", "Open tasks past their due date, by role", "role", overdue.items(), roles
        )
        yield _gauge(
            "fund_timers_due", "Timers due that no worker has fired yet",
            session.scalar(select(func.count()).select_from(Timer).where(Timer.due_at <= now)),
        )  # fmt: skip
        yield _gauge(
            "fund_letters_due", "Letters made due and not issued yet",
            session.scalar(select(func.count()).select_from(Letter).where(Letter.status == "due")),
        )  # fmt: skip
        yield self._by(
            "fund_outbox_messages",
            "Messages to claimants not sent: queued, being sent, failed (tried again later), given up",
            "state",
            session.execute(
                select(Notification.state, func.count())
                .where(Notification.state.in_(OUTBOX_STATES))
                .group_by(Notification.state)
            ),
            OUTBOX_STATES,
        )
        oldest_due = session.scalar(
            select(func.min(Notification.next_attempt_at)).where(Notification.state.in_(("queued", "failed")))
        )
        yield _gauge(
            "fund_outbox_oldest_due_age_seconds",
            "How long the message due longest has waited to be sent (0: none is due)",
            _age(now, oldest_due) if oldest_due is not None else 0,
        )
        last_seal = session.scalar(select(Seal.sealed_at).order_by(Seal.sequence.desc()).limit(1))
        if last_seal is not None:  # no seal yet: no sample (alert on absent(...))
            yield _gauge(
                "fund_last_seal_age_seconds", "Age of the newest seal of the history", _age(now, last_seal)
            )
        beats = session.execute(
            select(WorkerHeartbeat.last_round_started_at, WorkerHeartbeat.last_round_finished_at)
        ).all()
        ages = [_age(now, max(m for m in beat if m is not None)) for beat in beats]
        if ages:  # no worker ever ran: no sample
            yield _gauge(
                "fund_worker_heartbeat_age_seconds",
                "Age of the newest worker heartbeat (a round started or finished)",
                min(ages),
            )
        limit = heartbeat_seconds()
        yield _gauge(
            "fund_workers_alive",
            "Workers whose heartbeat is younger than FUND_READY_HEARTBEAT_SECONDS",
            sum(1 for age in ages if age <= limit),
        )


def _age(now: datetime, moment: datetime) -> float:
    return max(0.0, (now - moment).total_seconds())


def _gauge(name: str, documentation: str, value: float | None) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value or 0)
    return family


class _Scrape:
    """What one scrape shows: the counters of this process (or, in multiprocess mode, of every
    process sharing ``PROMETHEUS_MULTIPROC_DIR``) and the database's figures."""

    def __init__(self, *collectors) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition() -> bytes:
    """The text Prometheus reads (format 0.0.4)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(_Scrape(processes, DatabaseFigures(utc_now())))
