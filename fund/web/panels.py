"""Panels that one part of the fund adds to another part's page, so that neither imports the other.

A page has named places (the claim page, the dashboard). When the app is created, a part adds a
panel function to a place (:func:`add_panel`); the page asks :func:`panels` for the HTML of every
panel in its place and shows it where the place is. A panel function decides for itself whether
the viewer may see it and answers ``None`` when there is nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

CLAIM_PAGE = "claim_page"  # panel(user, claim_view, now): on the officers' and the auditors' claim pages
DASHBOARD = "dashboard"  # panel(user, now): after the dashboard's charts

Panel = Callable[..., Markup | None]


def add_panel(app: Flask, place: str, panel: Panel) -> None:
    """Show ``panel`` in ``place`` on this app's pages (adding the same panel twice shows it once)."""
    places: dict[str, list[Panel]] = app.extensions.setdefault("fund_panels", {})
    if panel not in places.setdefault(place, []):
        places[place].append(panel)


def panels(place: str, *args: Any) -> list[Markup]:
    """The HTML of every panel in ``place`` that has something to show, in the order they were added."""
    places: dict[str, list[Panel]] = current_app.extensions.get("fund_panels", {})
    shown = (panel(*args) for panel in places.get(place, []))
    return [html for html in shown if html is not None]
