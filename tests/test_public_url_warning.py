"""The application warns at start-up when it would print the demo address on real letters:
FUND_PUBLIC_URL left at its default (http://127.0.0.1:5000) outside debug and testing."""

from __future__ import annotations

import logging

import pytest

from fund import create_app

WARNING = "FUND_PUBLIC_URL is still the default http://127.0.0.1:5000"


def started(tmp_path, monkeypatch, caplog, **config) -> list[str]:
    """Start an application with ``config`` and return the warnings it logged."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fund.common.fund_settings"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fund.sqlite3'}", **config})
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


def test_production_with_the_default_address_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("FUND_PUBLIC_URL", raising=False)
    warnings = started(tmp_path, monkeypatch, caplog, TESTING=False)
    assert any(WARNING in message for message in warnings), warnings


def test_production_with_its_own_address_does_not_warn(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("FUND_PUBLIC_URL", "https://vcf.example.kz/")
    warnings = started(tmp_path, monkeypatch, caplog, TESTING=False)
    assert not any("FUND_PUBLIC_URL" in message for message in warnings), warnings


@pytest.mark.parametrize("config", [{"TESTING": True}, {"TESTING": False, "DEBUG": True}])
def test_testing_and_debug_do_not_warn(tmp_path, monkeypatch, caplog, config):
    monkeypatch.delenv("FUND_PUBLIC_URL", raising=False)
    warnings = started(tmp_path, monkeypatch, caplog, **config)
    assert not any("FUND_PUBLIC_URL" in message for message in warnings), warnings
