"""Recourse (Art. 11): recourse cases against convicted offenders and recovered payments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "convictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erdr_number", sa.String(length=15), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column("verdict_date", sa.Date(), nullable=False),
        sa.Column("verdict_number", sa.String(length=60), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convictions")),
        sa.UniqueConstraint("erdr_number", "verdict_number", name="uq_convictions_verdict"),
    )
    with op.batch_alter_table("convictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_convictions_erdr_number"), ["erdr_number"], unique=False)

    op.create_table(
        "convicted_offenders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conviction_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["conviction_id"],
            ["convictions.id"],
            name=op.f("fk_convicted_offenders_conviction_id_convictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convicted_offenders")),
    )
    with op.batch_alter_table("convicted_offenders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_convicted_offenders_conviction_id"), ["conviction_id"], unique=False
        )

    op.create_table(
        "recourse_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("erdr_number", sa.String(length=15), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_paid_kzt", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=80), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('open', 'settled')", name=op.f("ck_recourse_cases_state")),
        sa.CheckConstraint("amount_paid_kzt > 0", name=op.f("ck_recourse_cases_positive_amount")),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_recourse_cases_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_recourse_cases_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recourse_cases")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_recourse_cases_claim_id")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_recourse_cases_payment_id")),
    )
    with op.batch_alter_table("recourse_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recourse_cases_erdr_number"), ["erdr_number"], unique=False)

    op.create_table(
        "offender_debts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recourse_case_id", sa.Integer(), nullable=False),
        sa.Column("offender_id", sa.Integer(), nullable=False),
        sa.Column("amount_owed_kzt", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_owed_kzt > 0", name=op.f("ck_offender_debts_positive_amount")),
        sa.ForeignKeyConstraint(
            ["offender_id"],
            ["convicted_offenders.id"],
            name=op.f("fk_offender_debts_offender_id_convicted_offenders"),
        ),
        sa.ForeignKeyConstraint(
            ["recourse_case_id"],
            ["recourse_cases.id"],
            name=op.f("fk_offender_debts_recourse_case_id_recourse_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offender_debts")),
        sa.UniqueConstraint("recourse_case_id", "offender_id", name="uq_offender_debts_case_offender"),
    )
    with op.batch_alter_table("offender_debts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offender_debts_offender_id"), ["offender_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_offender_debts_recourse_case_id"), ["recourse_case_id"], unique=False
        )

    op.create_table(
        "recovered_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debt_id", sa.Integer(), nullable=False),
        sa.Column("amount_kzt", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("treasury_reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_kzt > 0", name=op.f("ck_recovered_payments_positive_amount")),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["offender_debts.id"], name=op.f("fk_recovered_payments_debt_id_offender_debts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovered_payments")),
        sa.UniqueConstraint("treasury_reference", name=op.f("uq_recovered_payments_treasury_reference")),
    )
    with op.batch_alter_table("recovered_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovered_payments_debt_id"), ["debt_id"], unique=False)


def downgrade():
    op.drop_table("recovered_payments")
    op.drop_table("offender_debts")
    op.drop_table("recourse_cases")
    op.drop_table("convicted_offenders")
    op.drop_table("convictions")
