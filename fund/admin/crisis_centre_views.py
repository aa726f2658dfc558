"""The crisis centres page for administrators: /admin/crisis-centres.

Lists the directory of crisis centres by region and edits it (region, name and address in Kazakh,
Russian and English; phone; e-mail; the kinds of help; order; in use or not). Roles are checked in
:mod:`fund.admin.crisis_centres`; every form posts with a CSRF token; a refused form is shown again
with each problem next to its field.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import current_user, login_required

from fund.admin import crisis_centres as centre_service
from fund.common.errors import Invalid
from fund.common.time import utc_now
from fund.models import HELP_KINDS
from fund.web.formatting import template_helpers

crisis_centres_blueprint = Blueprint(
    "crisis_centres", __name__, template_folder="templates", url_prefix="/admin/crisis-centres"
)
crisis_centres_blueprint.context_processor(template_helpers)

# The words each form field is called on the page, in the order the page shows them.
FIELD_LABELS = {
    "region_code": lazy_gettext("Region code"),
    "region_kk": lazy_gettext("Region (Kazakh)"),
    "region_ru": lazy_gettext("Region (Russian)"),
    "region_en": lazy_gettext("Region (English)"),
    "name_kk": lazy_gettext("Name (Kazakh)"),
    "name_ru": lazy_gettext("Name (Russian)"),
    "name_en": lazy_gettext("Name (English)"),
    "address_kk": lazy_gettext("Address (Kazakh)"),
    "address_ru": lazy_gettext("Address (Russian)"),
    "address_en": lazy_gettext("Address (English)"),
    "phone": lazy_gettext("Phone"),
    "email": lazy_gettext("E-mail"),
    "kinds": lazy_gettext("Kinds of help"),
    "position": lazy_gettext("Order in lists"),
    "active": lazy_gettext("In use"),
}
HELP_KIND_LABELS = {
    "psychological": lazy_gettext("Psychological help"),
    "medical": lazy_gettext("Medical help"),
    "legal": lazy_gettext("Legal help"),
    "social": lazy_gettext("Social help"),
}
EMPTY_FORM = {name: "" for name in centre_service.FIELDS} | {
    "active": "on",
    "position": "100",
    "kinds": ",".join(HELP_KINDS),
}


@crisis_centres_blueprint.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@crisis_centres_blueprint.context_processor
def _kinds():
    return {
        "help_kinds": HELP_KINDS,
        "help_kind_labels": HELP_KIND_LABELS,
        "language": str(get_locale() or "en"),  # the centres' words in the page's language
    }


def _me():
    return current_user._get_current_object()


def _form_of(centre) -> dict[str, str]:
    values = {name: str(getattr(centre, name)) for name in centre_service.FIELDS if name != "active"}
    return values | {"active": "on" if centre.active else ""}


@crisis_centres_blueprint.get("", endpoint="index")
@login_required
def index():
    """Every crisis centre by region; the first in use in a region is the one referrals propose."""
    centres = centre_service.list_crisis_centres(_me())
    return render_template("admin/crisis_centres.html", centres=centres)


@crisis_centres_blueprint.route("/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new():
    """The form that adds a crisis centre."""
    return _edit_page(None)


@crisis_centres_blueprint.route("/<int:centre_id>", methods=["GET", "POST"], endpoint="edit")
@login_required
def edit(centre_id: int):
    """The form that changes a crisis centre (taking it out of use hides it from claimants and officers)."""
    return _edit_page(centre_id)


def _edit_page(centre_id: int | None):
    me = _me()
    centre = centre_service.get_crisis_centre(me, centre_id) if centre_id is not None else None
    if centre is None:
        centre_service.list_crisis_centres(me)  # administrators only, also for the empty form
    errors: dict[str, list[str]] = {}
    form = dict(EMPTY_FORM) if centre is None else _form_of(centre)
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in centre_service.FIELDS if name != "kinds"}
        kinds = request.form.getlist("kinds")
        form["kinds"] = ",".join(kinds)
        try:
            saved = centre_service.save_crisis_centre(me, form, kinds, utc_now(), centre_id)
        except Invalid as error:
            errors = error.fields
        else:
            flash(
                gettext(
                    "The crisis centre %(name)s is saved.",
                    name=saved.words(str(get_locale() or "en"))["name"],
                )
            )
            return redirect(url_for("crisis_centres.index"))
    return render_template(
        "admin/crisis_centre.html", centre=centre, form=form, errors=errors, field_labels=FIELD_LABELS
    ), (422 if errors else 200)
