"""The floor under benchmarks/http_load.py: the least a claims API on this stack can do per request.

A Flask application (no fund code) on SQLAlchemy Core and PostgreSQL, served by the same gunicorn
as the product, answering the same requests the product's clients send on the straight path, each
doing only what no claims service can skip:

* every officer's request checks its bearer token: one indexed SELECT of the token's hash, its
  expiry and its user's roles (sha256, as the product); the submission is a claimant's, without one;
* ``POST /floor/claims`` inserts one row and answers its reference;
* ``GET /floor/tasks?role=…`` reads the open rows waiting for that role (the worklist);
* ``POST /floor/tasks/<id>/complete`` and ``POST /floor/claims/<reference>/messages/<name>`` move
  one row on
  (one UPDATE … RETURNING) and answer its state;

each in one transaction, committed, JSON in and out. There is no workflow, no history, no audit
trail, no form validation: what this costs is what the web framework, the driver and PostgreSQL
cost before any of the fund's work. http_load.py runs it with the same clients, workers and
claims, and prints its CPU per step beside the product's and the bare engine loop's.

Tables (created by http_load.py in the benchmark's database): ``floor_tokens(token_hash, roles,
expires_at)`` and ``floor_claims(id, reference, state, role, steps)``.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["FUND_DATABASE_URL"], pool_size=2)

# The straight path: the state a claim is in -> (the role whose task it is, the state after it).
NEXT = {
    "intake_check": ("intake", "review_torture"),
    "review_torture": ("reviewer", "approval"),
    "approval": ("approver", "awaiting_payment"),
    "awaiting_payment": ("finance", "paid"),
}
ROLE_OF = {state: role for state, (role, _after) in NEXT.items()}

CHECK_TOKEN = text("SELECT roles FROM floor_tokens WHERE token_hash = :token_hash AND expires_at > :now")
INSERT_CLAIM = text(
    "WITH new AS (SELECT nextval('floor_claims_id_seq') AS id) "
    "INSERT INTO floor_claims (id, reference, state, role, steps) "
    "SELECT id, 'F-' || id, 'intake_check', 'intake', 0 FROM new RETURNING reference"
)
OPEN_TASKS = text("SELECT id, reference, state FROM floor_claims WHERE role = :role ORDER BY id LIMIT 50")
MOVE_ON = text(
    "UPDATE floor_claims SET state = :after, role = :role, steps = steps + 1 "
    "WHERE {key} = :key AND state = :state RETURNING reference, state"
)
MOVE_TASK, MOVE_CLAIM = (text(MOVE_ON.text.format(key=key)) for key in ("id", "reference"))


def caller_roles(connection) -> list[str]:
    """The roles of the request's bearer token; 401 without a valid one."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    roles = connection.execute(CHECK_TOKEN, {"token_hash": token_hash, "now": datetime.now(UTC)}).scalar()
    if roles is None:
        abort(401)
    return roles.split(",")


def move_on(connection, statement, key: int | str, state: str) -> dict:
    """One row from ``state`` to the next: 409 if it is not there."""
    role, after = NEXT[state]
    row = connection.execute(
        statement, {"key": key, "state": state, "after": after, "role": ROLE_OF.get(after, "")}
    ).first()
    if row is None:
        abort(409)
    return {"reference": row.reference, "status": row.state}


@app.post("/floor/claims")
def submit():
    """A claim: one row."""
    request.get_json()
    with engine.begin() as connection:
        reference = connection.execute(INSERT_CLAIM).scalar_one()
    return jsonify({"reference": reference, "status": "submitted"}), 201


@app.get("/floor/tasks")
def tasks():
    """The open rows waiting for a role the caller has."""
    role = request.args["role"]
    with engine.begin() as connection:
        if role not in caller_roles(connection):
            abort(403)
        rows = connection.execute(OPEN_TASKS, {"role": role}).all()
    return jsonify([{"id": row.id, "claim_reference": row.reference, "name": row.state} for row in rows])


@app.post("/floor/tasks/<int:task_id>/complete")
def complete(task_id: int):
    """The row's task done: it moves on."""
    request.get_json()
    state = request.headers["X-Bench-Step"]
    with engine.begin() as connection:
        if ROLE_OF[state] not in caller_roles(connection):
            abort(403)
        answer = move_on(connection, MOVE_TASK, task_id, state)
    return jsonify(answer)


@app.post("/floor/claims/<reference>/messages/<name>")
def deliver(reference: str, name: str):
    """The payment confirmed: the row moves on."""
    request.get_json()
    with engine.begin() as connection:
        if "finance" not in caller_roles(connection):
            abort(403)
        answer = move_on(connection, MOVE_CLAIM, reference, "awaiting_payment")
    return jsonify(answer)
