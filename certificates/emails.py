"""The e-mails a holder gets about their certificate: when it is ready (the link to download it,
after logging in, and the public verification link) and when it is revoked (the reason, and
what the verification page now says). One outbox row per certificate and reason."""

from django.conf import settings
from django.urls import reverse

from certificates.documents.content import verification_url
from certificates.models import Certificate, CertificateKind
from lms.contact import contact_of
from lms.mail.services import email_queue
from lms.models import Language, OutgoingEmail
from programmes.models import ProgrammePage

WHAT = {
    CertificateKind.PROGRAMME: "completing",
    CertificateKind.ACTIVITY: "attending",
    CertificateKind.MODULE: "completing the module",
}


def reason_for(certificate: Certificate) -> str:
    return f"certificates.certificate.issued:{certificate.pk}"


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def language_names(codes: str) -> list[str]:
    """“en,lv” → ["English", "Latviešu"]: each language in its own name."""
    labels = dict(Language.choices)
    return [labels.get(code, code) for code in codes.split(",") if code]


def issued_email_queue(*, certificate: Certificate) -> OutgoingEmail:
    languages = language_names(certificate.language)
    title = certificate.context_title or certificate.programme_title
    return email_queue(
        recipient=certificate.user.email,
        reason=reason_for(certificate),
        subject=" ".join(f"Your certificate: {title}".split()),
        template="certificates.certificate.issued",
        context={
            "name": certificate.holder_name,
            "title": title,
            "programme_title": (
                certificate.programme_title if certificate.programme_title != title else ""
            ),
            "what": WHAT.get(certificate.kind, "completing"),
            "reissue": certificate.source == "reissue",
            "languages": languages,
            "bilingual": len(languages) > 1,
            "second_language": certificate.language.split(",")[1] if len(languages) > 1 else "",
            "code": certificate.code,
            # Resolved when the e-mail is built, not at import: the URL belongs to the views.
            "download_url": absolute(
                reverse("certificates:download", kwargs={"pk": certificate.pk})
            ),
            "verify_url": verification_url(certificate.code),
            "verify_page_url": absolute(reverse("certificates:verify")),
        },
    )


def _programme(certificate: Certificate) -> ProgrammePage | None:
    if certificate.cohort_id:
        return certificate.cohort.programme
    page = certificate.activity or certificate.module
    return ProgrammePage.objects.ancestor_of(page).first() if page is not None else None


def revoked_email_queue(*, certificate: Certificate) -> OutgoingEmail:
    title = certificate.context_title or certificate.programme_title
    return email_queue(
        recipient=certificate.user.email,
        reason=f"certificates.certificate.revoked:{certificate.pk}",
        subject=" ".join(f"Your certificate has been revoked: {title}".split()),
        template="certificates.certificate.revoked",
        context={
            "name": certificate.holder_name,
            "title": title,
            "programme_title": (
                certificate.programme_title if certificate.programme_title != title else ""
            ),
            "code": certificate.code,
            "reason": certificate.revoked_reason,
            "verify_url": verification_url(certificate.code),
            "contact": contact_of(_programme(certificate)),
        },
    )
