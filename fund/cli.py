"""The ``fund`` command: Flask's commands (run, shell, db) plus the fund's own."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from fund.common.errors import ServiceError
from fund.common.time import utc_now


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
    from fund.claims.process_versions import deploy_process

    upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        version, new = deploy_process("cli", utc_now())
    except ServiceError as error:
        _fail(error)
    click.echo(
        f"database ready; process version {version.version[:12]} {'deployed' if new else 'already deployed'}"
    )


@click.command("deploy")
@click.option(
    "--yes", is_flag=True, help="deploy without asking, even when claims would be decided differently"
)
@with_appcontext
def deploy_command(yes: bool) -> None:
    """Deploy bpmn/ as a new process version when its files changed; prints the version.

    First the new decision tables are run on every stored claim (as ``fund rules preview``): when
    some would be decided differently, the summary is printed and the deploy asks to go on.
    """
    from fund.admin.rule_preview import preview_deploy
    from fund.claims.process_versions import deploy_process
    from fund.common.system import system_user

    try:
        preview = preview_deploy(system_user())
    except ServiceError as error:
        _fail(error)
    if not preview.deployed_already:
        _echo_preview(preview, show=20)
        if preview.changed and not yes:
            click.confirm(
                "Deploy these rules? Claims already running keep the version they started on", abort=True
            )
    try:
        version, new = deploy_process("cli", utc_now(), expected_version=preview.candidate_version)
    except ServiceError as error:
        _fail(error)
    click.echo(f"{version.version} {'deployed: new claims start on it' if new else 'unchanged'}")


def _echo_preview(preview, show: int) -> None:  # noqa: ANN001 - a fund.admin.rule_preview.RulePreview
    """The summary of a rule preview: counts by change, then the first ``show`` claims."""
    deployed = "deployed already" if preview.deployed_already else "not deployed"
    click.echo(
        f"candidate rules in {preview.directory}: version {preview.candidate_version[:12]} ({deployed})"
    )
    click.echo(
        f"{preview.claims_checked} claim(s) checked: {len(preview.changed)} would be decided differently"
        if preview.changed
        else f"{preview.claims_checked} claim(s) checked: no claim would be decided differently"
    )
    for change, count in preview.changes:
        click.echo(f"  {change}: {count} claim(s)")
    for claim in preview.changed[:show]:
        click.echo(f"    {claim.reference}  {claim.status:<20} {claim.change}")
    if len(preview.changed) > show:
        click.echo(f"    ... and {len(preview.changed) - show} more")
    for reference, why in preview.not_compared[:show]:
        click.echo(f"  not compared: {reference}: {why}")
    if len(preview.not_compared) > show:
        click.echo(f"  not compared: {len(preview.not_compared) - show} more")


@click.group("rules")
def rules_group() -> None:
    """Decision tables: what a rule change would change."""


@rules_group.command("preview")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="write every changed claim"
)
@click.option("--show", default=50, show_default=True, help="claims to list (the CSV has them all)")
@with_appcontext
def rules_preview_command(directory: str | None, csv_path: str | None, show: int) -> None:
    """Run the decision tables in DIRECTORY (default: bpmn/) on every claim's recorded facts and list
    the claims they would decide differently from the claim's own process version."""
    from pathlib import Path

    from fund.admin.rule_preview import preview_csv, preview_rule_change
    from fund.common.system import system_user

    try:
        preview = preview_rule_change(system_user(), Path(directory) if directory else None)
    except ServiceError as error:
        _fail(error)
    _echo_preview(preview, show)
    if csv_path:
        Path(csv_path).write_bytes(preview_csv(preview))
        click.echo(f"wrote {csv_path}")


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
    from fund.common.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, password, list(roles), utc_now(), full_name)
    except ServiceError as error:
        _fail(error)
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles))}")


