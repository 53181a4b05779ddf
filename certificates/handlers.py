"""Handlers of the events that issue certificates and of certificates' own events, declared in
the event catalogue (certificates/event_types.py). Each one converges when run again: a second
run finds the certificate (or the e-mail) already there and changes nothing."""

from certificates import emails, services
from certificates.models import Certificate, CertificateSource, CertificateState
from cohorts.models import Enrolment, EnrolmentState
from lms.models import Event, User
from programmes.models import ActivityPage, ModulePage


def _user(event: Event) -> User | None:
    return User.objects.select_related("profile").filter(pk=event.payload.get("user_id")).first()


def programme_certificate_on_completion(event: Event) -> None:
    """A completed cohort enrolment earns the programme certificate, when an automatic
    template applies."""
    enrolment = (
        Enrolment.objects.select_related("cohort__programme", "user__profile")
        .filter(pk=event.payload.get("enrolment_id"), cohort__isnull=False)
        .first()
    )
    if enrolment is None or enrolment.state != EnrolmentState.COMPLETED:
        return
    services.certificate_issue(
        user=enrolment.user, cohort=enrolment.cohort, source=CertificateSource.AUTOMATIC
    )


def activity_certificate_on_attendance(event: Event) -> None:
    """Attending an activity earns its certificate, when an automatic template applies."""
    user = _user(event)
    activity_id = event.payload.get("activity_id") or (
        Enrolment.objects.filter(pk=event.payload.get("enrolment_id"))
        .values_list("activity_id", flat=True)
        .first()
    )
    activity = ActivityPage.objects.filter(pk=activity_id).first()
    if user is None or activity is None:
        return
    services.certificate_issue(user=user, activity=activity, source=CertificateSource.AUTOMATIC)


def module_certificate_on_completion(event: Event) -> None:
    """A completed module earns a certificate only where a template issues one automatically."""
    user = _user(event)
    module = ModulePage.objects.filter(pk=event.payload.get("module_id")).first()
    if user is None or module is None:
        return
    services.certificate_issue(user=user, module=module, source=CertificateSource.AUTOMATIC)


def issued_email_send(event: Event) -> None:
    """The holder's e-mail with the links to download and to verify, once per certificate. A
    certificate revoked or replaced before the e-mail went is not announced any more."""
    certificate = (
        Certificate.objects.select_related("user__profile", "template")
        .filter(pk=event.payload.get("certificate_id"))
        .first()
    )
    if certificate is None or certificate.state != CertificateState.ISSUED:
        return
    emails.issued_email_queue(certificate=certificate)


def revoked_email_send(event: Event) -> None:
    """The holder is told, once, that their certificate was revoked and why. A certificate
    already replaced again (reissued) by the time the handler runs is not announced: the
    holder gets the corrected one's e-mail instead."""
    certificate = (
        Certificate.objects.select_related("user__profile")
        .filter(pk=event.payload.get("certificate_id"))
        .first()
    )
    if certificate is None or certificate.state != CertificateState.REVOKED:
        return
    if certificate.user.erased_at is not None:
        return
    emails.revoked_email_queue(certificate=certificate)


def render_failed_alert(event: Event) -> None:
    """The administrators hear that certificates cannot be printed: once per failure episode,
    which lasts until a certificate renders again, however many attempts fail meanwhile."""
    certificate = (
        Certificate.objects.select_related("cohort", "activity", "module")
        .filter(pk=event.payload.get("certificate_id"))
        .first()
    )
    if certificate is None:
        return
    emails.render_failed_alert_queue(
        certificate=certificate,
        error=str(event.payload.get("error", "")),
        failing_since=event.created_at,
    )
