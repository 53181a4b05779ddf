"""PDFs of attendance with reportlab: participant passes (one A6 page each, with a vector QR
code) and the printable sign-in sheet of one day. Plain data in, PDF bytes out; every letter of
the region is printed with the project's embedded DejaVu Sans."""

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import KeepTogether

from lms import languages
from lms.pdf_fonts import FONT, FONT_BOLD, register_fonts
from lms.qr import qr_draw, qr_matrix

INK = colors.HexColor("#14213d")
ACCENT = colors.HexColor("#0b5394")
MUTED = colors.HexColor("#4a5568")
ISSUER = "BSR Academy"
SIGNATURE_MIN = 28 * mm  # the narrowest box a signature fits in


@dataclass(frozen=True, slots=True)
class PassData:
    """Everything printed on one participant pass."""

    holder_name: str
    activity_title: str
    when: str
    venue: str
    qr_text: str  # what the QR code carries: the pass's address
    code: str  # the token, printed small for typing at the desk
    country: str = ""
    organisation: str = ""
    programme: str = ""
    language: str = ""  # the language the pass is printed in ("": the active one)


def _pdf_lang() -> str:
    """The document's language tag: the active language (English as written in the region)."""
    code = translation.get_language() or languages.DEFAULT
    return "en-GB" if code == "en" else code


def _fit(text: str, font: str, size: float, width: float, minimum: float = 7.0) -> float:
    text_width = pdfmetrics.stringWidth(text, font, size)
    return size if text_width <= width else max(minimum, size * width / text_width)


def _lines(
    canvas: Canvas,
    text: str,
    font: str,
    size: float,
    x: float,
    y: float,
    width: float,
    *,
    max_lines: int = 3,
    leading: float | None = None,
) -> float:
    """Wrapped text from `y` downwards; returns the y below it."""
    leading = leading or size * 1.25
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + "…"
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawString(x, y, line)
        y -= leading
    return y


def passes_pdf(passes: list[PassData], *, title: str | None = None) -> bytes:
    """One A6 page per pass (a group's passes come as one file), each in its own language; the
    document itself in the first pass's (a given `title` is already written in the reader's)."""
    register_fonts()
    width, height = A6
    out = io.BytesIO()
    first_language = (passes[0].language if passes else "") or translation.get_language()
    with languages.reading(first_language):
        canvas = Canvas(
            out, pagesize=A6, invariant=1, pageCompression=1, lang=_pdf_lang(), initialFontName=FONT
        )
        title = title or _("Participant pass")
        canvas.setTitle(title if len(passes) != 1 else f"{title} — {passes[0].holder_name}")
    canvas.setAuthor(ISSUER)
    canvas.setCreator(ISSUER)
    canvas.setSubject(passes[0].activity_title if passes else title)
    for data in passes:
        with languages.reading(data.language or translation.get_language()):
            _draw_pass(canvas, data, width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_pass(canvas: Canvas, data: PassData, width: float, height: float) -> None:
    margin = 9 * mm
    inner = width - 2 * margin
    # A coloured band with the issuer: a pass is recognisable across the room.
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 15 * mm, width, 15 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawString(margin, height - 9.5 * mm, ISSUER)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(width - margin, height - 9.5 * mm, _("Participant pass"))

    y = height - 15 * mm - 8 * mm
    canvas.setFillColor(INK)
    size = _fit(data.holder_name, FONT_BOLD, 17, inner, minimum=10)
    y = _lines(canvas, data.holder_name, FONT_BOLD, size, margin, y, inner, max_lines=2)
    who = " · ".join(part for part in (data.country, data.organisation) if part)
    if who:
        canvas.setFillColor(MUTED)
        y = _lines(canvas, who, FONT, 8.5, margin, y + 1, inner, max_lines=2)
    y -= 3
    canvas.setFillColor(INK)
    y = _lines(canvas, data.activity_title, FONT_BOLD, 10.5, margin, y, inner, max_lines=3)
    canvas.setFillColor(MUTED)
    if data.programme:
        y = _lines(canvas, data.programme, FONT, 8, margin, y, inner, max_lines=1)
    y = _lines(canvas, data.when, FONT, 8, margin, y, inner, max_lines=2)
    if data.venue:
        y = _lines(canvas, data.venue, FONT, 8, margin, y, inner, max_lines=2)

    # The QR code as large as the space left allows, between 38 and 58 mm.
    footer = 17 * mm
    room = y - footer - 3 * mm
    size = max(38 * mm, min(58 * mm, room))
    bottom = footer + max(0.0, (room - size) / 2)
    qr_draw(
        canvas, qr_matrix(data.qr_text), x=(width - size) / 2, y=bottom, size=size, backdrop=True
    )

    canvas.setFillColor(INK)
    canvas.setFont(FONT, 7.5)
    canvas.drawCentredString(width / 2, footer - 4 * mm, _("Show this pass at the check-in desk."))
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 6)
    canvas.drawCentredString(
        width / 2, footer - 8 * mm, _("Pass code: %(code)s") % {"code": data.code}
    )
    canvas.drawCentredString(
        width / 2, footer - 11.5 * mm, _("This pass is personal: please do not share it.")
    )


