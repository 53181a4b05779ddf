"""From a certificate template and plain values to the data `certificates.documents.pdf.render`
prints: placeholders filled, the holder's language added when the template has it, images read once.
Issuing and the admin preview both go through `certificate_data`."""

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from wagtail.images import get_image_model

from certificates.documents.pdf import CertificateData, Signatory
from certificates.documents.wording import paragraphs, wording_fill

if TYPE_CHECKING:  # for the annotation only: the template model imports this module
    from certificates.models import CertificateTemplate


@dataclass(frozen=True)
class Values:
    """What a certificate says about one holder and one cohort, activity or module."""

    holder_name: str
    programme: str = ""
    cohort: str = ""
    activity: str = ""
    module: str = ""
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    hours: Decimal | None = None
    place: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def context(self) -> str:
        return self.cohort or self.activity or self.module

    def placeholders(self) -> dict[str, str]:
        dates = ""
        if self.date_start and self.date_end and self.date_start != self.date_end:
            dates = f"{self.date_start.isoformat()} – {self.date_end.isoformat()}"
        elif self.date_start or self.date_end:
            dates = (self.date_start or self.date_end).isoformat()
        hours = f"{Decimal(str(self.hours)).normalize():f}" if self.hours is not None else ""
        return {
            "name": self.holder_name,
            "programme": self.programme,
            "cohort": self.cohort,
            "activity": self.activity,
            "module": self.module,
            "date_start": self.date_start.isoformat() if self.date_start else "",
            "date_end": self.date_end.isoformat() if self.date_end else "",
            "dates": dates,
            "hours": hours,
            "place": self.place,
        }


SAMPLE = Values(
    holder_name="Žydrūnas Šimkus",
    programme="Baltic Excellence Programme",
    cohort="BEP 2026 — Finnish presidency",
    activity="Table-top exercise: Baltic storm surge",
    module="Leading in a crisis",
    date_start=dt.date(2026, 3, 2),
    date_end=dt.date(2026, 9, 30),
    hours=Decimal("48"),
    place="Helsinki, Finland",
)
# The code printed on previews: well-formed, never issued (codes come from the CSPRNG).
SAMPLE_CODE = "0000-0000-0000-0000-0000-0000-0000"


def verification_url(code: str) -> str:
    path = reverse("certificates:verify_code", kwargs={"code": code})
    return settings.BASE_URL.rstrip("/") + path


@functools.lru_cache(maxsize=64)
def _image_bytes(image_id: int, file_name: str) -> bytes | None:
    """An image's original file, read once per process (the name changes when it is replaced)."""
    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return None
    try:
        with image.file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def _image(image) -> bytes | None:
    return _image_bytes(image.pk, image.file.name) if image is not None else None


def certificate_data(
    template: "CertificateTemplate",
    values: Values,
    *,
    code: str,
    issued_on: dt.date,
    second_language: str = "",
) -> CertificateData:
    """What to print. `second_language` (the holder's preferred language) makes the certificate
    bilingual when the template has a translation in it and it is not the main language. The
    fixed labels (verification code, date of issue, hours) are in the active language: call it
    inside `lms.languages.reading(...)` with the holder's language."""
    if values.hours is None and template.hours is not None:
        values = dataclasses.replace(values, hours=template.hours)
    filled = values.placeholders()
    translation = None
    if second_language and second_language != template.language:
        translation = next(
            (t for t in template.translations.all() if t.language == second_language), None
        )
    return CertificateData(
        holder_name=values.holder_name,
        title=wording_fill(template.title, filled),
        wording=paragraphs(wording_fill(template.wording, filled)),
        programme=values.programme,
        context=values.context,
        date_start=values.date_start,
        date_end=values.date_end,
        hours=values.hours,
        place=values.place,
        signatories=tuple(
            Signatory(name=s.name, role=s.role, signature=_image(s.signature))
            for s in template.signatories.all()
        ),
        logo=_image(template.logo),
        colour=template.colour,
        accent=template.accent,
        border=template.border,
        paper=template.paper,
        landscape=template.landscape,
        language=template.language,
        second_language=translation.language if translation else "",
        second_title=wording_fill(translation.title, filled) if translation else "",
        second_wording=paragraphs(wording_fill(translation.wording, filled)) if translation else (),
        verification_url=verification_url(code),
        verification_code=code,
        issued_on=issued_on,
        verify_label=gettext("Verification code"),
        # Translators: printed on a certificate before its date of issue, e.g. "Issued 2026-03-02".
        issued_label=pgettext("certificate date", "Issued"),
        # Translators: the abbreviation for hours printed after a number on a certificate, "48 h".
        hours_unit=pgettext("hours abbreviation", "h"),
    )
