"""Administration pages: staff accounts and roles, MCI rates, process versions.

Administrators only: every view calls a service in ``fund.admin`` (accounts, MCI rates, process
versions), which checks the role (a signed-in user without it gets 403; anonymous visitors are
sent to sign in). Every form posts with a CSRF token; a refused form is shown again with each
problem next to its field. These pages show staff accounts and claim references, never a
claimant's personal data.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from fund.admin import accounts as admin
from fund.admin import mci_rates as rates_service
from fund.admin import process_versions as versions_service
from fund.admin import rule_preview
from fund.common.errors import Conflict, Invalid
from fund.common.time import utc_now
from fund.models import ROLES
from fund.web.downloads import attachment
from fund.web.formatting import day, template_helpers, tenge

admin_blueprint = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
admin_blueprint.context_processor(template_helpers)
RULE_PREVIEW_SHOWN = 200  # changed claims listed on the page; the CSV has them all

# The words each form field is called on the page, for messages that name the field.
FIELD_LABELS = {
    "username": lazy_gettext("User name"),
    "full_name": lazy_gettext("Full name"),
    "password": lazy_gettext("Password"),
    "password_again": lazy_gettext("Password again"),
    "roles": lazy_gettext("Roles"),
    "active": lazy_gettext("Account"),
    "effective_from": lazy_gettext("In force from"),
    "amount_kzt": lazy_gettext("MCI in tenge"),
    "bpmn": lazy_gettext("Process files"),
}


@admin_blueprint.context_processor
def _admin_context() -> dict:
    return {"field_labels": FIELD_LABELS, "all_roles": ROLES}


@admin_blueprint.after_request
def _no_store(response):
    """Account pages must not stay in a browser's or a proxy's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _me():
    """The signed-in user itself (services get a User, not Flask-Login's proxy)."""
    return current_user._get_current_object()


@admin_blueprint.get("", endpoint="index")
@login_required
def index():
    """What administrators look after, with where each stands now."""
    me, now = _me(), utc_now()
    accounts = admin.list_users(me)
    return render_template(
        "admin/index.html",
        active_users=sum(1 for user in accounts if user.active),
        inactive_users=sum(1 for user in accounts if not user.active),
        rate_in_force=next((r for r in rates_service.list_mci_rates(me, now) if r.in_force_today), None),
        current_version=next((v for v in versions_service.list_process_versions(me) if v.current), None),
    )


# --- users -----------------------------------------------------------------------------------------


@admin_blueprint.get("/users", endpoint="users")
@login_required
def users_page():
    """Every staff account: roles, whether it may sign in, whether it is locked."""
    return render_template("admin/users.html", users=admin.list_users(_me()), now=utc_now())


@admin_blueprint.route("/users/new", methods=["GET", "POST"], endpoint="new_user")
@login_required
def new_user():
    """Create a staff account with a first password and its roles."""
    me = _me()
    form = {"username": "", "full_name": "", "roles": []}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {
            "username": request.form.get("username", ""),
            "full_name": request.form.get("full_name", ""),
            "roles": request.form.getlist("roles"),
        }
        try:
            user = admin.create_user(
                me, form["username"], form["full_name"], request.form.get("password", ""), form["roles"],
                utc_now(),
            )  # fmt: skip
        except Invalid as error:
            errors = error.fields
        else:
            flash(
                gettext(
                    "The account %(username)s was created with the roles %(roles)s.",
                    username=user.username,
                    roles=_roles_in_words(user.roles),
                )
            )
            return redirect(url_for("admin.user", user_id=user.id))
    else:
        admin.authorize(me)
    return render_template("admin/user_new.html", form=form, errors=errors), 422 if errors else 200


def _user_page(user_id: int, errors: dict[str, list[str]] | None = None, form: str = "", roles=None):
    user = admin.get_user(_me(), user_id)
    return render_template(
        "admin/user.html",
        user=user,
        errors=errors or {},
        failed_form=form,
        chosen_roles=roles if roles is not None else sorted(user.roles),
        now=utc_now(),
    ), (422 if errors else 200)


