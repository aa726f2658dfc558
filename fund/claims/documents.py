"""A claim's documents as they arrive: checked by their content, never their name, and stored with
their sha256.

The same checks for every way a document comes in: the claimant's portal (at submission and when
the fund asks for documents) and intake registering a paper or walk-in application. Documents are
PDF, JPEG or PNG, recognised by their content (signature and a complete ending); the stored name is
the file's own name without any path, in characters that are safe everywhere, with the extension
of the type found. Every refusal names the file by its place in the request
(``files.<n>.content``, ``files.<n>.code``) with a stable code from :data:`UPLOAD_PROBLEMS`, so
the page can say which file and what is allowed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context

from fund.common.errors import Invalid
from fund.models import Document

MAX_FILES = 10  # default of FUND_PORTAL_MAX_FILES, per request
MAX_UPLOAD_MB = 15  # default of FUND_MAX_UPLOAD_MB, per file
FILENAME_MAX = 120
UPLOAD_PROBLEMS = (
    "required",  # files: no file was sent; files.<n>.code: no document code
    "too_many",  # files: more files than allowed in one request
    "unknown_code",  # files.<n>.code: not a document code of the fund (codes.json)
    "empty",  # files.<n>.content: the file is empty
    "too_large",  # files.<n>.content: larger than the limit
    "type_not_allowed",  # files.<n>.content: not a PDF, JPEG or PNG
    "truncated",  # files.<n>.content: starts like a PDF, JPEG or PNG but its end is missing
)
# Types by content: (content type, extension, how it starts, how its end looks).
_PNG_END = b"IEND\xaeB`\x82"
_TYPES = (
    ("application/pdf", ".pdf", b"%PDF-"),
    ("image/jpeg", ".jpg", b"\xff\xd8\xff"),
    ("image/png", ".png", b"\x89PNG\r\n\x1a\n"),
)
_TAIL = 1024  # the end marker must lie this close to the end (PDF allows trailing bytes)
_UNSAFE = re.compile(r"[^\w .()\-]+")


@dataclass(frozen=True)
class UploadedFile:
    """A file sent to the fund: the document code it is meant as, its name, its bytes."""

    code: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with the type its content showed."""

    file: UploadedFile
    content_type: str
    extension: str


def upload_setting(name: str, default: int) -> int:
    """An integer setting of uploads from the app's configuration (the default without an app)."""
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def detect_type(content: bytes) -> tuple[str, str] | str:
    """(content type, extension) of a PDF, JPEG or PNG by its bytes; else a problem code."""
    if not content:
        return "empty"
    for content_type, extension, signature in _TYPES:
        if content.startswith(signature):
            tail = content[-_TAIL:]
            complete = {
                "application/pdf": b"%%EOF" in tail,
                "image/jpeg": len(content) > 4 and b"\xff\xd9" in tail,
                "image/png": _PNG_END in tail and content[12:16] == b"IHDR",
            }[content_type]
            return (content_type, extension) if complete else "truncated"
    return "type_not_allowed"


def safe_filename(filename: str, extension: str | None = None) -> str:
    """The file's own name without any path, in safe characters, ending in ``extension``.

    ``C:\\scans\\..\\паспорт.PDF`` -> ``паспорт.pdf``; a PNG named ``scan.pdf`` -> ``scan.png``.
    Without ``extension`` the name keeps its own (made safe): for naming a refused file.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    stem, dot, own = name.rpartition(".") if "." in name else (name, "", "")
    if extension is None:
        extension = dot + _UNSAFE.sub("_", own)[:10].lower()
    stem = re.sub(r"\s+", " ", _UNSAFE.sub("_", stem)).strip(" ._")
    return (stem[: FILENAME_MAX - len(extension)] or "document") + extension


def max_file_bytes() -> int:
    """The largest file accepted: FUND_MAX_UPLOAD_MB, or the request limit when only that is set."""
    if has_app_context() and current_app.config.get("FUND_MAX_UPLOAD_MB") is None:
        configured = current_app.config.get("MAX_CONTENT_LENGTH")
        if configured:
            return int(configured)
    return upload_setting("FUND_MAX_UPLOAD_MB", MAX_UPLOAD_MB) * 1024 * 1024


def checked_files(
    files: list[UploadedFile], known_codes: set[str] | None, *, max_files: int | None = None
) -> list[CheckedFile]:
    """Each file with its detected type; Invalid naming every problem (``files.<n>.code``,
    ``files.<n>.content``, ``files``), with a sentence per file in ``message``.

    At most ``max_files`` files (FUND_PORTAL_MAX_FILES by default); at least one. With
    ``known_codes`` None no kind of document is asked (a file attached to a message).
    """
    if max_files is None:
        max_files = upload_setting("FUND_PORTAL_MAX_FILES", MAX_FILES)
    if not files:
        raise Invalid("choose at least one file", {"files": ["required"]})
    if len(files) > max_files:
        raise Invalid(f"send at most {max_files} files at a time", {"files": ["too_many"]})
    max_bytes = max_file_bytes()
    problems: dict[str, list[str]] = {}
    words: list[str] = []
    checked = []
    for number, file in enumerate(files):
        name = safe_filename(file.filename)
        if known_codes is None:
            pass
        elif not file.code:
            problems[f"files.{number}.code"] = ["required"]
            words.append(f"{name}: choose which document it is")
        elif file.code not in known_codes:
            problems[f"files.{number}.code"] = ["unknown_code"]
            words.append(f"{name}: {file.code!r} is not a document the fund knows")
        content = file.content or b""
        found = "too_large" if len(content) > max_bytes else detect_type(content)
        if isinstance(found, str):
            problems[f"files.{number}.content"] = [found]
            words.append(
                {
                    "empty": f"{name}: the file is empty",
                    "too_large": f"{name}: larger than {max_bytes // (1024 * 1024)} MB",
                    "type_not_allowed": f"{name}: only PDF, JPEG or PNG files are accepted",
                    "truncated": f"{name}: the file is incomplete (its end is missing)",
                }[found]
            )
        else:
            checked.append(CheckedFile(file, *found))
    if problems:
        raise Invalid("the files were not accepted: " + "; ".join(words), problems)
    return checked


def new_documents(
    claim_id: int, checked: list[CheckedFile], uploaded_by: str, now: datetime
) -> list[Document]:
    """The checked files as documents of the claim, each with its sha256 (not added to the session)."""
    return [
        Document(
            claim_id=claim_id,
            code=item.file.code,
            filename=safe_filename(item.file.filename, item.extension),
            content_type=item.content_type,
            size=len(item.file.content),
            sha256=hashlib.sha256(item.file.content).hexdigest(),
            content=item.file.content,
            uploaded_at=now,
            uploaded_by=uploaded_by,
        )
        for item in checked
    ]
