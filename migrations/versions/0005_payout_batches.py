"""Payout batches and payments: one payment per claim, batches approved by a second finance officer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# At most one payment per claim that is in a batch or paid: the database's own "never paid twice".
HOLDING = sa.text("status IN ('in_batch', 'paid')")


def upgrade():
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_from", sa.Date(), nullable=True),
        sa.Column("decided_to", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.Column("payment_count", sa.Integer(), nullable=False),
        sa.Column("total_kzt", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("execution_date", sa.Date(), nullable=True),
        sa.Column("exported_by", sa.String(length=80), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=80), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('built', 'approved', 'exported', 'cancelled')", name=op.f("ck_payout_batches_status")
        ),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> created_by", name=op.f("ck_payout_batches_four_eyes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
        sa.UniqueConstraint("reference", name=op.f("uq_payout_batches_reference")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("amount_kzt", sa.BigInteger(), nullable=False),
        sa.Column("creditor_iban", sa.String(length=20), nullable=False),
        sa.Column("creditor_name", sa.String(length=200), nullable=False),
        sa.Column("creditor_iin", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("result_recorded_by", sa.String(length=80), nullable=True),
        sa.Column("result_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('in_batch', 'paid', 'failed', 'cancelled')", name=op.f("ck_payments_status")
        ),
        sa.CheckConstraint("amount_kzt > 0", name=op.f("ck_payments_positive_amount")),
        sa.CheckConstraint("status <> 'paid' OR paid_on IS NOT NULL", name=op.f("ck_payments_paid_has_date")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payout_batches.id"], name=op.f("fk_payments_batch_id_payout_batches")
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_payments_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payments_end_to_end_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            "uq_payments_claim_open",
            ["claim_id"],
            unique=True,
            postgresql_where=HOLDING,
            sqlite_where=HOLDING,
        )


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("uq_payments_claim_open")
        batch_op.drop_index(batch_op.f("ix_payments_claim_id"))
        batch_op.drop_index(batch_op.f("ix_payments_batch_id"))
    op.drop_table("payments")
    op.drop_table("payout_batches")
