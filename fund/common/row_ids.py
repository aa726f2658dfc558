"""Row ids in URLs (``<int:…>``): only numbers a table's id column can hold.

Werkzeug's ``int`` converter takes any run of digits, and a number past the id column's range
failed in the database instead of finding nothing: SQLite raises ``OverflowError`` beyond 64 bits,
PostgreSQL "integer out of range" beyond 32 (its ``integer`` ids). Each answered 500. With this
converter as the application's ``int``, such a URL matches no route: 404, like any id that is no row.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# The largest id a table's integer primary key holds (PostgreSQL's ``integer``; SQLite's is larger).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<int:name>`` bounded to 0..MAX_ROW_ID unless a route asks for another ``max``."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def install(app: Flask) -> None:
    """Make :class:`RowIdConverter` the application's ``int`` (before any route is added)."""
    app.url_map.converters["int"] = RowIdConverter
