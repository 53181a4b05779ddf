"""The rendering job: code, PDF and fingerprint for a pending certificate, one at a time or a
bulk issue's chunk at once."""

import hashlib
import logging
import traceback

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
from certificates.services.base import (
    RENDER_MAX_ATTEMPTS,
    RENDER_TASK,
    announce,
    audit,
    setting,
)
from certificates.services.bulk_status import bulk_count_issued
from certificates.verify.codes import code_new
from lms import languages
from lms.events import emit, retry_delay
from lms.jobs import enqueue

logger = logging.getLogger(__name__)


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
            gettext(
                "The template of certificate #%(id)s was deleted before it was rendered; "
                "reissue the certificate to use another template."
            )
            % {"id": certificate.pk},
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
    row that is no longer pending is left alone (a repeated job changes nothing). A failure is
    recorded on the row (see `render_failure_record`) instead of failing the job."""
    try:
        return render_one(certificate_id, templates={})
    except Exception as exc:
        return render_failure_record(certificate_id=certificate_id, error=exc)


RENDERED_FIELDS = [
    "code",
    "pdf",
    "sha256",
    "rendered_at",
    "state",
    "render_retry_at",
    "render_problem",
    "render_failed_at",
]

# What staff read about a failed render: the kind of fault in plain words, never the exception
# (it names server paths and database internals); the detail goes to the log, the row's
# `render_error` and the domain-events view, for administrators.
PROBLEM_SAVING = _("The PDF could not be saved.")
PROBLEM_RECORDING = _("The certificate could not be recorded.")
PROBLEM_PRINTING = _("The PDF could not be made.")


def problem_words(error: BaseException) -> str:
    if isinstance(error, CertificatesError):
        return str(error.message)
    if isinstance(error, OSError):
        return str(PROBLEM_SAVING)
    if isinstance(error, DatabaseError):
        return str(PROBLEM_RECORDING)
    return str(PROBLEM_PRINTING)


def error_detail(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))[-4000:]


def render_failure_record(*, certificate_id: int, error: BaseException) -> Certificate | None:
    """Keep a failed render on its row: one more attempt, the plain words for staff, the detail
    for administrators, and when the sweeper may try again (with back-off). After the last
    attempt, or at once for a fault no retry can mend (a domain error), the certificate needs
    attention and waits for staff. Announces `certificates.certificate.render_failed`, whose
    handler alerts the administrators once per failure episode."""
    logger.warning("certificate %s: rendering failed", certificate_id, exc_info=error)
    max_attempts = setting("CERTIFICATES_RENDER_MAX_ATTEMPTS", RENDER_MAX_ATTEMPTS)
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.state != CertificateState.PENDING:
            return certificate
        now = timezone.now()
        certificate.render_attempts += 1
        certificate.render_problem = problem_words(error)[:300]
        certificate.render_error = error_detail(error)
        gave_up = (
            isinstance(error, CertificatesError) or certificate.render_attempts >= max_attempts
        )
        if gave_up:
            certificate.render_failed_at = now
            certificate.render_retry_at = None
            logger.error(
                "certificate %s: rendering gave up after %s attempt(s); it needs attention: %s",
                certificate.pk,
                certificate.render_attempts,
                short_error(error),
            )
        else:
            certificate.render_retry_at = now + retry_delay(certificate.render_attempts)
        Certificate.objects.filter(pk=certificate.pk).update(
            **{field: getattr(certificate, field) for field in FAILURE_FIELDS}
        )
        payload = {
            "certificate_id": certificate.pk,
            "user_id": certificate.user_id,
            "attempt": certificate.render_attempts,
            "error": short_error(error),
        }
        if gave_up:
            payload["gave_up"] = True
        emit(
            "certificates.certificate.render_failed",
            key=f"certificates.certificate.render_failed:{certificate.pk}:{now.isoformat()}",
            payload=payload,
        )
    return certificate


FAILURE_FIELDS = [
    "render_attempts",
    "render_problem",
    "render_error",
    "render_retry_at",
    "render_failed_at",
]


def short_error(error: BaseException) -> str:
    """The exception's type and first line, for administrators."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]


def certificate_render_retry(*, certificate: Certificate, actor) -> Certificate:
    """Staff try again a certificate whose rendering gave up (once the fault is fixed): its
    attempts start again from nought, and the render is queued after commit."""
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.state != CertificateState.PENDING:
            raise CertificatesError(
                "wrong_state", _("This certificate is no longer waiting to be printed.")
            )
        previous = certificate.render_attempts
        certificate.render_attempts = 0
        certificate.render_failed_at = None
        certificate.render_retry_at = None
        Certificate.objects.filter(pk=certificate.pk).update(
            render_attempts=0, render_failed_at=None, render_retry_at=None
        )
        audit(certificate, "render_retry", actor, attempts=previous)
        transaction.on_commit(lambda: enqueue(RENDER_TASK, certificate.pk))
    return certificate


def holder_languages(certificates: list[Certificate]) -> dict[int, str]:
    """The language each holder reads (by user id), for the certificate's fixed labels."""
    users = get_user_model().objects.filter(pk__in={c.user_id for c in certificates})
    return {user.pk: languages.of_user(user) for user in users.select_related("profile")}


def _print(certificate: Certificate, templates: dict, language: str | None) -> None:
    """Code, PDF file and fingerprint for a locked pending row, set on the instance. The
    editor's wording prints in the languages chosen at issue (`certificate.language`); the
    fixed labels in `language`, the holder's."""
    template = _template_for_render(certificate, templates)
    printed = certificate.language.split(",")
    code = code_new()
    with languages.reading(language):
        data = rendering.certificate_data(
            template,
            _values(certificate),
            code=code,
            issued_on=timezone.localdate(certificate.issued_at),
            second_language=printed[1] if len(printed) > 1 else "",
        )
    content = pdf.render(data)
    certificate.pdf.name = _pdf_save(certificate, content)
    certificate.code = code
    certificate.sha256 = hashlib.sha256(content).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.state = CertificateState.ISSUED
    certificate.render_retry_at = None
    certificate.render_problem = ""
    certificate.render_failed_at = None


def render_one(certificate_id: int, *, templates: dict) -> Certificate | None:
    """Render one pending certificate in its own transaction (see `certificate_render`)."""
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.state != CertificateState.PENDING:
            return certificate
        _print(certificate, templates, holder_languages([certificate]).get(certificate.user_id))
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
        if not rows:
            return
        holders = holder_languages(rows)
        for certificate in rows:
            _print(certificate, templates, holders.get(certificate.user_id))
        Certificate.objects.bulk_update(rows, RENDERED_FIELDS)
        for certificate in rows:
            announce(certificate, "issued")
        bulk_count_issued([c for c in rows if c.source == CertificateSource.BULK])
