"""Rendering a letter as PDF with reportlab, in the claimant's language.

The font is Source Sans Pro from the PyPI package ``font-source-sans-pro`` (SIL Open Font License),
found inside that package with importlib.resources, never on a system path: it has Latin, Cyrillic
and every Kazakh letter (ә ғ қ ң ө ұ ү һ і), in a regular and a bold static TrueType face.
reportlab embeds only the glyphs a letter uses, so a letter stays small (tens of kilobytes).

A signed letter carries a visible signature block (:func:`_signature_block`): who signed, the
date and the verification address, drawn here with the letter's own embedded fonts; the renderer
reports where on which page it drew it, and the signature field is placed over that box
(:mod:`fund.letters.signing`), so a reader's click on the block opens the signature.

Letters are rendered one at a time in a process: gunicorn's threaded workers and ``fund run``
render in several threads, and reportlab's registered fonts are shared objects that are not safe
to use from two documents at once (see ``_RENDERING``).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import texts

FONT_PACKAGE = "font_source_sans_pro"
FONT_FILES = {"regular": "SourceSansPro-Regular.ttf", "bold": "SourceSansPro-Bold.ttf"}
FONT_NAME = "FundSans"
BOLD_FONT_NAME = "FundSans-Bold"

# One letter at a time per process. A registered TTFont is one object for every thread, and
# reportlab says "you cannot use the same TTFont object for different documents at the same
# time": its face reads the font file through a single cursor (TTFontFile._pos), moved by
# seek/read while makeSubset embeds a document's glyphs, so two documents finishing at once read
# each other's positions (IndexError, KeyError, or a wrong glyph). A lock rather than a TTFont
# per thread: rendering is pure Python and holds the GIL, so threads never rendered in parallel
# anyway; fonts per thread would need a name per thread in reportlab's process-wide registry
# (growing with every thread ever started) and a parsed copy of each face per thread.
_RENDERING = threading.RLock()


def font_path(face: str = "regular") -> str:
    """The TrueType file of a face ("regular" or "bold"), inside the installed font package."""
    resource = files(FONT_PACKAGE) / "files" / FONT_FILES[face]
    if not resource.is_file():
        raise RuntimeError(f"the font file {FONT_FILES[face]} is missing from the package {FONT_PACKAGE}")
    return str(resource)


def register_fonts() -> str:
    """Register the letters' font with reportlab (once per process); returns its name."""
    with _RENDERING:  # not twice by two first threads: a font replaced mid-letter loses its glyphs
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, font_path("regular")))
            pdfmetrics.registerFont(TTFont(BOLD_FONT_NAME, font_path("bold")))
            pdfmetrics.registerFontFamily(FONT_NAME, normal=FONT_NAME, bold=BOLD_FONT_NAME)
    return FONT_NAME


@dataclass(frozen=True)
class SignatureBlock:
    """What the visible signature block of a signed letter says (the signature itself is pyHanko's)."""

    signer: str  # the signing certificate's common name
    signed_on: date  # the signing date in Almaty


@dataclass(frozen=True)
class SignaturePlace:
    """Where the signature block was drawn: its page (0 = first) and box in PDF points."""

    page: int
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 from the page's lower left corner