@admin_blueprint.get("/users/<int:user_id>", endpoint="user")
@login_required
def user_page(user_id: int):
    """One account: its roles, sign-in state and password, each changed with its own form."""
    return _user_page(user_id)


@admin_blueprint.post("/users/<int:user_id>/roles", endpoint="user_roles")
@login_required
def user_roles(user_id: int):
    """Give the account exactly the roles ticked."""
    roles = request.form.getlist("roles")
    try:
        change = admin.set_roles(_me(), user_id, roles)
    except Invalid as error:
        return _user_page(user_id, error.fields, "roles", roles)
    message = gettext(
        "The roles of %(username)s are now: %(roles)s.",
        username=change.user.username,
        roles=_roles_in_words(change.user.roles),
    )
    if change.tasks_released:
        message += " " + gettext(
            "%(count)s task(s) they had taken under a removed role went back to the worklist.",
            count=change.tasks_released,
        )
    flash(message)
    return redirect(url_for("admin.user", user_id=user_id))


@admin_blueprint.post("/users/<int:user_id>/deactivate", endpoint="deactivate_user")
@login_required
def deactivate_user(user_id: int):
    """Stop the account from signing in and end its sessions everywhere."""
    try:
        change = admin.deactivate_user(_me(), user_id)
    except Invalid as error:
        return _user_page(user_id, error.fields, "active")
    message = gettext(
        "%(username)s can no longer sign in; their sessions and API tokens have ended.",
        username=change.user.username,
    )
    if change.tasks_released:
        message += " " + gettext(
            "%(count)s task(s) they had taken went back to the worklist.", count=change.tasks_released
        )
    flash(message)
    return redirect(url_for("admin.user", user_id=user_id))


@admin_blueprint.post("/users/<int:user_id>/reactivate", endpoint="reactivate_user")
@login_required
def reactivate_user(user_id: int):
    """Let the account sign in again."""
    user = admin.reactivate_user(_me(), user_id)
    flash(gettext("%(username)s can sign in again.", username=user.username))
    return redirect(url_for("admin.user", user_id=user_id))


@admin_blueprint.post("/users/<int:user_id>/password", endpoint="user_password")
@login_required
def user_password(user_id: int):
    """Set a new password chosen by the administrator (to pass on to the person in a safe way)."""
    me = _me()
    try:
        user = admin.reset_password(
            me, user_id, request.form.get("password", ""), request.form.get("password_again", "")
        )
    except Invalid as error:
        return _user_page(user_id, error.fields, "password")
    flash(
        gettext(
            "The password of %(username)s was changed; their sessions have ended and the lock after "
            "wrong passwords, if any, is lifted.",
            username=user.username,
        )
    )
    if user.id == me.id:  # one's own sessions ended too, this one included
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("admin.user", user_id=user_id))


# --- MCI rates -------------------------------------------------------------------------------------


@admin_blueprint.route("/mci-rates", methods=["GET", "POST"], endpoint="mci_rates")
@login_required
def mci_rates():
    """The MCI table and the form that adds a rate (rates are never changed or deleted)."""
    me, now = _me(), utc_now()
    errors: dict[str, list[str]] = {}
    form = {"effective_from": "", "amount_kzt": ""}
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in form}
        try:
            added = rates_service.add_mci_rate(me, form["effective_from"], form["amount_kzt"], now)
        except Invalid as error:
            errors = error.fields
        else:
            flash(_added_rate_message(added))
            return redirect(url_for("admin.mci_rates"))
    rates = rates_service.list_mci_rates(me, now)
    return render_template("admin/mci_rates.html", rates=rates, form=form, errors=errors), (
        422 if errors else 200
    )


def _added_rate_message(added: rates_service.AddedMciRate) -> str:
    rate = added.rate
    message = gettext(
        "The MCI of %(amount)s tenge in force from %(date)s was added.",
        amount=tenge(rate.amount_kzt),
        date=day(rate.effective_from),
    )
    if added.next_rate_from is not None:
        message += " " + gettext(
            "A later rate is in force from %(date)s, so this one applies only to decisions dated "
            "before then.",
            date=day(added.next_rate_from),
        )
    if added.approvals_kept:
        message += " " + gettext(
            "%(count)s approval(s) already decided on or after %(date)s keep the amount they were decided "
            "with; only decisions taken from now on use this rate.",
            count=added.approvals_kept,
            date=day(rate.effective_from),
        )
    elif not added.in_force_already:
        message += " " + gettext("Decisions dated from that day on will use it.")
    return message


