"""Signed seals and the published anchor: a rewritten database is caught even with every hash redone.

Seals are signed with the fund's key (the demo keys ``fund keys demo`` makes) as they are made;
``fund audit seal --publish FILE`` writes the latest as an anchor outside the database, and
``fund audit verify --anchor FILE`` checks the database against it. The intruder here has SQL
access and the fund's code, not its key: they rewrite a claim's history, recompute every event hash
and every seal with the fund's own hashing functions, and re-sign the seals with a key of their own
or leave them unsigned.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyhanko.sign import signers
from sqlalchemy import select, update

from fund.audit.anchors import OPENSSL_CHECK, heads_path
from fund.audit.seal_signatures import read_signature, seal_statement, sign_statement, signature_problem
from fund.audit.seals import heads_digest, history_heads, seal_hash, seal_history, verify_seals
from fund.claims.history import GENESIS_HASH, hash_of
from fund.common.system import system_user
from fund.extensions import db
from fund.letters.signing import make_demo_keys, trust_roots
from fund.models import Claim, Seal, WorkflowEvent, WorkflowInstance
from fund.worker import seal_if_due

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="session")
def fund_keys(tmp_path_factory):
    """The fund's root certificate and signing key."""
    return make_demo_keys(tmp_path_factory.mktemp("fund-keys"), PASSPHRASE)


@pytest.fixture(scope="session")
def intruder_keys(tmp_path_factory):
    """A root and key that look like the fund's (same names) but are not: an intruder's."""
    return make_demo_keys(tmp_path_factory.mktemp("intruder-keys"), PASSPHRASE)


def configure(app, monkeypatch, keys, root=None) -> None:
    """The application signs with ``keys`` and trusts ``root`` (the root of ``keys`` by default)."""
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY", str(keys.key_p12))
    monkeypatch.setitem(app.config, "FUND_SIGNING_KEY_PASSPHRASE", keys.passphrase)
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", str(root or keys.root_pem))


@pytest.fixture
def signing(app, monkeypatch, fund_keys):
    configure(app, monkeypatch, fund_keys)
    return fund_keys


@pytest.fixture
def two_claims(submit, officers) -> tuple[str, str]:
    """Two claims with two events each."""
    references = []
    for _ in range(2):
        reference = submit()["reference"]
        officers.check_documents(reference)
        references.append(reference)
    return references[0], references[1]


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def publish(app, tmp_path) -> Path:
    """Seal now, then ``fund audit seal --if-due --publish``: not due (just sealed), so the latest
    seal is written as an anchor. (The command itself seals as of a minute ago, before these
    tests' claims.) The anchor's path."""
    seal_history(datetime.now(UTC), system_user())
    anchor = tmp_path / "anchor.txt"
    result = cli(app, "audit", "seal", "--if-due", "--publish", str(anchor))
    assert result.exit_code == 0, result.output
    assert "not due" in result.output and f"written to {anchor}: publish it" in result.output
    return anchor


def verify_with_anchor(app, anchor: Path):
    db.session.expire_all()
    return cli(
        app, "audit", "verify", "--anchor", str(anchor), "--report", str(anchor.parent / "report.json")
    )


def claim_id(reference: str) -> int:
    return db.session.scalar(select(Claim.id).where(Claim.reference == reference))


# --- what the intruder does, with the fund's code -------------------------------------------------


def rewrite_history(reference: str) -> None:
    """Change who did the claim's first event, then recompute every event hash of the claim."""
    events = list(
        db.session.scalars(
            select(WorkflowEvent)
            .where(WorkflowEvent.claim_id == claim_id(reference))
            .order_by(WorkflowEvent.sequence)
        )
    )
    events[0].actor = "mallory"
    previous = GENESIS_HASH
    for event in events:
        event.previous_hash = previous
        event.hash = hash_of(event, reference)
        previous = event.hash
    db.session.execute(
        update(WorkflowInstance)
        .where(WorkflowInstance.claim_id == claim_id(reference))
        .values(last_event_hash=previous)
    )
    db.session.commit()


