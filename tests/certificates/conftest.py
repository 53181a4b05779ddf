"""Fixtures for certificates: real certificate rows with a rendered PDF in the private storage
and its SHA-256, made without the issuing services (so verification, downloads and My learning
are tested on their own), plus the cohort, person and activity fixtures of tests/cohorts."""

import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from certificates.documents.content import Values, certificate_data
from certificates.documents.pdf import render
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
)
from certificates.verify.codes import code_new
from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    CohortFactory,
    clock,
    home,
    make_activity,
    make_cohort,
    make_person,
    make_programme,
    programme,
    programme_index,
    staff,
)

WORDING = "This certifies that {name} has completed {cohort}{activity}{module} of the {programme}."


def template_for(kind: str) -> CertificateTemplate:
    template, _ = CertificateTemplate.objects.get_or_create(
        name=f"Test {kind}",
        kind=kind,
        defaults={"title": "Certificate of completion", "wording": WORDING},
    )
    return template


def certificate_create(
    *,
    user,
    cohort=None,
    activity=None,
    module=None,
    state: str = CertificateState.ISSUED,
    holder_name: str | None = None,
    minor: bool = False,
    issued_at: dt.datetime | None = None,
    with_file: bool = True,
    **fields,
) -> Certificate:
    """A certificate as issuing leaves it: the PDF rendered from a template, stored in the
    private storage, its SHA-256 recorded. A pending one has no code and no file yet."""
    target = cohort or activity or module
    kind = (
        CertificateKind.PROGRAMME
        if cohort
        else CertificateKind.ACTIVITY
        if activity
        else CertificateKind.MODULE
    )
    if cohort:
        programme_title = cohort.programme.title
    else:
        parent = target.get_parent().specific
        programme_title = parent.title
    holder_name = holder_name or user.profile.full_name
    issued_at = issued_at or timezone.now()
    template = template_for(kind)
    certificate = Certificate(
        kind=kind,
        user=user,
        cohort=cohort,
        activity=activity,
        module=module,
        template=template,
        state=state,
        source=CertificateSource.MANUAL,
        holder_name=holder_name,
        holder_is_minor=minor,
        programme_title=programme_title,
        context_title=target.title,
        date_start=dt.date(2026, 3, 2),
        date_end=dt.date(2026, 9, 30),
        issued_at=issued_at,
        **fields,
    )
    if state != CertificateState.PENDING:
        certificate.code = code_new()
        if with_file:
            values = Values(
                holder_name=holder_name,
                programme=programme_title,
                cohort=cohort.title if cohort else "",
                activity=activity.title if activity else "",
                module=module.title if module else "",
                date_start=certificate.date_start,
                date_end=certificate.date_end,
            )
            pdf = render(
                certificate_data(
                    template, values, code=certificate.code, issued_on=issued_at.date()
                )
            )
            certificate.sha256 = hashlib.sha256(pdf).hexdigest()
            certificate.rendered_at = issued_at
            certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
    certificate.save()
    return certificate


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def make_certificate(db):
    return certificate_create


@pytest.fixture
def cohort(make_cohort):  # noqa: F811
    return make_cohort(title="BEP 2026 — Finnish presidency", slug="bep-2026")


@pytest.fixture
def holder(make_person):  # noqa: F811
    return make_person("LV", full_name="Jānis Bērziņš")


@pytest.fixture
def certificate(make_certificate, holder, cohort):
    return make_certificate(user=holder, cohort=cohort)
