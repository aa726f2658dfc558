"""Keyed hashes of the short random codes the Fund hands out: claimants' access codes and letters'
verification codes.

These codes are not passwords people choose: they are 50 to 60 random bits, and guessing them
online is held back by the rate limits per address and the lockout per claim reference. What the
stored hash must resist is guessing *offline*, by someone who has copied the database. A keyed
hash does that better than a slow one, for a fraction of the cost: HMAC-SHA256 with a server
secret that is not in the database (microseconds, where scrypt took milliseconds on every status
lookup and every letter issued). Without the key a stored hash tells nothing; with the key and
the database, 2^50 to 2^60 HMACs are still needed per code.

The key is ``FUND_CODE_KEY`` when it is set, otherwise the application's secret key
(``FUND_SECRET_KEY``, or the one generated once in ``instance/secret_key``); the HMAC key is
derived from it, so neither is used as is. Change it and the codes issued before stop verifying,
unless the old value stays listed in ``FUND_OLD_CODE_KEYS`` (comma-separated). In particular: to
change ``FUND_SECRET_KEY`` without invalidating every access code and every printed letter's code,
set ``FUND_CODE_KEY`` to the old secret key at the same time.

Stored hashes say how they were made: ``hmac-sha256:<hex>`` now, ``scrypt:...`` (werkzeug's
format) for codes issued before; both verify.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash

METHOD = "hmac-sha256"
ACCESS_CODE = "access code"  # a claim's access code (the portal and the status API)
LETTER_CODE = "letter code"  # a letter's verification code (/verify/<number>)
# Hashes of codes issued before keyed hashes, in werkzeug's "method:params$salt$hash" format.
_LEGACY_PREFIXES = ("scrypt:", "pbkdf2:")
_KEY_DERIVATION_LABEL = b"fund: keyed hashes of access and verification codes"
_DUMMY_DIGEST = "0" * 64  # what an unknown code is compared with: no code's HMAC


@lru_cache(maxsize=8)
def _derived_key(material: str) -> bytes:
    return hmac.new(material.encode("utf-8"), _KEY_DERIVATION_LABEL, hashlib.sha256).digest()


def _current_material() -> str:
    config = current_app.config
    return config.get("FUND_CODE_KEY") or config["SECRET_KEY"]


def _keys() -> list[bytes]:
    """The current key first, then the old ones that still verify."""
    old = [value.strip() for value in (current_app.config.get("FUND_OLD_CODE_KEYS") or "").split(",")]
    return [_derived_key(_current_material())] + [_derived_key(value) for value in old if value]


def _digest(key: bytes, purpose: str, code: str) -> str:
    # The purpose is part of the message: an access code's hash never matches as a letter code's.
    return hmac.new(key, f"{purpose}\x00{code}".encode(), hashlib.sha256).hexdigest()


def hash_code(code: str, purpose: str) -> str:
    """The stored form of ``code`` (already normalised by the caller): ``hmac-sha256:<hex>``."""
    return f"{METHOD}:{_digest(_derived_key(_current_material()), purpose, code)}"


def code_matches(stored: str | None, code: str, purpose: str) -> bool:
    """Whether ``code`` is the one ``stored`` was made from, in constant time for a keyed hash.

    ``stored`` None (no such claim or letter) does the same work as a real check and is False, so
    the time taken does not tell whether the claim or letter exists. Hashes made with scrypt
    before keyed hashes are checked with werkzeug, as they always were.
    """
    if stored is not None and stored.startswith(_LEGACY_PREFIXES):
        return check_password_hash(stored, code)
    method, _, expected = (stored or "").partition(":")
    known = stored is not None and method == METHOD
    matched = False
    for key in _keys():  # every key, even after a match: the same work whichever matches
        matched |= hmac.compare_digest(_digest(key, purpose, code), expected if known else _DUMMY_DIGEST)
    return known and matched


def hashed_with_current_key(stored: str, code: str, purpose: str) -> bool:
    """Whether ``stored`` is ``code``'s hash with the current key. A right code may have been hashed
    with scrypt or an old key: the caller may then store it again, hashed the current way."""
    return hmac.compare_digest(stored, hash_code(code, purpose))
