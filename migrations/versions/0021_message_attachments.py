"""Files attached to messages with the claimant, and documents sent at any time while a claim is open.

- ``message_attachments``: the files of a message (the claimant's or an officer's answer), checked
  like documents (PDF, JPEG or PNG by their content) and kept with their sha256. Read per message.
- ``documents.after_decision``: the document arrived after the fund decided the claim (approved,
  rejected, payment failed, under reconsideration); ``seen_at``/``seen_by``: when an officer who
  may see personal data first opened it. The worklist lists the claims with such documents that
  no officer has opened yet (an index on the two).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["claim_messages.id"],
            name=op.f("fk_message_attachments_message_id_claim_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_message_attachments_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attachments")),
    )
    op.create_index("ix_message_attachments_message", "message_attachments", ["message_id"], unique=False)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("after_decision", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seen_by", sa.String(length=80), nullable=True))
    op.create_index("ix_documents_not_seen", "documents", ["after_decision", "seen_at"], unique=False)


def downgrade():
    op.drop_index("ix_documents_not_seen", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("seen_by")
        batch.drop_column("seen_at")
        batch.drop_column("after_decision")
    op.drop_index("ix_message_attachments_message", table_name="message_attachments")
    op.drop_table("message_attachments")
