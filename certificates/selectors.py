"""Read-side queries of certificates: what the public verification page may say about a code or
a file, which certificates a person sees on My learning, and who may download a PDF."""

import datetime as dt
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from certificates.documents.content import verification_url
from certificates.models import Certificate, CertificateKind, CertificateState
from cohorts.places.selectors import cohorts_managed_by

# A pending row is still being rendered: it never verifies and cannot be downloaded.
VERIFIABLE = (
    CertificateState.ISSUED,
    CertificateState.REVOKED,
    CertificateState.REPLACED,
    CertificateState.WITHDRAWN,
)
DOWNLOADABLE = (CertificateState.ISSUED, CertificateState.REVOKED, CertificateState.REPLACED)
# What a holder sees of their own: current certificates, those being prepared, and revoked ones.
MINE = (CertificateState.ISSUED, CertificateState.PENDING, CertificateState.REVOKED)
KIND_LABELS = {
    # Translators: what a certificate is for, as a label on the verification page.
    CertificateKind.PROGRAMME: pgettext_lazy("certificate is for", "Cohort"),
    CertificateKind.ACTIVITY: pgettext_lazy("certificate is for", "Activity"),
    CertificateKind.MODULE: pgettext_lazy("certificate is for", "Module"),
}
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
ISSUER = "BSR Academy"


def name_for_public(name: str, *, minor: bool) -> str:
    """The holder's name as the verification page shows it: for a minor only the first name and
    the initial of the family name (“Õie T.”)."""
    name = unicodedata.normalize("NFC", name).strip()
    if not minor:
        return name
    parts = name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0]}."


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


@dataclass(frozen=True)
class Verification:
    """Everything the public page says about one certificate, and nothing more: no e-mail, no
    country, no account. A certificate withdrawn at its holder's request shows its state only."""

    code: str
    state: str
    state_label: str
    holder_name: str = ""
    programme: str = ""
    context: str = ""
    context_label: str = ""
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    issued_on: dt.date | None = None
    revoked_on: dt.date | None = None
    revoked_reason: str = ""
    withdrawn_on: dt.date | None = None
    replacement_code: str = ""
    replacement_issued_on: dt.date | None = None
    replacement_pending: bool = False

    @property
    def valid(self) -> bool:
        return self.state == CertificateState.ISSUED

    @property
    def shows_holder(self) -> bool:
        return self.state != CertificateState.WITHDRAWN


def verification_from(certificate: Certificate) -> Verification:
    state = certificate.state
    base = {
        "code": certificate.code or "",
        "state": state,
        "state_label": CertificateState(state).label,
    }
    if state == CertificateState.WITHDRAWN:
        return Verification(**base, withdrawn_on=_day(certificate.withdrawn_at))
    replacement = certificate.replaced_by if state == CertificateState.REPLACED else None
    replacement_ready = replacement is not None and replacement.state != CertificateState.PENDING
    return Verification(
        **base,
        holder_name=name_for_public(certificate.holder_name, minor=certificate.holder_is_minor),
        programme=certificate.programme_title,
        context=certificate.context_title,
        context_label=KIND_LABELS.get(certificate.kind, ""),
        date_start=certificate.date_start,
        date_end=certificate.date_end,
        issued_on=_day(certificate.issued_at),
        revoked_on=_day(certificate.revoked_at) if state == CertificateState.REVOKED else None,
        revoked_reason=certificate.revoked_reason if state == CertificateState.REVOKED else "",
        replacement_code=(replacement.code or "") if replacement_ready else "",
        replacement_issued_on=_day(replacement.issued_at) if replacement_ready else None,
        replacement_pending=replacement is not None and not replacement_ready,
    )


def _verifiable() -> QuerySet[Certificate]:
    return Certificate.objects.filter(state__in=VERIFIABLE).select_related("replaced_by")


def certificate_by_code(*, code: str) -> Certificate | None:
    """`code` in its canonical grouped form (certificates.verify.codes.code_normalise)."""
    return _verifiable().filter(code=code).first()


def certificate_by_sha256(*, sha256: str) -> Certificate | None:
    return _verifiable().filter(sha256=sha256.lower()).exclude(sha256="").first()


def verification_of(*, code: str) -> Verification | None:
    certificate = certificate_by_code(code=code)
    return verification_from(certificate) if certificate else None


# --- downloads --------------------------------------------------------------------------------


def certificate_is_admin(user) -> bool:
    """Programme admins see every certificate; cohort staff only their cohort's."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_perm("certificates.change_certificate"))
    )


def certificate_for_download(*, user, pk: int) -> Certificate | None:
    """The certificate `user` may download, or None, whether it does not exist or is not theirs
    to see: the holder, programme admins, and the staff of the certificate's cohort."""
    if not user.is_authenticated:
        return None
    certificate = Certificate.objects.filter(pk=pk, state__in=DOWNLOADABLE).exclude(pdf="").first()
    if certificate is None:
        return None
    if certificate.user_id == user.pk or certificate_is_admin(user):
        return certificate
    if certificate.cohort_id and cohorts_managed_by(user).filter(pk=certificate.cohort_id).exists():
        return certificate
    return None


# --- My learning ------------------------------------------------------------------------------


def certificate_title(certificate: Certificate) -> str:
    """What the certificate is for, in one line: “BEP 2026 — Finnish presidency”, with the
    programme added when the title does not name it."""
    context, programme = certificate.context_title, certificate.programme_title
    if context and programme and programme.casefold() not in context.casefold():
        return f"{context} ({programme})"
    return context or programme or pgettext("certificate title", "Certificate")


def linkedin_add_url(certificate: Certificate) -> str:
    """LinkedIn's “Add licence or certification” form, filled in for this certificate."""
    issued = timezone.localdate(certificate.issued_at)
    query = urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": certificate_title(certificate),
            "organizationName": ISSUER,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": verification_url(certificate.code),
            "certId": certificate.code,
        },
        quote_via=quote,
    )
    return f"{LINKEDIN_ADD}?{query}"


@dataclass(frozen=True)
class MyCertificate:
    certificate: Certificate
    title: str
    issued_on: dt.date
    pending: bool
    revoked: bool
    download_url: str = ""
    verify_url: str = ""  # absolute: to copy and share
    verify_path: str = ""
    linkedin_url: str = ""


def certificates_of(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user, state__in=MINE).order_by("-issued_at", "-id")


def my_certificates(*, user) -> list[MyCertificate]:
    rows = []
    for certificate in certificates_of(user=user):
        pending = certificate.state == CertificateState.PENDING or not certificate.code
        revoked = certificate.state == CertificateState.REVOKED
        row = {
            "certificate": certificate,
            "title": certificate_title(certificate),
            "issued_on": timezone.localdate(certificate.issued_at),
            "pending": pending,
            "revoked": revoked,
        }
        if not pending:
            row["verify_url"] = verification_url(certificate.code)
            row["verify_path"] = reverse(
                "certificates:verify_code", kwargs={"code": certificate.code}
            )
            if certificate.pdf:
                row["download_url"] = reverse(
                    "certificates:download", kwargs={"pk": certificate.pk}
                )
            if not revoked:
                row["linkedin_url"] = linkedin_add_url(certificate)
        rows.append(MyCertificate(**row))
    return rows
