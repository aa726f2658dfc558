"""Service levels and the request id carried into the worker.

- claims.awaiting_decision_since / awaiting_payment_since: the service levels' clocks (a partial
  index each: only the claims waiting are indexed). Existing claims get them as well as the
  database can tell: a claim waiting for a decision since it was submitted (or, asked again, since
  its last change), an approved one since its last change.
- service_level_digests: one row per fund day, so that one digest is queued however many
  workers run.
- notifications.claim_id may be empty (a supervisor's digest is about no claim).
- notifications.request_id, letters.request_id: the request that queued the work.
- users.email: a staff member's work address, for the digest (set with ``fund user email``).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

DECISION_PENDING = ("submitted", "under_review", "awaiting_approval")
PAYMENT_PENDING = ("approved", "payment_failed")


def upgrade():
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_decision_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("awaiting_payment_since", sa.DateTime(timezone=True), nullable=True))
    claims = sa.table(
        "claims",
        sa.column("status", sa.String),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("awaiting_decision_since", sa.DateTime(timezone=True)),
        sa.column("awaiting_payment_since", sa.DateTime(timezone=True)),
    )
    op.execute(
        claims.update()
        .where(claims.c.status.in_(DECISION_PENDING))
        .values(awaiting_decision_since=claims.c.submitted_at)
    )
    op.execute(
        claims.update()
        .where(claims.c.status == "reconsideration")
        .values(awaiting_decision_since=claims.c.updated_at)
    )
    # A payment given up (five failures, closed unpaid) ends the process: it waits for nothing.
    op.execute(
        sa.text(
            "UPDATE claims SET awaiting_payment_since = updated_at"
            " WHERE status IN ('approved', 'payment_failed') AND NOT EXISTS"
            " (SELECT 1 FROM workflow_instances i WHERE i.claim_id = claims.id AND i.completed)"
        )
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claims_awaiting_decision",
            ["awaiting_decision_since", "id"],
            unique=False,
            postgresql_where=sa.text("awaiting_decision_since IS NOT NULL"),
            sqlite_where=sa.text("awaiting_decision_since IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_claims_awaiting_payment",
            ["awaiting_payment_since", "id"],
            unique=False,
            postgresql_where=sa.text("awaiting_payment_since IS NOT NULL"),
            sqlite_where=sa.text("awaiting_payment_since IS NOT NULL"),
        )

    op.create_table(
        "service_level_digests",
        sa.Column("fund_day", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("fund_day", name=op.f("pk_service_level_digests")),
    )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("request_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later, PostgreSQL): batch mode would rebuild
    # the claims, letters and users tables, which the tables pointing to them do not allow on SQLite
    # once they hold rows (see revision 0010).
    op.execute("ALTER TABLE users DROP COLUMN email")
    op.execute("ALTER TABLE letters DROP COLUMN request_id")
    op.execute("DELETE FROM notifications WHERE claim_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("request_id")
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("service_level_digests")
    op.drop_index("ix_claims_awaiting_payment", table_name="claims")
    op.drop_index("ix_claims_awaiting_decision", table_name="claims")
    op.execute("ALTER TABLE claims DROP COLUMN awaiting_payment_since")
    op.execute("ALTER TABLE claims DROP COLUMN awaiting_decision_since")
