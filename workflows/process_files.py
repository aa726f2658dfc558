"""The files of a process version (BPMN, DMN, forms) and the sha256 version that names them.

A version is identified by the sha256 of its files (path and content), so the same files always
give the same version and any change gives a new one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

MAIN_PROCESS = "compensation_claim"
PROCESS_FILE_PATTERNS = ("*.bpmn", "*.dmn", "forms/*.json")


@dataclass(frozen=True)
class ProcessFiles:
    """The files of one process version, by path relative to the bpmn/ folder."""

    files: dict[str, bytes]
    version: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0")
            digest.update(hashlib.sha256(self.files[path]).digest())
        object.__setattr__(self, "version", digest.hexdigest())

    def bpmn_file_of(self, process_id: str = MAIN_PROCESS) -> bytes | None:
        """The BPMN file that holds the process ``process_id`` (its diagram is drawn from it)."""
        tag = re.compile(rb"<(?:\w+:)?process\s[^>]*\bid=\"([^\"]+)\"")
        for content in self.matching(".bpmn").values():
            if process_id.encode() in tag.findall(content):
                return content
        return None

    def matching(self, suffix: str) -> dict[str, bytes]:
        """The files whose path ends with ``suffix``."""
        return {path: data for path, data in sorted(self.files.items()) if path.endswith(suffix)}


def read_process_files(directory: Path) -> ProcessFiles:
    """Read the process files (BPMN, DMN, forms) under ``directory``."""
    files = {}
    for pattern in PROCESS_FILE_PATTERNS:
        for path in sorted(directory.glob(pattern)):
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return ProcessFiles(files)
