"""The rendering job: code, PDF and fingerprint for a pending certificate, one at a time or a
bulk issue's chunk at once."""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from certificates.documents import content as rendering
from certificates.documents import pdf
from certificates.errors import CertificatesError
from certificates.models import (
    Certificate,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
    certificate_upload_to,
)
from certificates.services.base import announce
from certificates.services.bulk_status import bulk_count_issued
from certificates.verify.codes import code_new


def _values(certificate: Certificate) -> rendering.Values:
    context = {
        "cohort": certificate.context_title if certificate.cohort_id else "",
        "activity": certificate.context_title if certificate.activity_id else "",
        "module": certificate.context_title if certificate.module_id else "",
    }
    return rendering.Values(
        holder_name=certificate.holder_name,
        programme=certificate.programme_title,
        date_start=certificate.date_start,
        date_end=certificate.date_end,
        hours=certificate.hours,
        place=certificate.place,
        **context,
    )


def _template_for_render(certificate: Certificate, cache: dict) -> CertificateTemplate:
    """The certificate's template with its translations, signatories and images; read once per
    chunk of a bulk issue (a template edited meanwhile applies from the next chunk)."""
    if certificate.template_id not in cache:
        cache[certificate.template_id] = (
            CertificateTemplate.objects.filter(pk=certificate.template_id)
            .prefetch_related("translations", "signatories__signature")
            .select_related("logo")
            .first()
        )
    template = cache[certificate.template_id]
    if template is None:
        raise CertificatesError(
            "template_gone",
            f"The template of certificate #{certificate.pk} was deleted before it was rendered; "
            "reissue the certificate to use another template.",
        )
    return template


def _pdf_save(certificate: Certificate, content: bytes) -> str:
    """Write the PDF under a name fixed by the row, so an attempt killed after writing leaves a
    file the next attempt simply replaces. Private storage replaces a name only with a complete
    file (a temporary file moved into place, or one upload), so a full disk never leaves an
    empty or cut-off PDF under it."""
    name = certificate_upload_to(certificate, f"certificate-{certificate.pk}.pdf")
    return certificate.pdf.storage.save(name, ContentFile(content))


def certificate_render(*, certificate_id: int) -> Certificate | None:
    """The rendering job: lock the row, give it its code, print the PDF, store it with its
    SHA-256 and mark the certificate issued, announcing `certificates.certificate.issued` — all in
    one transaction, so a worker killed half-way leaves the row pending for the next attempt. A
    row that is no longer pending is left alone (a repeated job changes nothing)."""
    return render_one(certificate_id, templates={})


RENDERED_FIELDS = ["code", "pdf", "sha256", "rendered_at", "state"]


def _print(certificate: Certificate, templates: dict) -> None:
    """Code, PDF file and fingerprint for a locked pending row, set on the instance."""
    template = _template_for_render(certificate, templates)
    languages = certificate.language.split(",")
    code = code_new()
    data = rendering.certificate_data(
        template,
        _values(certificate),
        code=code,
        issued_on=timezone.localdate(certificate.issued_at),
        second_language=languages[1] if len(languages) > 1 else "",
    )
    content = pdf.render(data)
    certificate.pdf.name = _pdf_save(certificate, content)
    certificate.code = code
    certificate.sha256 = hashlib.sha256(content).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.state = CertificateState.ISSUED


def render_one(certificate_id: int, *, templates: dict) -> Certificate | None:
    """Render one pending certificate in its own transaction (see `certificate_render`)."""
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.state != CertificateState.PENDING:
            return certificate
        _print(certificate, templates)
        # An UPDATE of the row alone: save() would also have Wagtail re-index the row's
        # references, which costs more than the rest of the write.
        Certificate.objects.filter(pk=certificate.pk).update(
            **{field: getattr(certificate, field) for field in RENDERED_FIELDS}
        )
        announce(certificate, "issued")
        if certificate.source == CertificateSource.BULK:
            bulk_count_issued([certificate])
    return certificate


def render_chunk(certificate_ids: list[int], *, templates: dict) -> None:
    """A bulk issue's chunk in one transaction: the same guarantees as one certificate at a
    time (a kill leaves every row of the chunk pending, each counts once), with one lock, one
    update and one count for the lot. Rows another worker holds are left to it."""
    with transaction.atomic(durable=True):
        rows = list(
            Certificate.objects.select_for_update(skip_locked=True)
            .filter(pk__in=certificate_ids, state=CertificateState.PENDING)
            .order_by("pk")
        )
        for certificate in rows:
            _print(certificate, templates)
        if not rows:
            return
        Certificate.objects.bulk_update(rows, RENDERED_FIELDS)
        for certificate in rows:
            announce(certificate, "issued")
        bulk_count_issued([c for c in rows if c.source == CertificateSource.BULK])