@user_group.command("email")
@click.argument("username")
@click.argument("address")
@with_appcontext
def user_email_command(username: str, address: str) -> None:
    """Set a staff member's work e-mail (an empty ADDRESS clears it): supervisors get the daily
    service-levels digest there."""
    from fund.common.users import set_work_email

    try:
        user = set_work_email(username, address)
    except ServiceError as error:
        _fail(error)
    click.echo(f"{user.username}: {'e-mail set' if user.email else 'no e-mail'}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo users (one per role; passwords printed) and claims in every state. Idempotent."""
    from .demo import load_demo

    load_demo(click.echo)


@click.group("keys")
def keys_group() -> None:
    """The key that signs letters."""


@keys_group.command("demo")
@click.option(
    "--passphrase",
    envvar="FUND_SIGNING_KEY_PASSPHRASE",
    help="Passphrase of the PKCS#12 file (default: FUND_SIGNING_KEY_PASSPHRASE, else a random one).",
)
@click.option("--replace", is_flag=True, help="Replace demo keys made before.")
@with_appcontext
def keys_demo_command(passphrase: str | None, replace: bool) -> None:
    """Make a demo root certificate and a letter-signing key under instance/signing/ (demo only)."""
    import secrets
    from pathlib import Path

    from fund.letters.signing import DEMO_DIRECTORY, DEMO_KEY_FILE, make_demo_keys

    directory = Path(current_app.instance_path) / DEMO_DIRECTORY
    if (directory / DEMO_KEY_FILE).exists() and not replace:
        click.echo(
            f"error: {directory / DEMO_KEY_FILE} exists: letters signed with it verify only against its "
            "root; pass --replace to make new demo keys anyway",
            err=True,
        )
        sys.exit(2)
    keys = make_demo_keys(directory, passphrase or secrets.token_urlsafe(18))
    click.echo(f"demo root certificate: {keys.root_pem}")
    click.echo(f"demo signing key and certificate: {keys.key_p12}")
    click.echo("letters are signed once these are set (a demo key: never for real letters):")
    click.echo(f"  export FUND_SIGNING_KEY={keys.key_p12}")
    click.echo(f"  export FUND_SIGNING_KEY_PASSPHRASE='{keys.passphrase}'")
    click.echo(f"  export FUND_SIGNING_TRUST_ROOT={keys.root_pem}")
    click.echo(f"check a letter offline: pyhanko sign validate --trust {keys.root_pem} letter.pdf")


@keys_group.command("rotate")
@click.argument("key", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--from",
    "valid_from",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d"]),
    help="Almaty time from which the new key signs (default: now).",
)
@click.option(
    "--passphrase",
    envvar="FUND_SIGNING_KEY_PASSPHRASE",
    help="Passphrase of the PKCS#12 file (default: FUND_SIGNING_KEY_PASSPHRASE).",
)
@with_appcontext
def keys_rotate_command(key: str, valid_from, passphrase: str | None) -> None:
    """Record a new signing key's certificate, taking over from a date; earlier letters still verify."""
    import os
    from datetime import UTC

    from fund.common.time import FUND_TIME_ZONE
    from fund.extensions import db
    from fund.letters.certificates import fingerprint, record_certificate
    from fund.letters.signing import SigningKeyError, _load_signer

    try:
        signer = _load_signer(key, passphrase or "")
    except SigningKeyError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    now = utc_now()
    start = valid_from.replace(tzinfo=FUND_TIME_ZONE).astimezone(UTC) if valid_from else now
    os_user = os.environ.get("USER", "unknown")
    try:
        record_certificate(signer.signing_cert, start, now, f"fund keys rotate ({os_user})")
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"certificate {fingerprint(signer.signing_cert)} signs letters from {start.isoformat()}")
    click.echo("add the key to FUND_SIGNING_KEY beside the current one (separated by ':'), e.g.")
    click.echo(f"  export FUND_SIGNING_KEY={key}:$FUND_SIGNING_KEY")
    click.echo("and keep its root certificate in FUND_SIGNING_TRUST_ROOT with the earlier roots.")


@click.group("claims")
def claims_group() -> None:
    """Claims."""


@claims_group.command("show")
@click.argument("reference")
@with_appcontext
def claims_show_command(reference: str) -> None:
    """Show a claim's status, amounts, open tasks and history."""
    from fund.claims.history import LETTER_ISSUED, claim_events
    from fund.claims.submission import claim_summary
    from fund.common.system import system_user

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
    click.echo(f"{'flags':>20}: {', '.join(summary['flags']) or '-'}")
    for other in summary["same_victim_and_case"]:  # one payment per victim and criminal case
        click.echo(f"{'same victim and case':>20}: {other['reference']} ({other['status']})")
    click.echo("          open tasks:")
    for task in summary["open_tasks"]:
        click.echo(f"    {task['id']}  {task['name']:<24} role {task['role']}")
    click.echo("             history:")
    from fund.claims.submission import get_claim

    for event in claim_events(get_claim(system_user(), reference)):
        letter = (event.input or {}).get("letter") if event.type == LETTER_ISSUED else None
        outcome = f"{letter['kind']} letter {letter['number']}" if letter else event.result.get("status")
        click.echo(
            f"    {event.sequence:>3} {event.occurred_at:%Y-%m-%d %H:%M} {event.type:<18} "
            f"{event.actor:<12} -> {outcome}"
        )


@click.group("tasks")
def tasks_group() -> None:
    """Worklists."""


