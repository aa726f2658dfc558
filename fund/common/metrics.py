"""The fund's Prometheus instruments that code updates as it runs (prometheus-client).

Requests by route and status, engine commands by kind, rate-limit refusals: counted in the process
that does the work. Under gunicorn's several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
directory, the same for every gunicorn process, **before** they start): prometheus-client then
keeps each process's values in files there and ``/metrics`` adds them up. Unset (the quick start),
the values live in this process's memory. The figures read from the database (claims by status,
tasks waiting, the outbox ...) are counted when scraped: :mod:`fund.operations.metrics`.

Labels are codes from fixed sets — a URL rule (``/claims/<reference>``, never the path asked for),
an HTTP method and status, an event type, a rate limit's name — never a claim's reference, a
person's name or identity number, or a username.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Pages and API calls: most answer within 50 ms; an export or a payout file may take seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# One engine command (restore or take warm, run, write): milliseconds, a long history seconds.
COMMAND_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

UNMATCHED_ROUTE = "unmatched"  # a request no URL rule matched (a 404): one label for all of them

http_requests = Counter(
    "fund_http_requests",  # exposed as fund_http_requests_total
    "HTTP requests answered, by URL rule, method and status",
    ("route", "method", "status"),
)
http_request_duration = Histogram(
    "fund_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL rule and method",
    ("route", "method"),
    buckets=REQUEST_BUCKETS,
)
engine_command_duration = Histogram(
    "fund_engine_command_duration_seconds",
    "Time to apply one engine command to a claim and write what it did (not committed), by kind",
    ("kind",),
    buckets=COMMAND_BUCKETS,
)
rate_limit_refusals = Counter(
    "fund_rate_limit_refusals",  # exposed as fund_rate_limit_refusals_total
    "Requests refused by a rate limit, by the limit's name",
    ("limit",),
)


def record_request(route: str | None, method: str, status: int, seconds: float) -> None:
    """One answered request: ``route`` is the URL rule that matched (None: none did)."""
    route = route or UNMATCHED_ROUTE
    http_requests.labels(route, method, str(status)).inc()
    http_request_duration.labels(route, method).observe(seconds)


def record_command(kind: str, seconds: float) -> None:
    """One engine command of ``kind`` (its event type: ``task_completed``, ``timers_fired`` ...)."""
    engine_command_duration.labels(kind).observe(seconds)


def record_rate_limit_refusal(limit_name: str) -> None:
    """A request refused by the limit named ``limit_name`` (``FUND_RATELIMIT_VERIFY``: ``verify``)."""
    rate_limit_refusals.labels(limit_name.removeprefix("FUND_RATELIMIT_").lower()).inc()
