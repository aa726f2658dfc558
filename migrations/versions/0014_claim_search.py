"""Find a claim by reference, IIN, name, ERDR number or phone: search indexes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

- ``claims.search_names``: the claimant's and the victim's names folded and in Latin letters
  (fund/claims/search_terms.py), found by any part of them: on PostgreSQL through a trigram GIN
  index (extension pg_trgm); on SQLite through an FTS5 table with the trigram tokenizer
  (``claim_names_fts``, external content: it indexes the column and holds no copy), kept by
  triggers on ``claims``. A later revision that rebuilds ``claims`` on SQLite (batch mode) must
  create the triggers again.
- ``claimants.phone_digits``: the phone's last ten digits, btree-indexed. References, IINs and
  ERDR numbers already have btree indexes.
- ``personal_data_searches``: who searched by personal data, when, and the query's keyed hash.

Existing claims get their search columns here.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 5_000

SQLITE_TRIGGERS = (
    """CREATE TRIGGER claims_search_names_inserted AFTER INSERT ON claims BEGIN
        INSERT INTO claim_names_fts(rowid, search_names) VALUES (new.id, new.search_names);
    END""",
    """CREATE TRIGGER claims_search_names_deleted AFTER DELETE ON claims BEGIN
        INSERT INTO claim_names_fts(claim_names_fts, rowid, search_names)
        VALUES ('delete', old.id, old.search_names);
    END""",
    """CREATE TRIGGER claims_search_names_updated AFTER UPDATE OF search_names ON claims BEGIN
        INSERT INTO claim_names_fts(claim_names_fts, rowid, search_names)
        VALUES ('delete', old.id, old.search_names);
        INSERT INTO claim_names_fts(rowid, search_names) VALUES (new.id, new.search_names);
    END""",
)


def _fill_existing_claims(connection) -> None:
    from fund.claims.search_terms import phone_digits, search_names

    claims = sa.table(
        "claims",
        sa.column("id"),
        sa.column("claimant_id"),
        sa.column("victim_full_name"),
        sa.column("search_names"),
    )
    claimants = sa.table(
        "claimants", sa.column("id"), sa.column("full_name"), sa.column("phone"), sa.column("phone_digits")
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(claims.c.id, claims.c.victim_full_name, claimants.c.id.label("claimant_id"))
            .add_columns(claimants.c.full_name, claimants.c.phone)
            .join(claimants, claimants.c.id == claims.c.claimant_id)
            .where(claims.c.id > last)
            .order_by(claims.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            claims.update().where(claims.c.id == sa.bindparam("claim_id")),
            [{"claim_id": r.id, "search_names": search_names(r.full_name, r.victim_full_name)} for r in rows],
        )
        connection.execute(
            claimants.update().where(claimants.c.id == sa.bindparam("person_id")),
            [{"person_id": r.claimant_id, "phone_digits": phone_digits(r.phone)} for r in rows],
        )
        last = rows[-1].id


def upgrade():
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column("claims", sa.Column("search_names", sa.Text(), server_default="", nullable=False))
    op.add_column("claimants", sa.Column("phone_digits", sa.String(10), server_default="", nullable=False))
    _fill_existing_claims(connection)
    op.create_index(
        "ix_claims_search_names",
        "claims",
        ["search_names"],
        postgresql_using="gin",
        postgresql_ops={"search_names": "gin_trgm_ops"},
        sqlite_where=sa.text("0"),
    )
    op.create_index("ix_claimants_phone_digits", "claimants", ["phone_digits"])
    if connection.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS claim_names_fts")  # left by a database whose tables were dropped
        op.execute(
            "CREATE VIRTUAL TABLE claim_names_fts USING fts5("
            "search_names, content='claims', content_rowid='id', tokenize='trigram')"
        )
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO claim_names_fts(claim_names_fts) VALUES ('rebuild')")
    op.create_table(
        "personal_data_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("query_hash", sa.String(80), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_searches")),
    )
    for column in ("username", "searched_at", "query_hash"):
        op.create_index(f"ix_personal_data_searches_{column}", "personal_data_searches", [column])


def downgrade():
    for column in ("username", "searched_at", "query_hash"):
        op.drop_index(f"ix_personal_data_searches_{column}", table_name="personal_data_searches")
    op.drop_table("personal_data_searches")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("inserted", "deleted", "updated"):
            op.execute(f"DROP TRIGGER IF EXISTS claims_search_names_{trigger}")
        op.execute("DROP TABLE IF EXISTS claim_names_fts")
    op.drop_index("ix_claimants_phone_digits", table_name="claimants")
    op.drop_index("ix_claims_search_names", table_name="claims")
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite since 3.35): a batch rebuild of the
    # claims table would trip over the rows that refer to it.
    op.drop_column("claimants", "phone_digits")
    op.drop_column("claims", "search_names")
