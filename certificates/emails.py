"""The e-mails a holder gets about their certificate: when it is ready (the link to download it,
after logging in, and the public verification link) and when it is revoked (the reason, and
what the verification page now says). One outbox row per certificate and reason. And the alert
to the site's administrators when certificates cannot be printed, once per failure episode."""

import logging

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext

from certificates.documents.content import verification_url
from certificates.models import Certificate
from lms import languages
from lms.contact import contact_of
from lms.mail.services import email_queue
from lms.models import Language, OutgoingEmail, User
from programmes.models import ProgrammePage

logger = logging.getLogger(__name__)


def reason_for(certificate: Certificate) -> str:
    return f"certificates.certificate.issued:{certificate.pk}"


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def language_names(codes: str) -> list[str]:
    """“en,lv” → ["English", "Latviešu"]: each language in its own name."""
    labels = dict(Language.choices)
    return [labels.get(code, code) for code in codes.split(",") if code]


def issued_email_queue(*, certificate: Certificate) -> OutgoingEmail:
    printed = language_names(certificate.language)
    title = certificate.context_title or certificate.programme_title
    with languages.reading(languages.of_user(certificate.user)):
        return email_queue(
            recipient=certificate.user.email,
            reason=reason_for(certificate),
            subject=" ".join((gettext("Your certificate: %(title)s") % {"title": title}).split()),
            template="certificates.certificate.issued",
            context={
                "name": certificate.holder_name,
                "title": title,
                "programme_title": (
                    certificate.programme_title if certificate.programme_title != title else ""
                ),
                # "programme", "activity" or "module": the template words each its own way.
                "kind": certificate.kind,
                "reissue": certificate.source == "reissue",
                "languages": printed,
                "bilingual": len(printed) > 1,
                "second_language": certificate.language.split(",")[1] if len(printed) > 1 else "",
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
    with languages.reading(languages.of_user(certificate.user)):
        subject = gettext("Your certificate has been revoked: %(title)s") % {"title": title}
        return email_queue(
            recipient=certificate.user.email,
            reason=f"certificates.certificate.revoked:{certificate.pk}",
            subject=" ".join(subject.split()),
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


def alert_recipients() -> list[str]:
    """The site's administrators: the ADMINS setting, or else the active superusers."""
    addresses = [address for _name, address in settings.ADMINS]
    if not addresses:
        addresses = list(
            User.objects.filter(is_superuser=True, is_active=True)
            .exclude(email="")
            .order_by("pk")
            .values_list("email", flat=True)
        )
    return addresses


def render_failed_alert_queue(*, certificate: Certificate, error: str, failing_since) -> int:
    """One alert per administrator per failure episode: the episode is named by the last
    certificate rendered before the failure, so every failure until a render succeeds again
    shares one outbox reason, and the outbox sends each reason once. Returns how many were
    queued now."""
    last_success = (
        Certificate.objects.filter(rendered_at__lt=failing_since)
        .aggregate(last=Max("rendered_at"))
        .get("last")
    )
    episode = last_success.isoformat() if last_success else "first"
    reason = f"certificates.rendering.failing:{episode}"
    queued = 0
    for address in alert_recipients():
        if OutgoingEmail.objects.filter(recipient=address, reason=reason).exists():
            continue
        with languages.reading(languages.of_address(address)):
            email_queue(
                recipient=address,
                reason=reason,
                subject=gettext("Certificates cannot be printed at the moment"),
                template="certificates.rendering.failing",
                context={
                    "certificate_id": certificate.pk,
                    "title": certificate.context_title or certificate.programme_title,
                    "error": error,
                    "attempts": settings.CERTIFICATES_RENDER_MAX_ATTEMPTS,
                    "certificate_url": absolute(
                        reverse("certificates_certificate", args=[certificate.pk])
                    ),
                    "events_url": absolute(reverse("lms_events"))
                    + "?name=certificates.certificate.render_failed",
                },
            )
        queued += 1
    if queued:
        logger.error(
            "certificates cannot be printed (certificate %s: %s); %s administrator(s) alerted",
            certificate.pk,
            error,
            queued,
        )
    return queued
