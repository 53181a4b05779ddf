"""Certificate PDFs read back the way a reader, a search box and a phone camera would: text with
every diacritic of the region, the page as pixels, the QR symbol module by module."""

import dataclasses
import datetime as dt
import hashlib
import io
import shutil
import subprocess
import unicodedata

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from certificates.documents.pdf import CertificateData, Signatory, qr_placement, render
from certificates.verify.codes import code_new
from lms.qr import QR_ERROR, QR_MASK, QR_QUIET, qr_matrix

DIACRITICS = "ā ē ī ū ķ ļ ņ ģ š ž č ė į ų ą ę ł ń ś ź ż ő õ ä ö ü ß å æ ø þ ð á é í ó ú ý"
NAMES = [
    "Jānis Bērziņš",
    "Þórunn Guðmundsdóttir",
    "Małgorzata Wąsowska",
    "Søren Ærø",
    "Õie Täht",
    "Žydrūnas Šimkus",
]
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed"
)


def certificate(**changes) -> CertificateData:
    code = code_new()
    data = CertificateData(
        holder_name="Jānis Bērziņš",
        title="Certificate of Completion",
        wording=(
            "This certifies that Jānis Bērziņš has completed the Baltic Excellence Programme "
            "2026 for senior civil-protection and law-enforcement experts.",
            f"Letters of the region: {DIACRITICS.upper()} {DIACRITICS}.",
        ),
        programme="Baltic Excellence Programme",
        context="BEP 2026 — Finnish presidency",
        date_start=dt.date(2026, 3, 2),
        date_end=dt.date(2026, 9, 30),
        hours=48,
        place="Helsinki, Finland",
        signatories=(
            Signatory("Aino Virtanen", "Programme Director"),
            Signatory("Małgorzata Wąsowska", "Head of Secretariat"),
        ),
        verification_url=f"https://academy.example.org/certificates/verify/{code}/",
        verification_code=code,
        issued_on=dt.date(2026, 10, 1),
    )
    return dataclasses.replace(data, **changes)


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def poppler_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
        timeout=30,
    ).stdout


