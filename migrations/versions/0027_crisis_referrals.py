"""Crisis centres by region and claimants' referrals to them (issue 15, point 8).

- ``crisis_centres``: the directory administrators edit: each centre's region (code and names in
  kk, ru, en), name and address in the three languages, phone, e-mail, the kinds of help it gives
  (psychological, medical, legal, social), order and whether it is in use; who changed it last.
- ``crisis_referrals``: a claimant's request that a crisis centre contact them (one per claim): when
  and from where it was asked, the kinds of help, the region named and the centre proposed for it;
  then who passed it on, when, to which centre and how. Kept apart from the claim's submission and
  history so that no letter, e-mail, export or API answer can carry it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "crisis_centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=40), nullable=False),
        sa.Column("region_kk", sa.String(length=120), nullable=False),
        sa.Column("region_ru", sa.String(length=120), nullable=False),
        sa.Column("region_en", sa.String(length=120), nullable=False),
        sa.Column("name_kk", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("address_kk", sa.String(length=300), nullable=False),
        sa.Column("address_ru", sa.String(length=300), nullable=False),
        sa.Column("address_en", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("kinds", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_centres")),
    )
    op.create_index(op.f("ix_crisis_centres_region_code"), "crisis_centres", ["region_code"])
    op.create_table(
        "crisis_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_from", sa.String(length=20), nullable=False),
        sa.Column("kinds", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=40), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("passed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("passed_by", sa.String(length=80), nullable=True),
        sa.Column("passed_centre_id", sa.Integer(), nullable=True),
        sa.Column("passed_how", sa.String(length=20), nullable=True),
        sa.Column("passed_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_crisis_referrals_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["crisis_centres.id"], name=op.f("fk_crisis_referrals_centre_id_crisis_centres")
        ),
        sa.ForeignKeyConstraint(
            ["passed_centre_id"],
            ["crisis_centres.id"],
            name=op.f("fk_crisis_referrals_passed_centre_id_crisis_centres"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_referrals")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_crisis_referrals_claim_id")),
    )


def downgrade():
    op.drop_table("crisis_referrals")
    op.drop_index(op.f("ix_crisis_centres_region_code"), table_name="crisis_centres")
    op.drop_table("crisis_centres")
