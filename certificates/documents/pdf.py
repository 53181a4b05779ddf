"""Certificate PDFs with reportlab: plain data in, PDF bytes out (no Django, no database), with the
project's DejaVu Sans subset-embedded, a vector QR code to the verification page and the code in
real, searchable text."""

import datetime as dt
import functools
import io
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from lms.pdf_fonts import FONT, FONT_BOLD, register_fonts
from lms.qr import QR_QUIET, qr_draw, qr_matrix

PAPER = {"A4": A4, "LETTER": LETTER}
BORDERS = ("none", "single", "double")


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    role: str
    signature: bytes | None = None  # PNG or JPEG


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything printed on one certificate; the wording comes already filled in."""

    holder_name: str
    title: str
    wording: tuple[str, ...]
    programme: str
    verification_url: str
    verification_code: str
    issued_on: dt.date
    context: str = ""  # the cohort, activity or module
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    hours: Decimal | float | int | None = None
    place: str = ""
    signatories: tuple[Signatory, ...] = ()
    logo: bytes | None = None  # PNG or JPEG
    colour: str = "#1d3557"  # title, name and border
    accent: str = "#5c677d"  # details, second language, footer
    border: str = "double"  # one of BORDERS
    paper: str = "A4"  # A4 or LETTER
    landscape: bool = True
    language: str = "en"  # BCP 47, written into the PDF for screen readers
    second_language: str = ""
    second_title: str = ""
    second_wording: tuple[str, ...] = ()  # printed only when given: a bilingual certificate
    # The fixed labels, already in the holder's language (the caller translates them).
    verify_label: str = "Verification code"
    issued_label: str = "Issued"
    hours_unit: str = "h"
    issuer: str = "BSR Academy"

    @property
    def bilingual(self) -> bool:
        return bool(self.second_wording)


@dataclass(frozen=True, slots=True)
class QRPlacement:
    """Where the QR symbol sits on the page, in points from the bottom left, quiet zone included."""

    x: float
    y: float
    size: float
    modules: int  # per side, quiet zone included

    @property
    def module(self) -> float:
        return self.size / self.modules


def page_size(data: CertificateData) -> tuple[float, float]:
    try:
        width, height = PAPER[data.paper.upper()]
    except KeyError:
        raise ValueError(f"unknown paper size {data.paper!r}") from None
    return (max(width, height), min(width, height)) if data.landscape else (width, height)


def qr_placement(data: CertificateData, modules: int | None = None) -> QRPlacement:
    """`modules` is the symbol's side without the quiet zone; computed from the URL if absent."""
    width, height = page_size(data)
    if modules is None:
        modules = len(qr_matrix(data.verification_url))
    margin = _margin(width, height)
    size = 92.0  # 32 mm: a 37-module symbol gets modules of 0.7 mm, easy for a phone camera
    return QRPlacement(x=width - margin - size, y=margin, size=size, modules=modules + 2 * QR_QUIET)


def render(data: CertificateData) -> bytes:
    """The certificate as PDF bytes; the same data always gives the same bytes."""
    if data.border not in BORDERS:
        raise ValueError(f"unknown border {data.border!r}")
    register_fonts()
    width, height = page_size(data)
    out = io.BytesIO()
    # invariant: no timestamp or random id in the file, so a re-render (a retried job) yields the
    # same bytes and the same stored SHA-256.
    canvas = Canvas(
        out,
        pagesize=(width, height),
        invariant=1,
        pageCompression=1,
        lang=data.language,
        initialFontName=FONT,
    )
    canvas.setTitle(f"{data.title} — {data.holder_name}")
    canvas.setAuthor(data.issuer)
    canvas.setSubject(data.programme)
    canvas.setCreator(data.issuer)
    _draw(canvas, data, width, height)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- Drawing --------------------------------------------------------------------------------------


def _margin(width: float, height: float) -> float:
    return round(min(width, height) * 0.07)


@functools.lru_cache(maxsize=32)
def _image(data: bytes) -> ImageReader:
    # Logos and signatures repeat across a batch: decode each one once.
    return ImageReader(io.BytesIO(data))


def _draw(canvas: Canvas, data: CertificateData, width: float, height: float) -> None:
    colour, accent = HexColor(data.colour), HexColor(data.accent)
    margin = _margin(width, height)
    _draw_border(canvas, data.border, colour, width, height, margin)

    matrix = qr_matrix(data.verification_url)
    qr = qr_placement(data, len(matrix))
    qr_draw(canvas, matrix, x=qr.x, y=qr.y, size=qr.size)

    left, right = margin + 10, width - margin - 10
    footer_y = margin + 4
    _draw_footer(canvas, data, accent, left, qr.x - 12, footer_y)

    band_top = qr.y + qr.size
    _draw_signatories(canvas, data.signatories, left, qr.x - 20, footer_y + 22)

    _draw_body(canvas, data, colour, accent, left, right, band_top + 14, height - margin - 12)


def _draw_border(
    canvas: Canvas, border: str, colour: Color, width: float, height: float, margin: float
) -> None:
    if border == "none":
        return
    canvas.setStrokeColor(colour)
    inset = margin / 2
    canvas.setLineWidth(2.5)
    canvas.rect(inset, inset, width - 2 * inset, height - 2 * inset, stroke=1, fill=0)
    if border == "double":
        canvas.setLineWidth(0.75)
        canvas.rect(inset + 5, inset + 5, width - 2 * inset - 10, height - 2 * inset - 10)


