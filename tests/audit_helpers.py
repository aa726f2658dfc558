"""Damage to a stored process version, as an intruder with SQL access (or a failing disk) would do it.

Each kind of damage changes one file of a version in the table ``process_files`` so that it no
longer loads: the auditors' tools must report it and go on, never stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from fund.extensions import db
from fund.models import ProcessFile, ProcessVersion
from workflows.specs import ProcessFiles


def _duplicate_an_id(bpmn: bytes) -> bytes:
    first, second = re.findall(rb'\bid="([^"]+)"', bpmn)[1:3]
    return bpmn.replace(b'id="' + second + b'"', b'id="' + first + b'"', 1)


def _break_a_tag(xml: bytes) -> bytes:
    at = xml.index(b"<", xml.index(b"?>") + 2) + 1  # the first element's name, after the declaration
    return xml[:at] + b"\x00" + xml[at + 1 :]


# kind of damage: (the file damaged, how)
PROCESS_FILE_DAMAGE: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "a BPMN byte that no longer parses": ("compensation_claim.bpmn", _break_a_tag),
    "invalid UTF-8 in a form": ("forms/review.json", lambda form: form.replace(b'"', b'"\xff', 1)),
    "a form that is not JSON": ("forms/intake_check.json", lambda form: form.replace(b"{", b"[", 1)),
    "a duplicated id in the BPMN": ("compensation_claim.bpmn", _duplicate_an_id),
    "a DMN that no longer parses": ("eligibility.dmn", _break_a_tag),
}


def stored_files(version: str) -> dict[str, bytes]:
    """The files stored for a process version, by path."""
    return dict(
        db.session.execute(
            select(ProcessFile.path, ProcessFile.content).where(ProcessFile.version == version)
        ).all()
    )


def damage_stored_file(version: str, kind: str) -> None:
    """Apply one kind of damage to the stored files of ``version``, directly in the database."""
    path, change = PROCESS_FILE_DAMAGE[kind]
    content = stored_files(version)[path]
    db.session.execute(
        update(ProcessFile)
        .where(ProcessFile.version == version, ProcessFile.path == path)
        .values(content=change(content))
    )
    db.session.commit()


def store_version(files: dict[str, bytes], deployed_at: datetime) -> str:
    """Store files as a process version under their own sha256, as a deploy would (unchecked)."""
    version = ProcessFiles(files).version
    row = ProcessVersion(
        version=version, process_id="compensation_claim", deployed_at=deployed_at, deployed_by="tests"
    )
    row.files = [ProcessFile(path=path, content=content) for path, content in files.items()]
    db.session.add(row)
    db.session.commit()
    return version


def variant_of(files: dict[str, bytes], tag: str) -> dict[str, bytes]:
    """The same process with a comment added to its main BPMN: another version that runs alike."""
    main = files["compensation_claim.bpmn"]
    return dict(files, **{"compensation_claim.bpmn": main + f"<!-- {tag} -->\n".encode()})
