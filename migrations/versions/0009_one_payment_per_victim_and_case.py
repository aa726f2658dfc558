"""One payment per victim and criminal case: the victim's IIN on every claim, and a register of the
compensations awarded, unique per victim and ERDR number.

Existing claims are filled in: a claim whose claimant is the victim gets the claimant's IIN as the
victim's, and every victim and case already approved or paid gets its compensation row, from its
earliest such claim. Cases approved twice before this revision keep both claims (history is not
rewritten); the later one is shown as already compensated, and no third can be approved.

``claims.victim_iin`` stays nullable: making it NOT NULL would rebuild the claims table on SQLite,
which the tables that point to it (with foreign keys on) do not allow. The application fills it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The statuses of fund.models.claims.AWARDED_STATUSES, as they were when this revision was written.
AWARDED = "('approved', 'payment_failed', 'paid')"


def upgrade():
    op.execute(
        "UPDATE claims SET victim_iin = "
        "(SELECT claimants.iin FROM claimants WHERE claimants.id = claims.claimant_id) "
        "WHERE victim_iin IS NULL AND claimant_role = 'victim'"
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_victim_case", ["victim_iin", "erdr_number"], unique=False)

    op.create_table(
        "compensations",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("victim_iin", sa.String(length=12), nullable=False),
        sa.Column("erdr_number", sa.String(length=15), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_compensations_claim_id_claims")),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_compensations")),
        sa.UniqueConstraint("victim_iin", "erdr_number", name="uq_compensations_victim_case"),
    )
    # The earliest awarded claim of each victim and case holds its compensation.
    op.execute(
        "INSERT INTO compensations (claim_id, victim_iin, erdr_number, awarded_at) "
        "SELECT claims.id, claims.victim_iin, claims.erdr_number, claims.updated_at FROM claims "
        f"WHERE claims.status IN {AWARDED} AND claims.id = ("
        "SELECT min(earlier.id) FROM claims AS earlier "
        "WHERE earlier.victim_iin = claims.victim_iin AND earlier.erdr_number = claims.erdr_number "
        f"AND earlier.status IN {AWARDED})"
    )


def downgrade():
    op.drop_table("compensations")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_victim_case")
