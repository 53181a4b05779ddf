"""The project's PDF fonts (DejaVu Sans, every letter of the region), registered with reportlab
once per process, for certificates, passes and sign-in sheets."""

import functools
import zlib
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "BSRSans"
FONT_BOLD = "BSRSans-Bold"


@functools.cache
def register_fonts() -> None:
    """Parse the TTF files once per process; every render after that only builds subsets."""
    # Binary streams instead of ASCII85 text: a quarter smaller and faster to write.
    rl_config.useA85 = 0
    for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        font = TTFont(name, str(FONT_DIR / filename))
        # Every certificate needs the same ASCII subset and mostly the same accented letters;
        # build each subset once (bounded, so a long batch stays flat in memory).
        face = font.face
        make_subset = functools.lru_cache(maxsize=64)(face.makeSubset)
        face.makeSubset = lambda subset, make=make_subset: make(tuple(subset))
        face.addSubsetObjects = functools.partial(_add_subset_objects, face.addSubsetObjects, face)
        pdfmetrics.registerFont(font)


class _CachedFlate:
    """zlib for font subsets, remembered: the same subset bytes come back document after
    document, and compressing them again was a quarter of the render time."""

    pdfname = "FlateDecode"
    encode = staticmethod(functools.lru_cache(maxsize=64)(zlib.compress))


_CACHED_FLATE = _CachedFlate()


def _add_subset_objects(original, face, doc, fontname, subset):
    reference = original(doc, fontname, subset)
    stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
    if stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
        stream.filters = [_CACHED_FLATE]
    return reference