def _roles_in_words(roles) -> str:
    """The roles as the role column and the forms name them (their codes)."""
    return ", ".join(sorted(roles))


# --- process versions ------------------------------------------------------------------------------


@admin_blueprint.route("/processes", methods=["GET", "POST"], endpoint="processes")
@login_required
def processes():
    """Deployed process versions, the claims on each, and deploying the files under bpmn/.

    Deploying first runs the new decision tables on every claim: when some would be decided
    differently, the summary is shown with a button that confirms the deploy of exactly the files
    previewed (``confirm_version``); otherwise the files are deployed at once.
    """
    me = _me()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        confirmed = request.form.get("confirm_version") or None
        try:
            preview = None if confirmed else rule_preview.preview_deploy(me)
            if preview is not None and preview.changed:
                return _rule_preview_page(preview, confirming=True)
            expected = confirmed or preview.candidate_version
            deployment = versions_service.deploy(me, utc_now(), expected_version=expected)
        except (Invalid, Conflict) as error:
            errors = error.fields or {"bpmn": [error.message]}
        else:
            flash(_deployment_message(deployment, preview))
            return redirect(url_for("admin.processes"))
    versions = versions_service.list_process_versions(me)
    return render_template("admin/processes.html", versions=versions, errors=errors), (422 if errors else 200)


@admin_blueprint.get("/processes/preview", endpoint="rule_preview")
@login_required
def rule_preview_page():
    """The decision tables under bpmn/ run on every claim: the claims they would decide differently."""
    return _rule_preview_page(rule_preview.preview_rule_change(_me()), confirming=False)


@admin_blueprint.get("/processes/preview.csv", endpoint="rule_preview_csv")
@login_required
def rule_preview_csv():
    """Every claim the decision tables under bpmn/ would decide differently, as CSV."""
    preview = rule_preview.preview_rule_change(_me())
    name = f"rule-preview-{preview.candidate_version[:12]}.csv"
    return attachment(rule_preview.preview_csv(preview), "text/csv; charset=utf-8", name)


def _rule_preview_page(preview: rule_preview.RulePreview, confirming: bool):
    return render_template(
        "admin/rule_preview.html", preview=preview, confirming=confirming, shown=RULE_PREVIEW_SHOWN
    )


def _deployment_message(
    deployment: versions_service.Deployment, preview: rule_preview.RulePreview | None = None
) -> str:
    version = deployment.version.version
    if deployment.new:
        unchanged = (
            " "
            + gettext(
                "No claim would be decided differently by its tables (%(count)s checked).",
                count=preview.claims_checked,
            )
            if preview is not None and not preview.deployed_already and not preview.changed
            else ""
        )
        return (
            gettext(
                "Deployed version %(version)s: new claims start on it; claims already running keep the "
                "version they started on.",
                version=version[:12],
            )
            + unchanged
        )
    message = gettext(
        "The files under bpmn/ are unchanged: they are version %(version)s, deployed already.",
        version=version[:12],
    )
    if deployment.current.version != version:
        message += " " + gettext(
            "New claims still start on the latest deployed version, %(version)s.",
            version=deployment.current.version[:12],
        )
    return message + " " + gettext("Nothing was stored.")


@admin_blueprint.get("/processes/<version>", endpoint="process")
@login_required
def process(version: str):
    """One process version: its files and the claims running on it (by reference)."""
    me = _me()
    page = max(request.args.get("page", 1, type=int), 1)
    row = versions_service.get_process_version(me, version)
    claims, total = versions_service.claims_on_version(me, version, page)
    pages = max(-(-total // versions_service.CLAIMS_PAGE_SIZE), 1)
    return render_template(
        "admin/process.html", version=row, claims=claims, total=total, page=page, pages=pages
    )
