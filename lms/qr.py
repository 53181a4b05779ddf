"""QR codes, drawn one way everywhere: as vector paths in reportlab PDFs (certificates, passes) and
as SVG in pages (a pass on screen, an authenticator app's set-up)."""

import segno

QR_QUIET = 4  # modules of white around the symbol, as ISO/IEC 18004 asks
QR_ERROR = "m"
# Any of the eight masks gives a valid symbol; segno's search for the best one costs ~20 ms, more
# than the rest of a certificate, so PDFs use a fixed one. Pages, drawn once, let segno choose.
QR_MASK = 0

Matrix = tuple[tuple[int, ...], ...]


def qr_symbol(text: str, *, mask: int | None = QR_MASK) -> segno.QRCode:
    return segno.make(text, error=QR_ERROR, mask=mask, micro=False)


def qr_matrix(text: str) -> Matrix:
    """The symbol's dark (1) and light (0) modules for `text`, without the quiet zone."""
    return tuple(tuple(row) for row in qr_symbol(text).matrix)


def qr_draw(canvas, matrix: Matrix, *, x: float, y: float, size: float, backdrop=False) -> None:
    """Draw `matrix` on a reportlab canvas in the square at (x, y) (bottom left, points) of side
    `size`, quiet zone included, as one filled path of horizontal runs in module units: no
    image, no widget, and integer operands written directly (reportlab's float formatting is
    most of the cost otherwise). `backdrop` paints the square white first, for coloured pages."""
    modules = len(matrix) + 2 * QR_QUIET
    unit = size / modules
    ops = []
    for r, row in enumerate(matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    if backdrop:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # Origin at the symbol's top left module, y downwards, one unit per module.
    canvas.transform(unit, 0, 0, -unit, x + QR_QUIET * unit, y + size - QR_QUIET * unit)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def qr_svg_data_uri(text: str, *, scale: int = 6) -> str:
    """An SVG data URI for an <img> (a pass on screen)."""
    return qr_symbol(text, mask=None).svg_data_uri(scale=scale, border=QR_QUIET)


def qr_svg_inline(text: str, *, title: str, scale: int = 4) -> str:
    """Inline SVG markup with a title for screen readers (an authenticator app's set-up)."""
    return qr_symbol(text, mask=None).svg_inline(scale=scale, title=title)