@dataclass(frozen=True)
class LetterContent:
    """Everything a letter prints, gathered by the service; the renderer reads nothing else."""

    kind: str
    language: str
    number: str
    issued_on: date
    claimant_name: str
    claim_reference: str
    verification_code: str  # as printed: XXXXX-XXXXX
    verify_url: str
    site_url: str
    details: dict[str, Any] = field(default_factory=dict)
    submitted_on: date | None = None  # acknowledgement
    iban_tail: str = ""  # approval: the last characters of the account paid to
    replaces: tuple[str, date] | None = None  # a reissue: the number and date of the letter it replaces
    # How to reach the fund: a contact point's lines (region, address, phone, email, hours), or
    # none and the configured fallback line; and the address of the page listing every point.
    contact: dict[str, str] | None = None
    contact_fallback: str = ""
    contacts_url: str = ""
    signatory_name: str = ""
    signatory_position: str = ""
    appeal_text: str = ""  # how and within which period a decision is challenged (configuration)
    signature: SignatureBlock | None = None  # a signed letter's visible signature block; None: unsigned


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=14.5, spaceAfter=6, alignment=TA_LEFT)
    return {
        "fund": ParagraphStyle(
            "fund", parent=body, fontName=BOLD_FONT_NAME, fontSize=15, leading=19, spaceAfter=1
        ),
        "fund_other": ParagraphStyle(
            "fund_other",
            parent=body,
            fontSize=8.5,
            leading=11,
            textColor=colors.HexColor("#4a5361"),
            spaceAfter=0,
        ),
        "meta": ParagraphStyle("meta", parent=body, spaceAfter=1),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD_FONT_NAME,
            fontSize=13,
            leading=17,
            spaceBefore=8,
            spaceAfter=8,
        ),
        "body": body,
        "strong": ParagraphStyle("strong", parent=body, fontName=BOLD_FONT_NAME, fontSize=12, leading=16),
        "item": ParagraphStyle("item", parent=body, spaceAfter=2),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD_FONT_NAME,
            fontSize=11,
            leading=15,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "signatory": ParagraphStyle("signatory", parent=body, fontName=BOLD_FONT_NAME, spaceAfter=1),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, spaceAfter=2),
        "code": ParagraphStyle(
            "code", parent=body, fontName=BOLD_FONT_NAME, fontSize=12, leading=16, spaceAfter=3
        ),
    }


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _integer(value: Any, what: str) -> int:
    """Money and MCI are whole numbers; the process stores them as int, or Decimal as text."""
    from decimal import Decimal

    number = Decimal(str(value))
    if number != number.to_integral_value():
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return int(number)


def _fields(content: LetterContent) -> dict[str, str]:
    """The values of the placeholders, each written as the letter's language writes it."""
    language = content.language
    details = content.details
    values: dict[str, str] = {
        "number": content.number,
        "name": content.claimant_name,
        "reference": content.claim_reference,
        "code": content.verification_code,
        "verify_url": content.verify_url,
        "site_url": content.site_url,
        "iban_tail": content.iban_tail,
        **texts.date_forms("issued_on", content.issued_on, language),
    }
    if content.submitted_on is not None:
        values.update(texts.date_forms("submitted_on", content.submitted_on, language))
    for name in ("respond_by", "decision_date", "reconsideration_until"):
        if details.get(name):
            values.update(texts.date_forms(name, _day(details[name]), language))
    for name in ("amount_mci", "mci_rate", "amount_kzt"):
        if details.get(name) is not None:
            values[name] = texts.format_number(_integer(details[name], name), language)
    if content.replaces is not None:
        values["replaced_number"] = content.replaces[0]
        values.update(texts.date_forms("replaced_on", content.replaces[1], language))
    # Paragraph text is reportlab markup: names and notes must not be read as tags.
    return {key: escape(value) for key, value in values.items()}


def _bullets(labels: list[str], style: ParagraphStyle) -> ListFlowable:
    items = [ListItem(Paragraph(escape(label), style), value="•") for label in labels]
    return ListFlowable(
        items,
        bulletType="bullet",
        start="•",
        leftIndent=14,
        bulletFontName=FONT_NAME,
        bulletFontSize=style.fontSize,
        bulletOffsetY=1,  # level with the first line of the text beside it
    )


def _body(content: LetterContent, values: dict[str, str]) -> list:
    """The paragraphs that say what this kind of letter has to say."""
    styles = _styles()
    language = content.language
    wording = texts.BODIES[language][content.kind]
    details = content.details

    def say(key: str, style: str = "body") -> Paragraph:
        return Paragraph(wording[key].format(**values), styles[style])

    if content.kind == "acknowledgement":
        return [say("received"), say("next"), say("status"), say("nothing_to_do")]
    if content.kind in ("document_request", "document_reminder"):
        documents = [texts.document_label(code, language) for code in details.get("missing_documents") or []]
        closing = ["closed_if_late", "help"] if content.kind == "document_request" else ["already_sent"]
        return [
            say("intro"),
            _bullets(documents, styles["item"]),
            Spacer(1, 4),
            say("send_by"),
            *[say(key) for key in closing],
        ]
    if content.kind == "approval":
        return [say("decision"), say("amount", "strong"), say("calculation"), say("payment")]
    if content.kind == "rejection":
        reasons = [texts.rejection_reason_label(code, language) for code in details.get("reasons") or []]
        flowables = [say("decision"), say("reasons"), _bullets(reasons, styles["item"]), Spacer(1, 4)]
        if details.get("comment"):
            flowables += [say("note"), Paragraph(escape(str(details["comment"])), styles["body"])]
        flowables.append(say("reconsider") if details.get("reconsideration_until") else say("final"))
        return flowables
    raise ValueError(f"no wording for letters of kind {content.kind!r}")