# --- the sign-in sheet ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetPerson:
    name: str
    country: str
    organisation: str
    recorded: tuple[str, ...]  # per session: "" or what the desk already recorded


@dataclass(frozen=True, slots=True)
class SheetData:
    activity_title: str
    day: dt.date
    day_text: str
    venue: str
    sessions: tuple[str, ...]  # column headings, e.g. "Day 2, 09:00–17:00"
    people: tuple[SheetPerson, ...]
    printed_at: str = ""


def sign_in_sheet_pdf(sheet: SheetData) -> bytes:
    """A4 landscape: one line per person with a signature box per session of the day; the header
    row repeats on every page, and what the desk already recorded is printed small in the box."""
    register_fonts()
    out = io.BytesIO()
    pagesize = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=_("Sign-in sheet — %(activity)s — %(day)s")
        % {"activity": sheet.activity_title, "day": sheet.day.isoformat()},
        author=ISSUER,
        creator=ISSUER,
        lang=_pdf_lang(),
        invariant=1,
    )
    heading = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=14, leading=17, textColor=INK)
    sub = ParagraphStyle("sub", fontName=FONT, fontSize=9.5, leading=12, textColor=MUTED)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11, textColor=INK)
    head = ParagraphStyle("head", fontName=FONT_BOLD, fontSize=8.5, leading=10.5, textColor=INK)
    small = ParagraphStyle("small", fontName=FONT, fontSize=7, leading=8.5, textColor=MUTED)

    def para(text: str, style=cell) -> Paragraph:
        return Paragraph(_escape(text), style)

    story = [
        para(_("Sign-in sheet: %(activity)s") % {"activity": sheet.activity_title}, heading),
        para(" · ".join(part for part in (sheet.day_text, sheet.venue) if part), sub),
        para(
            _(
                "Please sign in the box of each session you attend. Staff enter the sheet into "
                "the attendance list afterwards."
            ),
            sub,
        ),
        Spacer(1, 4 * mm),
    ]
    available = pagesize[0] - 24 * mm
    fixed = [10 * mm, 62 * mm, 30 * mm, 58 * mm]
    # A day of many sessions is printed on as many sets of pages as it takes, so that every
    # signature box stays on the paper (a table wider than the page is cut off at both edges).
    per_table = max(1, int((available - sum(fixed)) // SIGNATURE_MIN))
    chunks = [
        range(start, min(start + per_table, len(sheet.sessions)))
        for start in range(0, max(1, len(sheet.sessions)), per_table)
    ]
    for number, chunk in enumerate(chunks):
        if number:
            story += [
                PageBreak(),
                para(
                    _("Sign-in sheet: %(activity)s (continued)")
                    % {"activity": sheet.activity_title},
                    heading,
                ),
                para(" · ".join(part for part in (sheet.day_text, sheet.venue) if part), sub),
                Spacer(1, 4 * mm),
            ]
        story.append(_sheet_table(sheet, list(chunk), fixed, available, para, head, small))
    story.append(KeepTogether([Spacer(1, 4 * mm), para(sheet.printed_at, small)]))

    page_text = _("Page %(number)s")

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(12 * mm, 8 * mm, f"{sheet.activity_title} — {sheet.day_text}")
        canvas.drawRightString(pagesize[0] - 12 * mm, 8 * mm, page_text % {"number": document.page})
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _sheet_table(sheet: SheetData, indices: list[int], fixed, available, para, head, small):
    columns = [
        # Translators: the heading of the sign-in sheet's column of row numbers.
        _("No."),
        _("Name"),
        _("Country"),
        _("Organisation"),
        *(sheet.sessions[i] for i in indices),
    ]
    data = [[para(text, head) for text in columns]]
    for number, person in enumerate(sheet.people, 1):
        data.append(
            [
                para(str(number)),
                para(person.name),
                para(person.country),
                para(person.organisation),
                *(para(person.recorded[i], small) for i in indices),
            ]
        )
    if not sheet.people:
        data.append(
            [para(""), para(_("No confirmed places.")), para(""), para("")]
            + [para("") for _ in indices]
        )
    rest = (available - sum(fixed)) / max(1, len(indices))
    table = Table(data, colWidths=fixed + [rest] * len(indices), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, MUTED),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f7f4")]),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 9),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
