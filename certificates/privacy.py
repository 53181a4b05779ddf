"""Certificates' part of a person's data: their certificates and the PDFs; on erasure every
certificate is withdrawn at the holder's request (its code then verifies as such, without a
name) and its PDF is deleted. Registered in CertificatesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, CertificateState
from certificates.verify.codes import code_new
from lms.privacy.services import Erasure, personal_data_register

# Rows with a file the holder may have: pending ones have none yet.
WITH_FILE = (
    CertificateState.ISSUED,
    CertificateState.REVOKED,
    CertificateState.REPLACED,
)


def certificates_export(user) -> list[dict]:
    return [
        {
            "kind": c.get_kind_display(),
            "state": c.get_state_display(),
            "name_printed": c.holder_name,
            "programme": c.programme_title,
            "for": c.context_title,
            "date_start": c.date_start,
            "date_end": c.date_end,
            "hours": c.hours,
            "place": c.place,
            "language": c.language,
            "verification_code": c.code or "",
            "issued_at": c.issued_at,
            "revoked_at": c.revoked_at,
            "revoked_reason": c.revoked_reason,
            "withdrawn_at": c.withdrawn_at,
        }
        for c in Certificate.objects.filter(user=user).order_by("issued_at", "pk")
    ]


def certificates_files(user) -> list[tuple[str, object]]:
    return [
        (f"certificates/certificate-{c.code}.pdf", c.pdf)
        for c in Certificate.objects.filter(user=user, state__in=WITH_FILE).exclude(pdf="")
    ]


def certificates_strings(user) -> list[str]:
    """Every name a certificate printed for them, earlier spellings included."""
    return list(
        Certificate.objects.filter(user=user)
        .exclude(holder_name="")
        .values_list("holder_name", flat=True)
        .distinct()
    )


def certificates_erase(user, erasure: Erasure) -> None:
    """Rows stay, so that the numbers issued stay right; the name and the PDF go. A replaced
    certificate stays replaced (its replacement is withdrawn): one person may hold only one
    current certificate per cohort, activity or module."""
    for certificate in Certificate.objects.select_for_update().filter(user=user).order_by("pk"):
        erasure.file_delete(certificate.pdf)
        # The fingerprint stays: a copy of the PDF checked on the verification page then says
        # that it was withdrawn, instead of "unknown".
        fields = {"holder_name": "", "revoked_reason": "", "pdf": ""}
        if certificate.state != CertificateState.REPLACED:
            fields["state"] = CertificateState.WITHDRAWN
            fields["withdrawn_at"] = certificate.withdrawn_at or erasure.now
            # A certificate still being printed gets a code nobody holds, so that it is never
            # printed (the job skips rows that are not pending) and is counted like the rest.
            fields["code"] = certificate.code or code_new()
        Certificate.objects.filter(pk=certificate.pk).update(**fields)


def register_all() -> None:
    personal_data_register(
        "certificates",
        label=_("your certificates"),
        export=certificates_export,
        files=certificates_files,
        erase=certificates_erase,
        strings=certificates_strings,
    )