@tasks_group.command("list")
@click.option("--role", default=None, help="only tasks for this role")
@with_appcontext
def tasks_list_command(role: str | None) -> None:
    """List ready tasks by role."""
    from fund.claims.tasks import open_tasks
    from fund.common.system import system_user

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
    """Fire due timers, issue due letters, send e-mails and seal the history daily; several workers
    may share one PostgreSQL database."""
    from fund.operations.heartbeats import this_worker_id
    from fund.worker import run_recorded_round

    stopping = _stop_on_sigterm(install=not once)
    timers_failed = False
    worker_id = this_worker_id()
    while True:
        done = run_recorded_round(worker_id, utc_now, should_stop=stopping.is_set)
        if done.timers_fired or once:
            click.echo(f"fired timers of {len(done.timers_fired)} claim(s)")
        if done.timers_failed:  # each is logged with its traceback; they keep their timers
            timers_failed = True
            click.echo(f"timers failed, left for the next round: {', '.join(done.timers_failed)}", err=True)
        if done.letters_issued:
            click.echo(f"issued {len(done.letters_issued)} letter(s)")
        if done.recourse_opened:
            click.echo(f"opened or extended recourse cases of {len(done.recourse_opened)} claim(s)")
        if done.notifications_sent or (once and done.notifications_sent is not None):
            click.echo(f"sent {done.notifications_sent} notification(s)")
        if done.sealed:
            click.echo("sealed the history (daily seal)")
        if once or stopping.is_set():
            if stopping.is_set():
                click.echo(f"worker stopped ({getattr(stopping, 'signal_name', 'SIGTERM')})")
            sys.exit(1 if once and timers_failed else 0)
        stopping.wait(interval)


def _stop_on_sigterm(install: bool):  # noqa: ANN202 - a threading.Event
    """An event set by SIGTERM (systemd's stop) or SIGINT (Ctrl-C, as under ``fund serve``): the
    worker finishes the claim in hand, then exits. The signal's name is kept as ``signal_name``."""
    import signal
    import threading

    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        stopping.signal_name = signal.Signals(signum).name
        stopping.set()

    if install and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    return stopping


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="the port")
@click.option(
    "--worker-interval",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    envvar="FUND_WORKER_INTERVAL",
    help="seconds between the worker's rounds (env FUND_WORKER_INTERVAL)",
)
@with_appcontext
def serve_command(host: str, port: int, worker_interval: float) -> None:
    """Serve the application with one worker (the quick start; SQLite): timers fire, e-mail is sent,
    the history is sealed. Ctrl-C or SIGTERM stops both. Production runs gunicorn and `fund worker`."""
    from fund.operations.serve import serve

    try:
        code = serve(current_app._get_current_object(), host, port, worker_interval, click.echo)
    except OSError as error:  # the port is taken, or the address is not this machine's
        click.echo(f"error: cannot listen on {host}:{port}: {error.strerror or error}", err=True)
        code = 2
    sys.exit(code)


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """List what is not ready for production, one line each with what to do; exit 1 when anything is."""
    from fund.demo import DEMO_EMAIL_DOMAIN, DEMO_USERS, demo_password
    from fund.operations.doctor import production_findings

    demo_accounts = [(username, demo_password(username)) for username, _name, _roles in DEMO_USERS]
    findings = production_findings(utc_now(), demo_accounts, DEMO_EMAIL_DOMAIN)
    for finding in findings:
        click.echo(f"NOT READY {finding.name}: {finding.problem}. Do: {finding.remedy}")
    if findings:
        click.echo(f"{len(findings)} thing(s) not ready for production")
        sys.exit(1)
    click.echo("ready for production: nothing found")


@click.group("audit")
def audit_group() -> None:
    """Tamper evidence: verify every history, seal them, export a claim for auditors."""


