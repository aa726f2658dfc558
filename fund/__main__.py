"""The ``fund`` command (``python -m fund``): Flask's commands (run, shell, db) plus the fund's own.

The fund's own commands are in :mod:`fund.cli`; the application adds them to its CLI when it is
created, so they are here through :func:`fund.create_app`.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from fund import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def main() -> None:
    """The Victims Compensation Fund's claims system."""


if __name__ == "__main__":
    main()
