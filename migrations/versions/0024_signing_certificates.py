"""Signing certificates and their validity from a date (key rotation).

- ``signing_certificates``: every certificate of the fund's letter-signing key (PEM, public data),
  with the moment it took over from the one before. ``fund keys rotate`` records a new one ahead
  of its date; a configured key not recorded yet is recorded when it signs its first letter. Kept
  for ever: the audit checks each letter against the certificate current when it was issued, and
  ``fund audit export`` hands these certificates to auditors.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signing_certificates_fingerprint")),
    )
    op.create_index(
        op.f("ix_signing_certificates_valid_from"), "signing_certificates", ["valid_from"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_signing_certificates_valid_from"), table_name="signing_certificates")
    op.drop_table("signing_certificates")
