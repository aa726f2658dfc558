"""The portal's languages: complete catalogs (both domains), compiled files that match them,
every marked string in the catalogs, one language per page, and checks of accessibility."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from lxml import html as lxml_html

from fund import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "fund" / "translations"
PAGES = [
    "/portal",
    "/portal/apply/who",
    "/portal/apply/case",
    "/portal/apply/contact",
    "/portal/apply/consent",
    "/portal/apply/check",
    "/portal/sign-in",
    "/portal/apply/sent",
    "/portal/privacy",
    "/portal/accessibility",
]


def catalogs(language: str) -> list[Path]:
    found = sorted((TRANSLATIONS / language / "LC_MESSAGES").glob("*.po"))
    assert any(path.stem == "messages" for path in found)
    return found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_of_both_domains_is_translated(language):
    for path in catalogs(language):
        catalog = read_po(path.open("rb"))
        untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        assert untranslated == [], f"{path}: {untranslated[:5]}"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_compiled_catalogs_match_their_sources(language):
    for path in catalogs(language):
        source = {
            plain(m.id): plain(m.string)
            for m in read_po(path.open("rb"))
            if m.id and m.string and not m.fuzzy
        }
        compiled = {plain(m.id): plain(m.string) for m in read_mo(path.with_suffix(".mo").open("rb")) if m.id}
        assert compiled == source, f"{path.with_suffix('.mo')} is stale: run pybabel compile"


def plain(value):
    """A message's id or string as a comparable value: a plural's forms as a tuple."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_string_marked_in_templates_and_code_is_in_the_catalog():
    method_map = [
        ("fund/portal/**.py", "python"),
        ("fund/portal/templates/portal/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None}
    marked = {
        message for _, _, message, _, _ in extract_from_dir(str(PROJECT_ROOT), method_map, keywords=keywords)
    }
    catalog = {m.id for m in read_po((TRANSLATIONS / "kk" / "LC_MESSAGES" / "messages.po").open("rb"))}
    assert marked and marked - catalog == set()


def _english_sentences() -> list[str]:
    kk = read_po((TRANSLATIONS / "kk" / "LC_MESSAGES" / "messages.po").open("rb"))
    return [m.id for m in kk if m.id and m.string != m.id and len(m.id) > 12 and "%(" not in m.id]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_page_speaks_one_language(client, language):
    english = _english_sentences()
    for path in PAGES:
        answer = client.get(path, headers={"Accept-Language": language})
        text = lxml_html.fromstring(answer.get_data(as_text=True)).text_content()
        assert [sentence for sentence in english if sentence in text] == [], path
        assert re.search(r"\bthe\b|\bPlease\b|\bclaim\b", text) is None, path


def test_every_input_has_a_label_and_the_page_its_language(client):
    client.get("/portal/apply/case?lang=kk")
    for path in PAGES:
        tree = lxml_html.fromstring(client.get(path).get_data(as_text=True))
        assert tree.xpath("/html/@lang") == ["kk"], path
        labelled = set(tree.xpath("//label/@for"))
        for field in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            assert field.get("id") in labelled, f"{path}: {field.get('name')} has no label"


def test_focus_is_always_visible():
    css = (PROJECT_ROOT / "fund" / "static" / "portal.css").read_text()
    assert re.search(r":focus[^{]*\{[^}]*outline: 3px solid", css)
    assert "@media (max-width: 480px)" in css  # phone-sized screens


def test_the_language_switch_keeps_the_page_and_remembers_the_choice(client):
    switched = client.get("/portal/sign-in?lang=ru")
    assert switched.status_code == 303 and switched.headers["Location"] == "/portal/sign-in"
    tree = lxml_html.fromstring(
        client.get("/portal", headers={"Accept-Language": "en"}).get_data(as_text=True)
    )
    assert tree.xpath("/html/@lang") == ["ru"]
    assert {link.get("hreflang") for link in tree.xpath("//nav[@class='languages']/a")} == {"kk", "ru", "en"}


def test_the_portal_offers_exactly_the_fund_s_document_kinds_each_with_words(app):
    import json
    from pathlib import Path

    from fund.portal.uploads import document_codes
    from fund.portal.words import DOCUMENT_NAMES

    codes = json.loads(Path("bpmn/forms/codes.json").read_text())["$defs"]["document_code"]["enum"]
    assert sorted(document_codes()) == sorted(codes)
    assert set(codes) <= set(DOCUMENT_NAMES)