def remake_every_seal(signer: signers.Signer | None) -> None:
    """Recompute every seal over the rewritten histories, signed with ``signer`` or unsigned."""
    previous = GENESIS_HASH
    for seal in db.session.scalars(select(Seal).order_by(Seal.sequence)):
        seal.heads = history_heads(seal.sealed_at)
        seal.digest = heads_digest(seal.heads)
        seal.claim_count = len(seal.heads)
        seal.previous_hash = previous
        seal.hash = seal_hash(
            previous, seal.sequence, seal.sealed_at, seal.sealed_by, seal.claim_count, seal.digest
        )
        seal.signature = (
            None if signer is None else sign_statement(seal_statement(seal), signer, datetime.now(UTC))
        )
        previous = seal.hash
    db.session.commit()


def intruder_signer(keys) -> signers.SimpleSigner:
    return signers.SimpleSigner.load_pkcs12(str(keys.key_p12), passphrase=keys.passphrase.encode())


# --- signed seals ------------------------------------------------------------------------------------


def test_a_seal_made_with_a_key_configured_is_signed_and_verifies(app, signing, two_claims):
    seal = seal_history(datetime.now(UTC), system_user())
    assert seal.signature is not None
    signature = read_signature(seal.signature)
    assert "Victims Compensation Fund letters (demo)" in signature.signer
    assert signature.signed_at is not None and abs(signature.signed_at - datetime.now(UTC)) < timedelta(
        minutes=1
    )
    roots = trust_roots(str(signing.root_pem))
    assert signature_problem(seal_statement(seal), seal.signature, roots) is None
    notes: list[str] = []
    assert verify_seals(system_user(), notes) == (1, [])
    assert notes == []


def test_the_worker_signs_its_daily_seal(app, signing, two_claims):
    assert seal_if_due(datetime.now(UTC)) is True
    assert db.session.scalar(select(Seal.signature)) is not None


def test_a_changed_signed_seal_no_longer_matches_its_signature(app, signing, two_claims):
    """Even with its hash recomputed, a seal whose fields changed fails its signature."""
    seal = seal_history(datetime.now(UTC), system_user())
    seal.sealed_by = "mallory"
    seal.hash = seal_hash(seal.previous_hash, 1, seal.sealed_at, "mallory", seal.claim_count, seal.digest)
    db.session.commit()
    _, findings = verify_seals(system_user())
    assert [str(finding) for finding in findings] == ["seal #1: its signature does not match its content"]


def test_seals_re_signed_with_another_key_are_findings_without_an_anchor(
    app, signing, two_claims, intruder_keys
):
    seal_history(datetime.now(UTC) - timedelta(minutes=5), system_user())
    seal_history(datetime.now(UTC), system_user())
    rewrite_history(two_claims[0])
    remake_every_seal(intruder_signer(intruder_keys))
    _, findings = verify_seals(system_user())
    assert [str(finding) for finding in findings] == [
        f"seal #{n}: its signature is not from a certificate of FUND_SIGNING_TRUST_ROOT" for n in (1, 2)
    ]


def test_a_seal_left_unsigned_after_a_signed_one_is_a_finding(app, signing, two_claims):
    seal_history(datetime.now(UTC) - timedelta(minutes=5), system_user())
    second = seal_history(datetime.now(UTC), system_user())
    second.signature = None
    db.session.commit()
    _, findings = verify_seals(system_user())
    assert [str(finding) for finding in findings] == [
        "seal #2: is unsigned, though seal #1 before it is signed"
    ]


