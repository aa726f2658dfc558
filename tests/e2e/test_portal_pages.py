"""The portal as a new visitor meets it in a browser, in Kazakh and in Russian: "/" is the portal,
the privacy notice and the accessibility statement are a footer link away, phones and access
codes are taken as people type them, and the check-and-send step shows every answer written out,
wrapped on a phone-sized screen. The contrast of every text on these pages is measured."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from fund.extensions import db
from fund.models import Claim
from tests.conftest import make_iin

PHONE = {"width": 375, "height": 740}

# Every element with text of its own: its colour against the first opaque background behind it, as
# WCAG 2.1 computes contrast (4.5:1 for text, 3:1 for large text: 24px, or 18.66px bold).
CONTRAST_FAILURES = """() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0.99) return colour;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (!ownText || style.visibility === "hidden" || box.width <= 1 || box.height <= 1) continue;
    const [fore, back] = [luminance(rgba(style.color)), luminance(background(element))];
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = element.textContent.trim().slice(0, 40);
    if (ratio < needed) failures.push(`${element.tagName} "${text}" ${ratio.toFixed(2)}`);
  }
  return failures;
}"""

# Elements whose content is wider than their box (a value cut off or running out of the page).
OVERFLOWING = """() => {
  const page = document.documentElement;
  const cut = [...document.querySelectorAll("main *")]
    .filter((element) => element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1)
    .filter((element) => getComputedStyle(element).overflowX === "visible")
    .filter((element) => !["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName))
    .map((element) => element.tagName + " " + element.textContent.trim().slice(0, 40));
  return page.scrollWidth > page.clientWidth ? [...cut, "the page scrolls sideways"] : cut;
}"""


def check_contrast(page) -> None:
    assert page.evaluate(CONTRAST_FAILURES) == [], page.url


def answers_shown(page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("dl.answers dt")]
             .map((dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))"""
    )


def _stored_phone(reference: str) -> str:
    return db.session.scalar(select(Claim).where(Claim.reference == reference)).claimant.phone


def test_in_kazakh_a_visitor_finds_the_portal_its_statements_and_sends_a_late_claim(
    live_server, new_page, shot
):
    page = new_page(locale="kk-KZ", viewport=PHONE)
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/portal"
    assert page.locator("html").get_attribute("lang") == "kk"
    page.keyboard.press("Tab")  # the first stop of the keyboard: straight to the content
    assert page.evaluate("document.activeElement.textContent.trim()") == "Негізгі мазмұнға өту"
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Қор қызметкерлерінің кіруі")).to_have_attribute(
        "href", "/sign-in"
    )
    assert page.evaluate(OVERFLOWING) == []  # the long words of the heading fit a phone
    check_contrast(page)
    shot(page, "portal")

    footer.get_by_role("link", name="Дербес деректерді өңдеу туралы хабарлама").click()
    expect(page.locator("h1")).to_have_text("Дербес деректерді өңдеу туралы хабарлама")
    expect(page.locator("main")).to_contain_text("«Дербес деректер және оларды қорғау туралы»")
    check_contrast(page)
    shot(page, "privacy")
    page.locator("footer").get_by_role("link", name="Қолжетімділік туралы мәлімдеме").click()
    expect(page.locator("h1")).to_have_text("Қолжетімділік туралы мәлімдеме")
    check_contrast(page)
    shot(page, "accessibility")

    page.goto(f"{live_server.url}/portal/apply/who")
    page.get_by_label("Мен жәбірленушімін", exact=True).check()
    page.get_by_label("Толық аты-жөніңіз").fill("Айгүл Сәрсенова")
    page.get_by_label("Сіздің ЖСН").fill(make_iin(datetime(1990, 1, 15).date(), female=True))
    page.get_by_label("Туған күніңіз").fill("1990-01-15")
    page.get_by_role("button", name="Жалғастыру").click()
    page.get_by_label("Қылмыстық істің СДТБТ нөмірі").fill("251750010001234")
    page.get_by_label("Қылмыстық кодекстің бабы").fill("146")
    page.get_by_label("Баптың бөлігі").fill("3")
    page.get_by_label("Қылмыс жасалған күн").fill("2022-05-01")
    page.get_by_label("Жәбірленуші деп танылған күн").fill("2022-06-01")  # more than three years ago
    page.get_by_label("Төмендегілердің ешқайсысы емес").check()
    page.get_by_role("button", name="Жалғастыру").click()
    page.get_by_label("Сот мерзімді қалпына келтірді").check()
    page.get_by_role("button", name="Жалғастыру").click()
    page.get_by_label("Телефон нөмірі").fill("8 701 234 56 78")
    page.get_by_label("Банк шоты (IBAN)").fill("kz86 125k zt50 0410 0100")
    page.get_by_role("button", name="Жалғастыру").click()
    page.get_by_label("Қордың осы өтініш бойынша").check()
    page.get_by_role("button", name="Жалғастыру").click()
    expect(page.locator("h1")).to_have_text("Тексеру және жіберу")

    shown = answers_shown(page)
    assert shown["Жәбірленуші деп танылған күн"] == "1 маусым 2022 ж."
    assert shown["Туған күніңіз"] == "15 қаңтар 1990 ж."
    assert shown["Үш жылдық мерзім"] == "Сот мерзімді қалпына келтірді"
    assert shown["Телефон нөмірі"] == "+7 701 234 56 78"
    assert shown["Банк шоты (IBAN)"] == "KZ86 125K ZT50 0410 0100"
    assert page.evaluate(OVERFLOWING) == []
    check_contrast(page)
    shot(page, "check")
    page.get_by_role("button", name="Өтінішті жіберу").click()

    reference = page.locator("#reference").inner_text()
    code = page.locator("#access-code").inner_text()
    assert live_server.run(_stored_phone, reference) == "+77012345678"
    page.get_by_role("button", name="Шығу").click()

    page.goto(f"{live_server.url}/portal/sign-in")
    page.get_by_label("Өтініш нөмірі").fill(reference)
    page.get_by_label("Кіру коды").fill(code.replace("-", "").lower())  # as read out on the phone
    page.get_by_role("button", name="Өтінішімді көрсету").click()
    expect(page.locator("main")).to_contain_text("Өтінішіңізді алдық")
    shot(page, "signed-in-with-the-code-as-typed")


