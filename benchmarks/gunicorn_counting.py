"""gunicorn settings for benchmarks/http_load.py: every worker counts what each request costs it.

Per endpoint (the route's rule, with the task's name when the client sends ``X-Bench-Step``) a
worker adds up its requests, the SQL statements they sent, their round trips to the database
(statements, plus the BEGIN and the COMMIT or ROLLBACK of every transaction that sent one) and
the worker's CPU time spent in them. Requests that carry ``X-Bench-Warm-Up`` are not counted.
When the worker exits (gunicorn stopped with SIGTERM) it writes its counts to
``$FUND_BENCH_COUNTS_DIR/<pid>.json``. The product is not changed for this: the hooks below wrap
the application's WSGI callable and listen to SQLAlchemy's events from outside.

Use: ``gunicorn -c benchmarks/gunicorn_counting.py -w 4 wsgi:app`` with FUND_BENCH_COUNTS_DIR set.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

accesslog = None  # gunicorn settings: no access log (writing it is not the product's cost)
loglevel = "warning"

# endpoint -> [requests, statements, round trips, CPU seconds]; each worker has its own copy
_counts: dict[str, list[float]] = {}
_request = {"statements": 0, "transactions": 0, "endpoint": ""}


def _on_begin(connection: Any) -> None:
    connection.info["bench_transaction_unsent"] = True  # psycopg sends BEGIN with the first statement


def _before_statement(connection: Any, *_: Any) -> None:
    _request["statements"] += 1
    if connection.info.pop("bench_transaction_unsent", False):
        _request["transactions"] += 1


def _endpoint(_: BaseException | None = None) -> None:
    """Flask teardown hook: name the request by its route, and the task step the client names."""
    from flask import request

    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    step = request.headers.get("X-Bench-Step")
    _request["endpoint"] = f"{request.method} {rule}" + (f" [{step}]" if step else "")


def post_worker_init(worker: Any) -> None:
    """gunicorn hook, in each worker once the application is loaded: install the counting."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    app = worker.wsgi
    event.listen(Engine, "begin", _on_begin)
    event.listen(Engine, "before_cursor_execute", _before_statement)
    app.teardown_request(_endpoint)
    serve = app.wsgi_app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_BENCH_WARM_UP"):
            return serve(environ, start_response)
        _request.update(statements=0, transactions=0, endpoint="(unknown)")
        cpu = time.process_time()
        answer = serve(environ, start_response)  # Flask's JSON answers are complete when it returns
        row = _counts.setdefault(_request["endpoint"], [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += _request["statements"]
        row[2] += _request["statements"] + 2 * _request["transactions"]
        row[3] += time.process_time() - cpu
        return answer

    app.wsgi_app = counting


def worker_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, in the worker as it exits: write its counts for the benchmark to read."""
    directory = os.environ.get("FUND_BENCH_COUNTS_DIR")
    if directory:
        with open(os.path.join(directory, f"{os.getpid()}.json"), "w") as file:
            json.dump(_counts, file)