def _legal_basis(content: LetterContent) -> list:
    """The law's articles the letter rests on, and the decision-table rows that applied.

    The rows are those recorded in the letter's details when it was issued (``legal_basis``:
    see :mod:`fund.letters.service`), so a reissue cites the same rule.
    """
    language = content.language
    if content.kind not in texts.LEGAL_BASIS[language]:
        return []
    styles = _styles()
    common = texts.COMMON[language]
    flowables = [
        Paragraph(escape(common["legal_title"]), styles["heading"]),
        Paragraph(escape(texts.LEGAL_BASIS[language][content.kind]), styles["body"]),
    ]
    basis = content.details.get("legal_basis") or {}
    rules = [rule for rule in basis.get("rules") or [] if rule.get("row") is not None]
    if rules:
        names = texts.DECISION_TABLE_NAMES.get(basis.get("table", ""), {})
        table = names.get(language) or str(basis.get("table", ""))
        rows = ", ".join(str(rule["row"]) for rule in rules)
        line = common["legal_rule_one" if len(rules) == 1 else "legal_rule_many"]
        flowables.append(Paragraph(escape(line.format(table=table, rows=rows)), styles["body"]))
        described = [texts.rule_words(rule.get("description", "")) for rule in rules]
        described = [f"{rule['row']}: {words}" for rule, words in zip(rules, described, strict=True) if words]
        if described:
            flowables.append(Paragraph(escape(common["legal_rule_words"]), styles["small"]))
            flowables.append(_bullets(described, styles["small"]))
    return flowables


def _appeal(content: LetterContent) -> list:
    """How and within which period the decision can be challenged (configuration)."""
    if content.kind not in texts.APPEALABLE_KINDS or not content.appeal_text:
        return []
    styles = _styles()
    return [
        Paragraph(escape(texts.COMMON[content.language]["appeal_title"]), styles["heading"]),
        Paragraph(escape(content.appeal_text), styles["body"]),
    ]


def _contact(content: LetterContent) -> list:
    """How to reach the fund: its contact point, or the configured fallback line; every letter."""
    styles = _styles()
    common = texts.COMMON[content.language]
    flowables = [Paragraph(escape(common["contact_title"]), styles["heading"])]
    point = content.contact
    if point:
        lines = [
            f"{point['region']}: {point['address']}",
            common["contact_phone"].format(phone=point["phone"]),
            common["contact_email"].format(email=point["email"]),
            common["contact_hours"].format(hours=point["hours"]),
        ]
        flowables += [Paragraph(escape(line), styles["item"]) for line in lines]
        if content.contacts_url:
            flowables.append(
                Paragraph(
                    escape(common["contact_all"].format(contacts_url=content.contacts_url)), styles["item"]
                )
            )
    else:
        flowables.append(Paragraph(escape(content.contact_fallback), styles["body"]))
    return flowables


def _signature(content: LetterContent) -> list:
    """The closing, who signs (configuration: name and position) and the fund's name."""
    styles = _styles()
    common = texts.COMMON[content.language]
    flowables = [Spacer(1, 6), Paragraph(escape(common["closing"]), styles["body"])]
    if content.signatory_name:
        flowables.append(Paragraph(escape(content.signatory_name), styles["signatory"]))
    if content.signatory_position:
        flowables.append(Paragraph(escape(content.signatory_position), styles["meta"]))
    flowables.append(Paragraph(escape(texts.FUND_NAME[content.language]), styles["strong"]))
    return flowables


def _header(content: LetterContent, values: dict[str, str]) -> list:
    styles = _styles()
    common = texts.COMMON[content.language]
    others = " · ".join(texts.FUND_NAME[lang] for lang in texts.LANGUAGES if lang != content.language)
    meta = Table(
        [
            [
                Paragraph(common["letter_number"].format(**values), styles["meta"]),
                Paragraph(common["to"].format(**values), styles["meta"]),
            ],
            [
                Paragraph(common["date"].format(**values), styles["meta"]),
                Paragraph(common["claim"].format(**values), styles["meta"]),
            ],
        ],
        colWidths=["50%", "50%"],
    )
    meta.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # not reportlab's Helvetica: see render_letter
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        Paragraph(escape(texts.FUND_NAME[content.language]), styles["fund"]),
        Paragraph(escape(others), styles["fund_other"]),
        HRFlowable(
            width="100%", thickness=1.2, color=colors.HexColor("#0b2e4f"), spaceBefore=4, spaceAfter=8
        ),
        meta,
        Spacer(1, 6),
    ]


