"""Helpers of the issuing tests: templates as editors set them up, completed participants, the
PDF read back, the events and e-mails a certificate caused. Imported by the test modules (the
fixtures of tests/cohorts come through tests/certificates/conftest.py)."""

import io
import unicodedata

import pytest
from pypdf import PdfReader

from certificates.models import Certificate, CertificateTemplate, CertificateTranslation
from cohorts.models import Enrolment, EnrolmentSource, EnrolmentState
from lms.models import Event, OutgoingEmail

WORDING = (
    "This certifies that {name} has completed {cohort}{activity}{module} of the {programme}.\n"
    "Dates: {dates}. Hours: {hours}. Place: {place}."
)
LATVIAN = "Šī apliecība apliecina, ka {name} ir pabeidzis {cohort}{activity}{module}."


@pytest.fixture(autouse=True)
def private_files_in_tmp(_files_in_tmp):
    """PDFs go to the temporary private folder of the root conftest (PRIVATE_ROOT), never
    under var/; kept as a name for the tests that ask for it explicitly."""
    yield


def make_template(
    kind: str,
    *,
    name: str | None = None,
    programme=None,
    cohorts=(),
    activities=(),
    modules=(),
    auto_issue: bool = True,
    active: bool = True,
    language: str = "en",
    hours=None,
    translations: dict[str, tuple[str, str]] | None = None,
) -> CertificateTemplate:
    """A template saved the way the snippet editor saves it, with its chosen targets."""
    template = CertificateTemplate.objects.create(
        name=name or f"{kind} template",
        kind=kind,
        programme=programme,
        auto_issue=auto_issue,
        active=active,
        language=language,
        hours=hours,
        title="Certificate of completion",
        wording=WORDING,
    )
    template.cohorts.set(cohorts)
    template.activities.set(activities)
    template.modules.set(modules)
    template.save()  # parental many-to-many choices are written on save
    for lang, (title, wording) in (translations or {}).items():
        CertificateTranslation.objects.create(
            template=template, language=lang, title=title, wording=wording
        )
    return template


def completed_in(cohort, user, *, state: str = EnrolmentState.COMPLETED) -> Enrolment:
    profile = user.profile
    return Enrolment.objects.create(
        cohort=cohort,
        user=user,
        state=state,
        source=EnrolmentSource.STAFF,
        country=profile.country,
        sector=profile.sector,
    )


def place_at(activity, user, *, state: str = EnrolmentState.ACCEPTED) -> Enrolment:
    return Enrolment.objects.create(
        activity=activity,
        user=user,
        state=state,
        source=EnrolmentSource.REGISTRATION,
        country=user.profile.country,
    )


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_text(certificate: Certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        data = handle.read()
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def events_named(name: str, **payload) -> list[Event]:
    query = Event.objects.filter(name=name)
    for key, value in payload.items():
        query = query.filter(**{f"payload__{key}": value})
    return list(query.order_by("pk"))


def certificate_events(certificate: Certificate) -> list[str]:
    """Every certificates.* event about one certificate, oldest first, as its last word."""
    names = Event.objects.filter(
        name__startswith="certificates.", payload__certificate_id=certificate.pk
    ).order_by("pk")
    return [name.rsplit(".", 1)[1] for name in names.values_list("name", flat=True)]


def emails_to(user) -> list[OutgoingEmail]:
    return list(
        OutgoingEmail.objects.filter(
            recipient=user.email, reason__startswith="certificates."
        ).order_by("pk")
    )
