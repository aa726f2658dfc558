"""What the fund configures about itself: its public address, who signs letters, how a decision is
challenged, and how to reach the fund when no contact point is recorded.

Each is a FUND_* setting (read from the environment in :func:`fund.create_app`); words a claimant
reads can be set per language with a suffix (``FUND_APPEAL_TEXT_KK``, ``_RU``, ``_EN``), which wins
over the setting without one, which wins over the default here.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)

LANGUAGES = ("kk", "ru", "en")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
# The settings that may be given per language, read from the environment by create_app.
PER_LANGUAGE_SETTINGS = (
    "FUND_SIGNATORY_NAME",
    "FUND_SIGNATORY_POSITION",
    "FUND_APPEAL_TEXT",
    "FUND_CONTACT_FALLBACK",
)

DEFAULT_SIGNATORY_POSITION = {
    "kk": "Жәбірленушілерге өтемақы қорының уәкілетті қызметкері",
    "ru": "Уполномоченный сотрудник Фонда компенсации потерпевшим",
    "en": "Authorised officer of the Victims Compensation Fund",
}

# TO BE VERIFIED BY THE FUND'S LAWYERS: the route and the period of appeal below are a working
# assumption (a complaint to the higher body or a claim in court under the Administrative
# Procedural and Process Code of the Republic of Kazakhstan, within three months of receiving the
# decision). Set FUND_APPEAL_TEXT (or FUND_APPEAL_TEXT_KK / _RU / _EN) to the text the lawyers
# approve.
DEFAULT_APPEAL_TEXT = {
    "kk": "Қордың шешіміне Қазақстан Республикасының Әкімшілік рәсімдік-процестік кодексінде "
    "белгіленген тәртіппен шағымдануға болады: шешімді алған күннен бастап үш ай ішінде жоғары тұрған "
    "органға (Қазақстан Республикасының Бас прокуратурасына) шағым беруге немесе сотқа жүгінуге болады.",
    "ru": "Решение Фонда можно обжаловать в порядке, установленном Административным процедурно-"
    "процессуальным кодексом Республики Казахстан: в течение трёх месяцев со дня получения решения "
    "подать жалобу в вышестоящий орган (Генеральную прокуратуру Республики Казахстан) или обратиться "
    "в суд.",
    "en": "A decision of the Fund can be challenged as the Administrative Procedural and Process Code "
    "of the Republic of Kazakhstan provides: within three months of the day you received the decision, "
    "by a complaint to the higher body (the Prosecutor General's Office of the Republic of Kazakhstan) "
    "or by a claim in court.",
}

# How to reach the fund when no contact point is recorded: never "write to the fund" without how.
DEFAULT_CONTACT_FALLBACK = {
    "kk": "Қорға {public_url} сайты арқылы жаза аласыз немесе кез келген прокуратура органына жүгіне аласыз.",
    "ru": "Написать в Фонд можно через сайт {public_url} или обратиться в любой орган прокуратуры.",
    "en": "You can write to the Fund through its website {public_url}, or ask at any prosecutor's office.",
}


def _config(name: str):
    return current_app.config.get(name) if has_app_context() else None


def public_url() -> str:
    """The site's address as printed on letters (FUND_PUBLIC_URL), without a trailing slash."""
    return (_config("FUND_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def configured_text(name: str, language: str, defaults: dict[str, str] | None = None) -> str:
    """``name`` in ``language``: ``<name>_<LANG>``, else ``<name>``, else the default ("" if none)."""
    for key in (f"{name}_{language.upper()}", name):
        value = _config(key)
        if value and str(value).strip():
            return str(value).strip()
    return (defaults or {}).get(language, "")


def signatory(language: str) -> tuple[str, str]:
    """Who signs the fund's letters: (name, position) in ``language``; the name may be empty."""
    return (
        configured_text("FUND_SIGNATORY_NAME", language),
        configured_text("FUND_SIGNATORY_POSITION", language, DEFAULT_SIGNATORY_POSITION),
    )


def appeal_text(language: str) -> str:
    """How and within which period a decision of the fund can be challenged, in ``language``."""
    return configured_text("FUND_APPEAL_TEXT", language, DEFAULT_APPEAL_TEXT)


def contact_fallback(language: str) -> str:
    """The one line that says how to reach the fund when no contact point is recorded."""
    return configured_text("FUND_CONTACT_FALLBACK", language, DEFAULT_CONTACT_FALLBACK).replace(
        "{public_url}", public_url()
    )


def warn_about_defaults(app: Flask) -> bool:
    """Log a warning when a production app still prints the demo address; True if it warned.

    Letters carry FUND_PUBLIC_URL as the address where they are checked: the default
    (http://127.0.0.1:5000) would send every reader of a real letter to their own computer.
    """
    if app.debug or app.testing:
        return False
    configured = (app.config.get("FUND_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
    if configured != DEFAULT_PUBLIC_URL:
        return False
    log.warning(
        "FUND_PUBLIC_URL is still the default %s: letters will print it as the address where they are "
        "checked and where claimants follow their claim. Set FUND_PUBLIC_URL to the fund's public address.",
        DEFAULT_PUBLIC_URL,
    )
    return True