@audit_group.command("verify")
@click.argument("references", nargs=-1)
@click.option("--all", "all_claims", is_flag=True, help="every claim (the default without references)")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="only claims with events since"
)
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False), default=None, help="JSON report path"
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="worker processes that verify claims side by side (up to the number of CPUs helps)",
)
@click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="also check the database against this published anchor (fund audit seal --publish)",
)
@with_appcontext
def audit_verify_command(
    references: tuple[str, ...],
    all_claims: bool,
    since,
    report_path: str | None,
    jobs: int,
    anchor_path: str | None,
) -> None:
    """Check the seals, every claim's chain and replay, and every letter; non-zero exit on findings.

    With --anchor, first check the anchor's signature (a refused anchor stops here, exit 2), then
    the database against it: a history rewritten with every hash and seal recomputed is named."""
    import json
    from datetime import UTC
    from pathlib import Path

    from fund.audit.anchors import AnchorRefused, verify_anchor_file
    from fund.audit.findings import AuditReport
    from fund.audit.runs import claims_to_verify, verify_claims
    from fund.audit.seals import verify_seals
    from fund.common.system import system_user
    from fund.letters.signing import SigningKeyError

    if all_claims and references:
        raise click.UsageError("give --all or claim references, not both")
    actor = system_user()
    now = utc_now()
    report = AuditReport(now.isoformat())
    try:
        claims = claims_to_verify(actor, list(references), since.replace(tzinfo=UTC) if since else None)
    except ServiceError as error:
        _fail(error)
    try:
        anchored = verify_anchor_file(actor, Path(anchor_path), report.notes) if anchor_path else []
        report.seals_checked, report.findings = verify_seals(actor, report.notes)
    except AnchorRefused as error:
        click.echo(f"error: the anchor {anchor_path} is refused: {error}", err=True)
        sys.exit(2)
    except SigningKeyError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    # The anchor's findings first: they are what no recomputation inside the database can hide.
    report.findings = anchored + [finding for finding in report.findings if finding not in anchored]
    with click.progressbar(length=len(claims), label="verifying claims", item_show_func=lambda r: r) as bar:
        verify_claims(actor, claims, report, jobs, lambda count, reference: bar.update(count, reference))
    path = Path(report_path or Path(current_app.instance_path) / f"audit-report-{now:%Y%m%dT%H%M%SZ}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    click.echo(
        f"{report.seals_checked} seal(s), {report.claims_checked} claim(s), "
        f"{report.events_checked} event(s), {report.letters_checked} letter(s) checked: "
        f"{len(report.findings)} finding(s)"
    )
    for finding in report.findings:
        click.echo(f"  FINDING {finding}")
    for note in report.notes:
        click.echo(f"  NOTE {note}")
    click.echo(f"report: {path}")
    if not report.ok:
        sys.exit(1)


@audit_group.command("seal")
@click.option("--if-due", is_flag=True, help="only when the latest seal is older than a day (for cron)")
@click.option(
    "--publish",
    "publish_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="then write the latest (signed) seal to FILE as an anchor to publish, and FILE.heads.json to keep",
)
@with_appcontext
def audit_seal_command(if_due: bool, publish_path: str | None) -> None:
    """Seal the head of every claim's history into the global chain, as of a minute ago (SEAL_LAG).

    With a signing key configured the seal is signed; --publish writes it as an anchor (README,
    "Anchoring the history")."""
    from pathlib import Path

    from fund.audit.anchors import heads_path, publish_latest_seal
    from fund.audit.seals import SEAL_LAG, seal_history
    from fund.common.system import system_user
    from fund.letters.signing import SigningKeyError

    try:
        seal = seal_history(utc_now() - SEAL_LAG, system_user(), if_due=if_due)
    except ServiceError as error:
        _fail(error)
    except SigningKeyError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if seal is None:
        click.echo("not due: the latest seal is less than a day old")
    else:
        signed = "signed" if seal.signature is not None else "unsigned: no FUND_SIGNING_KEY"
        click.echo(f"seal #{seal.sequence} of {seal.claim_count} claim(s) ({signed}): {seal.hash}")
    if publish_path:
        try:
            published = publish_latest_seal(system_user())
        except ServiceError as error:
            _fail(error)
        Path(publish_path).write_text(published.text, encoding="utf-8")
        heads = heads_path(Path(publish_path))
        heads.write_text(published.heads_json, encoding="utf-8")
        click.echo(f"anchor of seal #{published.seal.sequence} written to {publish_path}: publish it")
        click.echo(f"its claim heads written to {heads}: keep it with the anchor (it names rewritten claims)")


@audit_group.command("export")
@click.argument("reference")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="the zip file to write")
@with_appcontext
def audit_export_command(reference: str, output: str) -> None:
    """Export a claim's events, process files, letters and verification as a zip with manifests.

    The export holds personal data: it is written to the claim's access log with the OS user.
    """
    import getpass
    from pathlib import Path

    from fund.audit.export import export_claim
    from fund.common.system import system_user

    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        os_user = "unknown"
    try:
        data = export_claim(system_user(), reference, utc_now(), f"command line, OS user {os_user}")
    except ServiceError as error:
        _fail(error)
    Path(output).write_bytes(data)
    click.echo(f"wrote {output}; check it offline: unzip it -d x && cd x && sha256sum -c MANIFEST.sha256")


@audit_group.command("check-export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def audit_check_export_command(path: str) -> None:
    """Check an exported zip without the database: manifests, event chain, process files, letters."""
    from pathlib import Path

    from fund.audit.export import check_export

    problems = check_export(Path(path).read_bytes())
    for problem in problems:
        click.echo(f"  PROBLEM {problem}")
    click.echo("export intact" if not problems else f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


def register_commands(app) -> None:
    """Add the fund's commands to the application's CLI."""
    for command in (
        init_command,
        deploy_command,
        rules_group,
        user_group,
        demo_command,
        keys_group,
        claims_group,
        tasks_group,
        worker_command,
        serve_command,
        doctor_command,
        audit_group,
    ):
        app.cli.add_command(command)