def _fit(text: str, font: str, size: float, max_width: float, minimum: float = 6.0) -> float:
    """The largest size up to `size` at which `text` fits on one line."""
    text_width = pdfmetrics.stringWidth(text, font, size)
    if text_width <= max_width:
        return size
    return max(minimum, size * max_width / text_width)


def _draw_footer(
    canvas: Canvas, data: CertificateData, accent: Color, left: float, right: float, y: float
) -> None:
    canvas.setFillColor(accent)
    issued = f"{data.issued_label} {data.issued_on.isoformat()}"
    line1 = f"{data.verify_label}: "
    size = _fit(line1 + data.verification_code, FONT_BOLD, 9, right - left)
    canvas.setFont(FONT, size)
    canvas.drawString(left, y + 11, line1)
    canvas.setFont(FONT_BOLD, size)
    canvas.drawString(
        left + pdfmetrics.stringWidth(line1, FONT, size), y + 11, data.verification_code
    )
    line2 = f"{data.verification_url} · {issued}"
    canvas.setFont(FONT, _fit(line2, FONT, 7.5, right - left, minimum=4))
    canvas.drawString(left, y, line2)


def _draw_signatories(
    canvas: Canvas, signatories: tuple[Signatory, ...], left: float, right: float, y: float
) -> None:
    if not signatories:
        return
    slot = (right - left) / len(signatories)
    line_width = min(slot - 16, 170)
    canvas.setStrokeColorRGB(0.2, 0.2, 0.2)
    canvas.setLineWidth(0.6)
    for i, person in enumerate(signatories):
        centre = left + slot * (i + 0.5)
        line_y = y + 22
        if person.signature:
            canvas.drawImage(
                _image(person.signature),
                centre - line_width / 2,
                line_y + 2,
                width=line_width,
                height=36,
                preserveAspectRatio=True,
                anchor="s",
                mask="auto",
            )
        canvas.line(centre - line_width / 2, line_y, centre + line_width / 2, line_y)
        canvas.setFillColorRGB(0.1, 0.1, 0.1)
        canvas.setFont(FONT_BOLD, _fit(person.name, FONT_BOLD, 9.5, line_width))
        canvas.drawCentredString(centre, line_y - 12, person.name)
        canvas.setFont(FONT, _fit(person.role, FONT, 8, line_width))
        canvas.drawCentredString(centre, line_y - 22, person.role)


def _details(data: CertificateData) -> str:
    parts = [data.programme, data.context]
    if data.date_start and data.date_end and data.date_end != data.date_start:
        parts.append(f"{data.date_start.isoformat()} – {data.date_end.isoformat()}")
    elif data.date_start or data.date_end:
        parts.append((data.date_start or data.date_end).isoformat())
    if data.hours is not None:
        parts.append(f"{Decimal(str(data.hours)).normalize():f} {data.hours_unit}")
    parts.append(data.place)
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class _Block:
    lines: tuple[str, ...]
    font: str
    size: float
    leading: float
    colour: Color
    space_after: float


def _blocks(
    data: CertificateData, colour: Color, accent: Color, width: float, scale: float
) -> list[_Block]:
    def wrapped(paragraphs, font, size, leading, fill, after) -> _Block:
        size, leading = size * scale, leading * scale
        lines: list[str] = []
        for paragraph in paragraphs:
            lines += simpleSplit(paragraph, font, size, width) or [""]
        return _Block(tuple(lines), font, size, leading, fill, after * scale)

    def single(text, font, size, fill, after) -> _Block:
        size = _fit(text, font, size * scale, width)
        return _Block((text,), font, size, size * 1.2, fill, after * scale)

    blocks = [single(data.title, FONT_BOLD, 30, colour, 4 if data.bilingual else 16)]
    if data.bilingual and data.second_title:
        blocks.append(single(data.second_title, FONT, 15, accent, 16))
    blocks.append(single(data.holder_name, FONT_BOLD, 26, colour, 14))
    blocks.append(wrapped(data.wording, FONT, 12.5, 17, HexColor("#1a1a1a"), 10))
    if details := _details(data):
        blocks.append(wrapped([details], FONT, 10, 13, accent, 12))
    if data.bilingual:
        blocks.append(wrapped(data.second_wording, FONT, 10.5, 14, accent, 0))
    return blocks


def _draw_body(
    canvas: Canvas,
    data: CertificateData,
    colour: Color,
    accent: Color,
    left: float,
    right: float,
    bottom: float,
    top: float,
) -> None:
    logo_height = 0.0
    if data.logo:
        logo_height = 46.0
        canvas.drawImage(
            _image(data.logo),
            left,
            top - logo_height,
            width=right - left,
            height=logo_height,
            preserveAspectRatio=True,
            anchor="n",
            mask="auto",
        )
        top -= logo_height + 14
    width = right - left
    # Long wording shrinks the type instead of running into the signatures.
    for scale in (1.0, 0.92, 0.84, 0.76, 0.68, 0.6, 0.52):
        blocks = _blocks(data, colour, accent, width, scale)
        height = sum(len(b.lines) * b.leading + b.space_after for b in blocks)
        if height <= top - bottom:
            break
    # Centred in the space left, so short wording does not hang below the title.
    y = top - max(0.0, (top - bottom - height) / 2)
    centre = (left + right) / 2
    for block in blocks:
        canvas.setFont(block.font, block.size)
        canvas.setFillColor(block.colour)
        for line in block.lines:
            baseline = y - (block.leading - block.size) / 2 - block.size * 0.78
            canvas.drawCentredString(centre, baseline, line)
            y -= block.leading
        y -= block.space_after