class _PlacedBlock(Flowable):
    """A flowable that draws another one and notes where it landed on which page."""

    def __init__(self, inner: Flowable, place: list[SignaturePlace]) -> None:
        super().__init__()
        self._inner = inner
        self._place = place

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = self._inner.wrap(available_width, available_height)
        return self.width, self.height

    def draw(self) -> None:
        self._inner.drawOn(self.canv, 0, 0)
        x, y = self.canv.absolutePosition(0, 0)
        box = (int(x), int(y), int(x + self.width + 0.5), int(y + self.height + 0.5))
        self._place[:] = [SignaturePlace(page=self.canv.getPageNumber() - 1, box=box)]


def _signature_block(content: LetterContent, place: list[SignaturePlace]) -> list:
    """The visible signature: signer, date (the letter's language, Almaty) and verification address.

    Drawn by reportlab, not by pyHanko's stamp: pyHanko would set it in a standard font that no
    file embeds (Courier) unless fontTools were installed for its own font subsetting, and it
    would not write Kazakh with the letter's font. Here it is ordinary page content, which poppler,
    pypdf and every reader render alike; the signature field lies over it with an empty appearance.
    """
    if content.signature is None:
        return []
    styles = _styles()
    common = texts.COMMON[content.language]
    values = {
        "signer": content.signature.signer,
        "signed_on": texts.format_date(content.signature.signed_on, content.language),
        "verify_url": content.verify_url,
    }
    lines = [
        Paragraph(escape(common["signature_title"]), styles["signatory"]),
        *[
            Paragraph(escape(common[key].format(**values)), styles["small"])
            for key in ("signature_signer", "signature_date", "signature_check")
        ],
    ]
    block = Table([[lines]], colWidths=[92 * mm])
    block.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # not reportlab's Helvetica: see render_letter
                ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#0b2e4f")),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    block.hAlign = "LEFT"
    return [Spacer(1, 6), _PlacedBlock(block, place)]


def _verification(content: LetterContent, values: dict[str, str]) -> KeepTogether:
    styles = _styles()
    common = texts.COMMON[content.language]
    box = Table(
        [
            [
                [
                    Paragraph(escape(common["verification_title"]), styles["small"]),
                    Paragraph(common["verification_code"].format(**values), styles["code"]),
                    Paragraph(common["verification_how"].format(**values), styles["small"]),
                ]
            ]
        ],
        colWidths=["100%"],
    )
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # not reportlab's Helvetica: see render_letter
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#4a5361")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f6f8")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([Spacer(1, 10), box])


def render_letter(content: LetterContent) -> bytes:
    """The letter as PDF bytes: header, addressee, body, signature and verification block."""
    return render_letter_and_place(content)[0]


def render_letter_and_place(content: LetterContent) -> tuple[bytes, SignaturePlace | None]:
    """The letter as PDF bytes, and where its signature block was drawn (None without one)."""
    if content.language not in texts.LANGUAGES:
        raise ValueError(f"letters are written in {', '.join(texts.LANGUAGES)}, not {content.language!r}")
    styles = _styles()
    values = _fields(content)
    common = texts.COMMON[content.language]
    title = texts.BODIES[content.language][content.kind]["title"]

    story = _header(content, values)
    story.append(Paragraph(escape(title), styles["title"]))
    if content.replaces is not None:
        story.append(Paragraph(common["replaces"].format(**values), styles["body"]))
    story.append(Paragraph(common["greeting"].format(**values), styles["body"]))
    story += _body(content, values)
    story += _legal_basis(content)
    story += _appeal(content)
    story += _contact(content)
    story += _signature(content)
    place: list[SignaturePlace] = []
    story += _signature_block(content, place)
    story.append(_verification(content, values))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 8)
        canvas.setFillColor(colors.HexColor("#4a5361"))
        canvas.drawString(20 * mm, 12 * mm, common["footer"].format(number=content.number, page=doc.page))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{texts.KIND_NAMES[content.kind][content.language]} · {content.number}",
        author=texts.FUND_NAME[content.language],
        subject=content.number,
        lang={"kk": "kk-KZ", "ru": "ru-RU", "en": "en"}[content.language],
        # The canvas's first font is the letters' own: reportlab's default, Helvetica, is one of
        # the standard 14 a reader takes from its system, named on every page and never embedded.
        initialFontName=FONT_NAME,
    )
    with _RENDERING:  # the fonts' shared state is used from here to the end of the file
        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), (place[0] if place else None)