def test_in_russian_the_check_step_wraps_long_answers_on_a_phone_and_the_code_takes_spaces(
    live_server, new_page, shot
):
    page = new_page(locale="ru-RU", viewport=PHONE)
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "ru"
    footer = page.locator("footer")
    footer.get_by_role("link", name="Заявление о доступности").click()
    expect(page.locator("main")).to_contain_text("не ниже 4,5:1")
    check_contrast(page)
    shot(page, "accessibility")
    page.locator("footer").get_by_role("link", name="Уведомление об обработке персональных данных").click()
    expect(page.locator("main")).to_contain_text("кто, когда и что открыл")
    check_contrast(page)
    shot(page, "privacy")
    page.locator("footer").get_by_role("link", name="Вход для сотрудников Фонда").click()
    expect(page.locator("h1")).to_be_visible()
    assert page.url == f"{live_server.url}/sign-in"

    page.goto(f"{live_server.url}/portal/apply/who")
    page.get_by_label("Я потерпевший", exact=True).check()
    page.get_by_label("Ваши фамилия, имя и отчество").fill("Айгуль-Жанна Сарсенова-Кожамкулова-Абдразакова")
    page.get_by_label("Ваш ИИН").fill(make_iin(datetime(1990, 1, 15).date(), female=True))
    page.get_by_label("Ваша дата рождения").fill("1990-01-15")
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Номер уголовного дела в ЕРДР").fill("251750010001234")
    page.get_by_label("Статья Уголовного кодекса").fill("146")
    page.get_by_label("Часть статьи").fill("3")
    page.get_by_label("Дата преступления").fill("2025-05-01")
    page.get_by_label("Дата признания потерпевшим").fill("2025-06-01")
    page.get_by_label("Ничего из перечисленного").check()
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Номер телефона").fill("8 701 234 56")  # two digits short
    page.get_by_label("Электронная почта (если есть)").fill(
        "aigul.zhanna.sarsenova.kozhamkulova.abdrazakova@mail.example.kz"
    )
    page.get_by_label("Банковский счёт (IBAN)").fill("KZ86125KZT5004100100")
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#error-summary")).to_contain_text("Номер телефона: Укажите номер телефона")
    shot(page, "phone-refused")
    page.get_by_label("Номер телефона").fill("+7 (701) 234-56-78")
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_label("Я согласен(на)").check()
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("h1")).to_have_text("Проверка и отправка")

    shown = answers_shown(page)
    assert shown["Дата признания потерпевшим"] == "1 июня 2025 г."
    assert shown["Номер телефона"] == "+7 701 234 56 78"
    assert shown["Банковский счёт (IBAN)"] == "KZ86 125K ZT50 0410 0100"
    assert shown["Согласие"] == "Дано"
    assert page.evaluate(OVERFLOWING) == []
    # The long name wraps at its hyphens and spaces, not inside a word.
    name = page.locator("dl.answers dd", has_text="Айгуль-Жанна")
    assert name.evaluate("(dd) => dd.getClientRects().length") >= 1
    assert name.evaluate("(dd) => dd.getBoundingClientRect().height") > name.evaluate(
        "(dd) => parseFloat(getComputedStyle(dd).lineHeight) || 20"
    ), "the name takes more than one line on a phone"
    check_contrast(page)
    shot(page, "check-phone")
    page.get_by_role("button", name="Отправить заявление").click()

    reference = page.locator("#reference").inner_text()
    code = page.locator("#access-code").inner_text()
    assert live_server.run(_stored_phone, reference) == "+77012345678"
    page.get_by_role("button", name="Выйти").click()

    page.goto(f"{live_server.url}/portal/sign-in")
    page.get_by_label("Номер заявления").fill(reference)
    page.get_by_label("Код доступа").fill(" " + " ".join(code.lower().split("-")) + " ")
    page.get_by_role("button", name="Показать моё заявление").click()
    expect(page.locator("main")).to_contain_text("Мы получили ваше заявление")
    # Just sent, intake's check to come: documents can still be added, more than once.
    expect(page.locator("form[action='/portal/documents']")).to_be_visible()
    shot(page, "status")
