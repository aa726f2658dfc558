"""The key of the access and verification codes' hashes (fund.common.keyed_codes), as an operator
meets it: FUND_CODE_KEY, or else the secret key; codes hashed before a key change keep verifying
only while the old key is listed in FUND_OLD_CODE_KEYS.
"""

from __future__ import annotations

import pytest

from fund.claims.submission import access_code_matches
from fund.common.keyed_codes import ACCESS_CODE, LETTER_CODE, code_matches, hash_code

CODE = "ABCD-EFGH-JKLM"


@pytest.fixture
def config(app, monkeypatch):
    """Set the application's configuration for one test (FUND_CODE_KEY unset to begin with)."""
    monkeypatch.setitem(app.config, "FUND_CODE_KEY", None)
    monkeypatch.setitem(app.config, "FUND_OLD_CODE_KEYS", "")

    def set_config(**values: str | None) -> None:
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    return set_config


def test_a_code_hashed_before_the_code_key_changed_verifies_only_while_the_old_key_is_listed(config):
    config(FUND_CODE_KEY="the key of 2026")
    stored = hash_code(CODE, ACCESS_CODE)

    config(FUND_CODE_KEY="the key of 2027")
    assert not access_code_matches(stored, CODE)
    config(FUND_OLD_CODE_KEYS="the key of 2025, the key of 2026")
    assert access_code_matches(stored, CODE)
    assert not access_code_matches(stored, "ABCD-EFGH-JKLN")
    assert hash_code(CODE, ACCESS_CODE) != stored  # new codes are hashed with the new key


def test_without_a_code_key_the_secret_key_is_used_and_can_be_kept_as_the_code_key(config):
    """Changing FUND_SECRET_KEY alone would invalidate every code; setting FUND_CODE_KEY to the old
    secret key at the same time keeps them."""
    config(SECRET_KEY="old secret key")
    stored = hash_code(CODE, ACCESS_CODE)

    config(SECRET_KEY="new secret key")
    assert not access_code_matches(stored, CODE)
    config(FUND_CODE_KEY="old secret key")
    assert access_code_matches(stored, CODE)


def test_an_access_codes_hash_never_passes_for_a_letter_codes(config):
    stored = hash_code("ABCDEFGHJK", ACCESS_CODE)

    assert code_matches(stored, "ABCDEFGHJK", ACCESS_CODE)
    assert not code_matches(stored, "ABCDEFGHJK", LETTER_CODE)


def test_no_stored_hash_and_a_hash_of_another_kind_never_match(config):
    assert not access_code_matches(None, CODE)
    assert not access_code_matches("", CODE)
    assert not access_code_matches("md5:" + "0" * 64, CODE)
    assert not access_code_matches("hmac-sha256:" + "0" * 64, CODE)
