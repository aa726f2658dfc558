"""The e-mail catalogs (Babel domain "emails") are complete in Kazakh and Russian, and compiled.

Every message id of fund/notifications/texts.py is translated in kk and ru, none is fuzzy, the
placeholders agree, the committed .mo files say exactly what the .po files say, and every kind
of message renders in every language with nothing left untranslated or unfilled.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from fund.letters.texts import KAZAKH_LETTERS, LANGUAGES
from fund.notifications import texts
from fund.notifications.render import PORTAL_STATUS_PATH, TRANSLATIONS_DIR, render_message

TRANSLATED = ("kk", "ru")


def catalog(language: str):
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "emails.po", "rb") as po:
        return read_po(po, locale=language, domain="emails")


def messages(loaded) -> dict[str, str]:
    return {message.id: message.string for message in loaded if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_exactly_the_message_ids_the_code_uses(language):
    assert set(messages(catalog(language))) == texts.message_ids()


def test_the_template_holds_exactly_the_message_ids_the_code_uses():
    with open(TRANSLATIONS_DIR / "emails.pot", "rb") as pot:
        assert {message.id for message in read_po(pot) if message.id} == texts.message_ids()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    loaded = catalog(language)

    untranslated = [message.id for message in loaded if message.id and not message.string]
    fuzzy = [message.id for message in loaded if message.id and message.fuzzy]

    assert untranslated == [] and fuzzy == [] and not loaded.fuzzy


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_has_the_placeholders_of_its_message(language):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog(language).check()]

    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_is_the_compiled_po_file(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    compiled.seek(0)
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "emails.mo", "rb") as mo:
        committed = read_mo(mo)

    assert messages(committed) == messages(read_mo(compiled)), (
        "emails.mo is out of date: run pybabel compile -D emails -d fund/translations"
    )


def test_the_kazakh_texts_are_kazakh_and_differ_from_the_russian_ones():
    kazakh, russian = messages(catalog("kk")), messages(catalog("ru"))

    assert set("".join(kazakh.values())) >= set("әғқңөұүі")
    assert all(kazakh[key] != russian[key] for key in kazakh)
    assert all(set(text) & set(KAZAKH_LETTERS) for text in kazakh.values() if len(text) > 40)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", texts.KINDS)
def test_every_kind_of_message_renders_in_every_language(app, kind, language):
    details = {
        "missing_documents": ["death_certificate"],
        "respond_by": date(2026, 4, 1),
        "reconsideration_until": "2026-04-01",
    }

    message = render_message(kind, language, "Айгүл Сәрсенова", "VCF-2026-000042", details, "https://vcf.kz/")

    text = message.subject + message.body
    assert "%(" not in text and "VCF-2026-000042" in message.subject
    assert f"https://vcf.kz{PORTAL_STATUS_PATH}" in message.body and "Айгүл Сәрсенова" in message.body
    english = texts.WORDING[kind]
    if language != "en":
        assert english.happened.split("%")[0][:25] not in message.body  # translated at run time
        assert message.subject != english.subject % {"reference": "VCF-2026-000042"}
    if english.lists_documents:
        assert {"kk": "Қайтыс болғаны", "ru": "Свидетельство о смерти", "en": "Death certificate"}[
            language
        ] in message.body
    if "%(respond_by)s" in english.happened + english.next_steps:
        assert {"kk": "2026 жылғы 1\u00a0сәуір", "ru": "1\u00a0апреля 2026", "en": "1\u00a0April 2026"}[
            language
        ] in message.body


def test_rendering_outside_an_application_context_is_refused_rather_than_silently_english():
    with pytest.raises(RuntimeError, match="application context"):
        render_message("paid", "kk", "Айгүл", "VCF-2026-000042", {}, "https://vcf.kz")
