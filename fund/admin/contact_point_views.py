"""The contact points page for administrators: /admin/contact-points.

Lists the fund's contact points by region and edits them (region, address and opening hours in
Kazakh, Russian and English; phone; e-mail; order; on or off). Roles are checked in
:mod:`fund.admin.contact_points`; every form posts with a CSRF token; a refused form is shown again
with each problem next to its field.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from fund.admin import contact_points as contact_service
from fund.common.errors import Invalid
from fund.common.time import utc_now
from fund.web.formatting import template_helpers

contact_points_blueprint = Blueprint(
    "contact_points", __name__, template_folder="templates", url_prefix="/admin/contact-points"
)
contact_points_blueprint.context_processor(template_helpers)

# The words each form field is called on the page, in the order the page shows them.
FIELD_LABELS = {
    "region_code": lazy_gettext("Region code"),
    "region_kk": lazy_gettext("Region (Kazakh)"),
    "region_ru": lazy_gettext("Region (Russian)"),
    "region_en": lazy_gettext("Region (English)"),
    "address_kk": lazy_gettext("Address (Kazakh)"),
    "address_ru": lazy_gettext("Address (Russian)"),
    "address_en": lazy_gettext("Address (English)"),
    "phone": lazy_gettext("Phone"),
    "email": lazy_gettext("E-mail"),
    "hours_kk": lazy_gettext("Opening hours (Kazakh)"),
    "hours_ru": lazy_gettext("Opening hours (Russian)"),
    "hours_en": lazy_gettext("Opening hours (English)"),
    "position": lazy_gettext("Order in lists"),
    "active": lazy_gettext("Shown to claimants"),
}
EMPTY_FORM = {name: "" for name in contact_service.FIELDS} | {"active": "on", "position": "100"}


@contact_points_blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    return current_user._get_current_object()


def _form_of(point) -> dict[str, str]:
    values = {name: str(getattr(point, name)) for name in contact_service.FIELDS if name != "active"}
    return values | {"active": "on" if point.active else ""}


@contact_points_blueprint.get("", endpoint="index")
@login_required
def index():
    """Every contact point in the order claimants see them; the first shown one is in every letter."""
    points = contact_service.list_contact_points(_me())
    return render_template("admin/contact_points.html", points=points)


@contact_points_blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new():
    """The form that adds a contact point."""
    return _edit_page(None)


@contact_points_blueprint.route("/<int:point_id>", methods=["GET", "POST"], endpoint="edit")
@login_required
def edit(point_id: int):
    """The form that changes a contact point (switching it off hides it from claimants)."""
    return _edit_page(point_id)


def _edit_page(point_id: int | None):
    me = _me()
    point = contact_service.get_contact_point(me, point_id) if point_id is not None else None
    if point is None:
        contact_service.list_contact_points(me)  # administrators only, also for the empty form
    errors: dict[str, list[str]] = {}
    form = dict(EMPTY_FORM) if point is None else _form_of(point)
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in contact_service.FIELDS}
        try:
            saved = contact_service.save_contact_point(me, form, utc_now(), point_id)
        except Invalid as error:
            errors = error.fields
        else:
            flash(gettext("The contact point %(region)s is saved.", region=saved.region_en))
            return redirect(url_for("contact_points.index"))
    return render_template(
        "admin/contact_point.html", point=point, form=form, errors=errors, field_labels=FIELD_LABELS
    ), (422 if errors else 200)
