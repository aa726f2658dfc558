"""Flask extensions, created here and bound to the app in the factory."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic revisions can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def drop_every_table() -> None:
    """Drop the fund's tables and Alembic's version table (tests and benchmarks start from nothing).

    Needs an application context. Only for throw-away databases: it deletes everything.
    """
    from sqlalchemy import inspect, text

    with db.engine.begin() as connection:
        cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
        existing = set(inspect(connection).get_table_names())
        for table in reversed(db.metadata.sorted_tables):
            if table.name in existing:
                connection.execute(text(f'DROP TABLE "{table.name}"{cascade}'))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


WARM_WORKFLOWS = "fund.warm_workflows"  # app.extensions key: this server process's warm workflows


def warm_workflows():
    """This application's warm workflows (:mod:`workflows.warm`), or None outside an application."""
    from flask import current_app, has_app_context

    return current_app.extensions.get(WARM_WORKFLOWS) if has_app_context() else None