def test_seals_signed_before_a_key_rotation_still_verify(
    app, monkeypatch, fund_keys, intruder_keys, two_claims
):
    """After the fund moves to a new key under a new root, both roots trusted, older seals verify."""
    configure(app, monkeypatch, fund_keys)
    seal_history(datetime.now(UTC) - timedelta(minutes=5), system_user())
    new_keys = intruder_keys  # here: the fund's next key and root
    both_roots = f"{new_keys.root_pem}:{fund_keys.root_pem}"
    configure(app, monkeypatch, new_keys, root=both_roots)
    seal_history(datetime.now(UTC), system_user())
    first, second = db.session.scalars(select(Seal).order_by(Seal.sequence))
    assert read_signature(first.signature).certificate != read_signature(second.signature).certificate
    assert verify_seals(system_user()) == (2, [])


def test_without_a_key_seals_are_unsigned_and_verify_says_so(app, two_claims, tmp_path):
    assert not app.config.get("FUND_SIGNING_KEY")
    sealed = cli(app, "audit", "seal")
    assert sealed.exit_code == 0 and "seal #1 of 0 claim(s) (unsigned: no FUND_SIGNING_KEY)" in sealed.output
    seal_history(datetime.now(UTC), system_user())  # and one over the claims (the command's lags)
    verified = cli(app, "audit", "verify", "--report", str(tmp_path / "report.json"))
    assert verified.exit_code == 0, verified.output
    assert "0 finding(s)" in verified.output
    assert (
        "NOTE 2 of 2 seal(s) unsigned (made while no FUND_SIGNING_KEY was configured): #1-2"
        in verified.output
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ok"] is True and report["notes"][0].startswith("2 of 2 seal(s) unsigned")


def test_an_unsigned_seal_is_not_published(app, two_claims, tmp_path):
    result = cli(app, "audit", "seal", "--publish", str(tmp_path / "anchor.txt"))
    assert "seal #1 of 0 claim(s) (unsigned: no FUND_SIGNING_KEY)" in result.output
    assert result.exit_code == 2
    assert "seal #1 is unsigned" in result.output and "an unsigned anchor proves nothing" in result.output
    assert not (tmp_path / "anchor.txt").exists()


# --- the published anchor ----------------------------------------------------------------------------


def test_publish_then_verify_against_the_anchor(app, signing, two_claims, tmp_path):
    anchor = publish(app, tmp_path)
    text = anchor.read_text()
    assert "seal: 1\n" in text and "claims: 2\n" in text and "-----BEGIN CMS-----" in text
    # A page or so to print (its certificate and signature vary a little in length with the key).
    assert "-----BEGIN CERTIFICATE-----" in text and len(text.splitlines()) <= 100
    assert heads_path(anchor).is_file()
    seal_history(datetime.now(UTC), system_user())  # life goes on after publishing
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.output
    assert "NOTE the database holds the published seal #1 of" in result.output
    assert "every later seal descends from it" in result.output


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command (Debian: openssl)")
def test_anyone_checks_the_anchor_with_openssl(app, signing, two_claims, tmp_path):
    """The two commands the anchor itself prints, run as printed: OpenSSL accepts the fund's
    anchor, and refuses it once a digit of its statement changes."""
    anchor = publish(app, tmp_path)
    shutil.copy(signing.root_pem, tmp_path / "root.pem")
    assert OPENSSL_CHECK in anchor.read_text()
    commands = OPENSSL_CHECK.replace("ANCHOR", anchor.name)

    def openssl_check() -> subprocess.CompletedProcess:
        return subprocess.run(["sh", "-c", commands], cwd=tmp_path, capture_output=True, text=True)

    checked = openssl_check()
    assert checked.returncode == 0, checked.stderr
    assert "Verification successful" in checked.stderr
    assert (tmp_path / "statement.txt").read_bytes() == seal_statement(db.session.get(Seal, 1))
    anchor.write_text(anchor.read_text().replace("claims: 2\n", "claims: 3\n"))
    assert openssl_check().returncode != 0


@pytest.mark.parametrize("resigned", ["with the intruder's key", "unsigned"])
def test_a_rewritten_database_is_caught_by_the_anchor(
    app, signing, two_claims, tmp_path, intruder_keys, resigned
):
    victim, other = two_claims
    anchor = publish(app, tmp_path)
    seal_history(datetime.now(UTC), system_user())  # a later seal, remade by the intruder too
    rewrite_history(victim)
    remake_every_seal(intruder_signer(intruder_keys) if resigned != "unsigned" else None)

    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 1, result.output
    findings = [
        line.strip().removeprefix("FINDING ") for line in result.output.splitlines() if "FINDING" in line
    ]
    assert findings[0].startswith(
        "seal #1: differs from the published anchor (digest, hash): the history as of"
    )
    assert f"{victim}: its history up to seal #1 was rewritten: sealed 3 event(s)" in "\n".join(findings)
    assert not any(line.startswith(f"{other}:") for line in findings)
    assert "seal #2: does not descend from the anchored seal #1" in findings


def test_without_its_heads_file_the_anchor_names_the_seal(app, signing, two_claims, tmp_path):
    victim, _ = two_claims
    anchor = publish(app, tmp_path)
    heads_path(anchor).unlink()
    rewrite_history(victim)
    remake_every_seal(None)
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 1, result.output
    assert "FINDING seal #1: differs from the published anchor (digest, hash)" in result.output
    assert victim not in result.output
    assert "NOTE the rewritten claims cannot be named without the anchored seal's heads" in result.output


def test_a_history_rewritten_but_seals_left_alone_is_named_by_the_anchor(app, signing, two_claims, tmp_path):
    """The anchored seal still matches, so its heads in the database name the claim."""
    victim, _ = two_claims
    anchor = publish(app, tmp_path)
    heads_path(anchor).unlink()
    rewrite_history(victim)
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 1, result.output
    assert f"FINDING {victim}: its history up to seal #1 was rewritten" in result.output
    assert result.output.count(f"FINDING {victim}:") == 1  # the anchor's and the seals' check, said once


def test_a_deleted_anchored_seal_is_caught(app, signing, two_claims, tmp_path):
    anchor = publish(app, tmp_path)
    db.session.delete(db.session.get(Seal, 1))
    db.session.commit()
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 1, result.output
    assert "FINDING seal #1: is in the published anchor but not in the database" in result.output


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda text: text.replace("claims: 2\n", "claims: 3\n"), "its signature does not match its content"),
        (lambda text: text.replace("seal: 1\n", "seal: one\n"), "its signature does not match its content"),
        (
            lambda text: text.replace("-----BEGIN CMS-----\n", "-----BEGIN CMS-----\n*"),
            "it has no signature (no -----BEGIN CMS----- block)",
        ),
        (lambda text: text.split("--- signed statement")[0], "it has no signed statement"),
    ],
    ids=["a figure changed", "a field spoiled", "the signature damaged", "the statement cut off"],
)
def test_a_tampered_anchor_file_is_refused(app, signing, two_claims, tmp_path, change, refusal):
    anchor = publish(app, tmp_path)
    anchor.write_text(change(anchor.read_text()))
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 2, result.output
    assert f"the anchor {anchor} is refused: {refusal}" in result.output
    assert "finding(s)" not in result.output  # refused before anything is verified


def test_an_anchor_signed_by_another_key_is_refused(
    app, monkeypatch, signing, intruder_keys, two_claims, tmp_path
):
    """An intruder can publish an anchor of the rewritten database, but not one the fund's root trusts."""
    configure(app, monkeypatch, intruder_keys, root=signing.root_pem)
    anchor = publish(app, tmp_path)
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 2, result.output
    assert "refused: its signature is not from a certificate of FUND_SIGNING_TRUST_ROOT" in result.output


def test_an_anchor_is_not_checked_without_a_trust_root(app, monkeypatch, signing, two_claims, tmp_path):
    anchor = publish(app, tmp_path)
    monkeypatch.setitem(app.config, "FUND_SIGNING_TRUST_ROOT", None)
    result = verify_with_anchor(app, anchor)
    assert result.exit_code == 2, result.output
    assert "refused: FUND_SIGNING_TRUST_ROOT is not configured" in result.output