def flat(text: str) -> str:
    """One line, single spaces: wrapped lines join the way a search box sees them."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def raster(pdf: bytes, tmp_path, dpi: int) -> Image.Image:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
        timeout=30,
    )
    return Image.open(tmp_path / "page.png").convert("L")


# --- Text ---------------------------------------------------------------------------------------


def test_every_diacritic_and_name_reads_back_with_pypdf():
    pdf = render(certificate(wording=(f"{DIACRITICS} {DIACRITICS.upper()}", " ".join(NAMES))))
    text = flat(pypdf_text(pdf))
    for letter in DIACRITICS.split() + DIACRITICS.upper().split():
        assert letter in text, letter
    for name in NAMES:
        assert name in text, name


@needs_poppler
@pytest.mark.parametrize("name", NAMES)
def test_holder_names_read_back_with_pdftotext(name, tmp_path):
    pdf = render(certificate(holder_name=name))
    lines = [flat(line) for line in poppler_text(pdf, tmp_path).splitlines()]
    assert name in lines
    text = flat(" ".join(lines))
    for letter in DIACRITICS.split() + DIACRITICS.upper().split():
        assert letter in text, letter


def test_the_verification_code_and_link_are_printed_as_text():
    data = certificate()
    text = flat(pypdf_text(render(data)))
    assert data.verification_code in text
    assert data.verification_url in text


def test_details_are_printed():
    text = flat(pypdf_text(render(certificate())))
    for part in (
        "Certificate of Completion",
        "Baltic Excellence Programme",
        "BEP 2026 — Finnish presidency",
        "2026-03-02 – 2026-09-30",
        "48 h",
        "Helsinki, Finland",
        "Aino Virtanen",
        "Programme Director",
        "2026-10-01",
    ):
        assert part in text, part


def test_a_bilingual_certificate_carries_both_texts():
    latvian = "Šī apliecība apliecina, ka Jānis Bērziņš ir sekmīgi pabeidzis programmu."
    data = certificate(
        second_language="lv",
        second_title="Apliecība par pabeigšanu",
        second_wording=(latvian,),
    )
    text = flat(pypdf_text(render(data)))
    assert "has completed the Baltic Excellence Programme" in text
    assert latvian in text
    assert "Apliecība par pabeigšanu" in text

    english_only = flat(pypdf_text(render(certificate(second_title="Apliecība"))))
    assert "Apliecība" not in english_only


def test_long_wording_still_fits_on_one_page():
    wording = tuple(f"Paragraph {i}: " + "Žydrūnas Šimkus took part. " * 12 for i in range(8))
    pdf = render(certificate(wording=wording))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Paragraph 7" in flat(reader.pages[0].extract_text())


# --- File ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paper", "landscape", "size"),
    [
        ("A4", True, (841.89, 595.28)),
        ("A4", False, (595.28, 841.89)),
        ("LETTER", False, (612, 792)),
        ("Letter", True, (792, 612)),
    ],
)
def test_paper_size_and_orientation(paper, landscape, size):
    page = PdfReader(io.BytesIO(render(certificate(paper=paper, landscape=landscape)))).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(size, abs=0.1)


def test_unknown_paper_or_border_is_refused():
    with pytest.raises(ValueError):
        render(certificate(paper="A3"))
    with pytest.raises(ValueError):
        render(certificate(border="wavy"))


def test_the_font_is_embedded_as_a_subset_and_the_file_stays_small():
    pdf = render(certificate())
    assert len(pdf) <= 60 * 1024
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.append(font)
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # embedded TrueType
            assert "/ToUnicode" in font  # text can be searched and copied
    names = {str(font["/BaseFont"]) for font in fonts}
    assert all("+DejaVuSans" in name for name in names), names  # ABCDEF+ prefix: a subset
    assert any("Bold" in name for name in names)


def test_the_same_data_gives_the_same_bytes():
    data = certificate()
    assert hashlib.sha256(render(data)).digest() == hashlib.sha256(render(data)).digest()
    other = dataclasses.replace(data, holder_name="Søren Ærø")
    assert render(other) != render(data)


def test_logo_and_signature_images_are_drawn():
    picture = io.BytesIO()
    Image.new("RGB", (240, 80), (29, 53, 87)).save(picture, format="PNG")
    data = certificate(
        logo=picture.getvalue(),
        signatories=(Signatory("Aino Virtanen", "Programme Director", picture.getvalue()),),
    )
    pdf = render(data)
    xobjects = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"]
    assert len(xobjects) == 1  # the same picture twice is stored once
    assert len(pdf) <= 60 * 1024


# --- Pixels -------------------------------------------------------------------------------------


@needs_poppler
def test_the_rasterised_page_shows_the_title_and_name(tmp_path):
    image = raster(render(certificate()), tmp_path, dpi=50)
    width, height = image.size
    assert (width, height) == pytest.approx((841.89 / 72 * 50, 595.28 / 72 * 50), abs=1)
    dark = sum(image.histogram()[:128])
    assert 0.01 < dark / (width * height) < 0.5
    # The middle third across the upper half holds the title and the name.
    band = image.crop((width // 3, height // 5, 2 * width // 3, height // 2))
    assert band.getextrema()[0] < 80


@needs_poppler
@pytest.mark.parametrize(("paper", "landscape"), [("A4", True), ("LETTER", False)])
def test_the_qr_symbol_on_the_page_is_the_one_for_the_verification_url(paper, landscape, tmp_path):
    """No QR decoder is installed, so read the printed symbol back module by module and compare
    it with segno's symbol for the URL."""
    data = certificate(paper=paper, landscape=landscape)
    expected = segno.make(data.verification_url, error=QR_ERROR, mask=QR_MASK, micro=False)
    assert qr_matrix(data.verification_url) == tuple(tuple(row) for row in expected.matrix)

    dpi = 200
    image = raster(render(data), tmp_path, dpi=dpi)
    page_height = image.size[1] * 72 / dpi
    box = qr_placement(data)
    n = box.modules

    def pixel(row: int, col: int) -> int:
        # Centre of module (row, col) counted from the top left of the quiet zone.
        x = box.x + (col + 0.5) * box.module
        y = page_height - (box.y + box.size - (row + 0.5) * box.module)
        return image.getpixel((int(x * dpi / 72), int(y * dpi / 72)))

    printed = tuple(
        tuple(int(pixel(r, c) < 128) for c in range(QR_QUIET, n - QR_QUIET))
        for r in range(QR_QUIET, n - QR_QUIET)
    )
    assert printed == qr_matrix(data.verification_url)
    quiet = [pixel(r, c) for r in range(n) for c in range(n) if min(r, c, n - 1 - r, n - 1 - c) < 2]
    assert min(quiet) > 200
