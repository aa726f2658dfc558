"""The crime as the law names it: the article's part as text ("3", "3-1"), its paragraph, and whether
it was committed by a criminal group.

Existing parts, whole numbers, become their text ("3"); existing claims have no paragraph and no
qualifier (none: not stated). Their recorded facts are not touched: a claim replays on the facts of
its first event.

On PostgreSQL the column's type is changed in place. On SQLite a type change would rebuild the
claims table (batch mode), which the tables that point to it (with foreign keys on) do not allow
once they have rows; so the part is copied into a new text column, the old column dropped and the
new one renamed, with SQLite's own ALTER TABLE (3.35 or later). The new column keeps a default of
'' there, which the application never relies on.

Downgrade turns parts back into whole numbers: "3-1" becomes 3 (the sub-part is lost), and drops
the paragraph and the qualifier.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _on_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("article_paragraph", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("by_criminal_group", sa.Boolean(), nullable=True))
    if _on_sqlite():
        op.execute("ALTER TABLE claims ADD COLUMN article_part_text VARCHAR(10) NOT NULL DEFAULT ''")
        op.execute("UPDATE claims SET article_part_text = CAST(article_part AS TEXT)")
        op.execute("ALTER TABLE claims DROP COLUMN article_part")
        op.execute("ALTER TABLE claims RENAME COLUMN article_part_text TO article_part")
    else:
        op.alter_column(
            "claims",
            "article_part",
            type_=sa.String(length=10),
            existing_type=sa.Integer(),
            existing_nullable=False,
            postgresql_using="article_part::text",
        )


def downgrade():
    if _on_sqlite():
        op.execute("ALTER TABLE claims ADD COLUMN article_part_number INTEGER NOT NULL DEFAULT 0")
        # CAST reads the leading whole number: "3-1" becomes 3.
        op.execute("UPDATE claims SET article_part_number = CAST(article_part AS INTEGER)")
        op.execute("ALTER TABLE claims DROP COLUMN article_part")
        op.execute("ALTER TABLE claims RENAME COLUMN article_part_number TO article_part")
        op.execute("ALTER TABLE claims DROP COLUMN by_criminal_group")
        op.execute("ALTER TABLE claims DROP COLUMN article_paragraph")
        return
    op.alter_column(
        "claims",
        "article_part",
        type_=sa.Integer(),
        existing_type=sa.String(length=10),
        existing_nullable=False,
        postgresql_using="split_part(article_part, '-', 1)::integer",
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("by_criminal_group")
        batch_op.drop_column("article_paragraph")
