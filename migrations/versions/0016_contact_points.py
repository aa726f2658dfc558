"""The fund's contact points by region and the crisis centres, as data administrators edit.

- ``contact_points``: each region's office of the fund (region, address, opening hours in kk, ru
  and en; phone; e-mail), in the order administrators give; the first active one is printed in
  every letter. Who changed a point last, and when, is kept on its row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=40), nullable=False),
        sa.Column("region_kk", sa.String(length=120), nullable=False),
        sa.Column("region_ru", sa.String(length=120), nullable=False),
        sa.Column("region_en", sa.String(length=120), nullable=False),
        sa.Column("address_kk", sa.String(length=300), nullable=False),
        sa.Column("address_ru", sa.String(length=300), nullable=False),
        sa.Column("address_en", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("hours_kk", sa.String(length=200), nullable=False),
        sa.Column("hours_ru", sa.String(length=200), nullable=False),
        sa.Column("hours_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
        sa.UniqueConstraint("region_code", name=op.f("uq_contact_points_region_code")),
    )


def downgrade():
    op.drop_table("contact_points")
