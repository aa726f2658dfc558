"""The ``fund`` command: Flask's commands (run, shell, db) plus the fund's own."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from .services.errors import ServiceError
from .services.time import utc_now


def _fail(error: ServiceError) -> None:
    click.echo(f"error: {error.message}", err=True)
    for field, problems in error.fields.items():
        for problem in problems:
            click.echo(f"  {field or 'input'}: {problem}", err=True)
    sys.exit(2)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database and deploy the processes under bpmn/."""
    from .services.processes import deploy_process

    upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        version, new = deploy_process("cli", utc_now())
    except ServiceError as error:
        _fail(error)
    click.echo(
        f"database ready; process version {version.version[:12]} {'deployed' if new else 'already deployed'}"
    )


@click.command("deploy")
@with_appcontext
def deploy_command() -> None:
    """Deploy bpmn/ as a new process version when its files changed; prints the version."""
    from .services.processes import deploy_process

    try:
        version, new = deploy_process("cli", utc_now())
    except ServiceError as error:
        _fail(error)
    click.echo(f"{version.version} {'deployed: new claims start on it' if new else 'unchanged'}")


@click.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="intake, reviewer, approver, finance, auditor, admin",
)
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def user_create_command(username: str, roles: tuple[str, ...], full_name: str, password_stdin: bool) -> None:
    """Create a staff user (the password is prompted for, or read from stdin)."""
    from .services.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, password, list(roles), utc_now(), full_name)
    except ServiceError as error:
        _fail(error)
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles))}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo users (one per role; passwords printed) and claims in every state. Idempotent."""
    from .demo import load_demo

    load_demo(click.echo)


@click.group("claims")
def claims_group() -> None:
    """Claims."""


@claims_group.command("show")
@click.argument("reference")
@with_appcontext
def claims_show_command(reference: str) -> None:
    """Show a claim's status, amounts, open tasks and history."""
    from .services.claims import claim_summary
    from .services.history import claim_events
    from .services.system import system_user

    try:
        summary = claim_summary(system_user(), reference)
    except ServiceError as error:
        _fail(error)
    for key in (
        "reference",
        "status",
        "category",
        "eligibility_reason",
        "amount_mci",
        "amount_kzt",
        "decision_date",
        "submitted_at",
        "updated_at",
    ):
        click.echo(f"{key:>20}: {summary[key] if summary[key] is not None else '-'}")
    click.echo("          open tasks:")
    for task in summary["open_tasks"]:
        click.echo(f"    {task['id']}  {task['name']:<24} role {task['role']}")
    click.echo("             history:")
    from .services.claims import get_claim

    for event in claim_events(get_claim(system_user(), reference)):
        click.echo(
            f"    {event.sequence:>3} {event.occurred_at:%Y-%m-%d %H:%M} {event.type:<18} "
            f"{event.actor:<12} -> {event.result.get('status')}"
        )


@click.group("tasks")
def tasks_group() -> None:
    """Worklists."""


@tasks_group.command("list")
@click.option("--role", default=None, help="only tasks for this role")
@with_appcontext
def tasks_list_command(role: str | None) -> None:
    """List ready tasks by role."""
    from .services.system import system_user
    from .services.tasks import open_tasks

    rows = open_tasks(system_user(), role, limit=10_000)
    for task in rows:
        due = f"{task.due_at:%Y-%m-%d}" if task.due_at else "-"
        click.echo(f"{task.id}  {task.claim.reference}  {task.name:<24} {task.role:<9} due {due}")
    click.echo(f"{len(rows)} task(s)")


@click.command("worker")
@click.option("--once", is_flag=True, help="fire what is due now and exit")
@click.option("--interval", default=30.0, show_default=True, help="seconds between rounds")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Fire due timers; several workers may share one PostgreSQL database."""
    import time

    from .services.timers import run_due_timers

    while True:
        handled = run_due_timers(utc_now())
        if handled or once:
            click.echo(f"fired timers of {len(handled)} claim(s)")
        if once:
            return
        time.sleep(interval)


def register_commands(app) -> None:
    """Add the fund's commands to the application's CLI."""
    for command in (
        init_command,
        deploy_command,
        user_group,
        demo_command,
        claims_group,
        tasks_group,
        worker_command,
    ):
        app.cli.add_command(command)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """The Victims Compensation Fund's claims system."""
