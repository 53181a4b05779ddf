"""Handlers of cohort and learning events, declared in the event catalogue
(cohorts/event_types.py): waitlist promotion, completion checks and the e-mails people get about
their places."""

from django.db import transaction
from wagtail import hooks

from cohorts.places import emails, services
from cohorts.places.models import Cohort, Enrolment, EnrolmentSource, EnrolmentState
from lms import languages
from lms.models import Event, OutgoingEmail
from programmes.models import ActivityPage


def waitlist_promote_on_withdrawal(event: Event) -> None:
    """A freed place goes to the next eligible person on the waitlist."""
    if not event.payload.get("freed"):
        return
    if event.payload.get("cohort_id"):
        target = Cohort.objects.filter(pk=event.payload["cohort_id"]).first()
    else:
        target = ActivityPage.objects.filter(pk=event.payload.get("activity_id")).first()
    if target is not None:
        services.waitlist_promote_locked(target=target)


def cohort_activities_register(event: Event) -> None:
    """An accepted cohort member gets places in the cohort's activities."""
    if not event.payload.get("cohort_id"):
        return
    enrolment = _enrolment(event)
    if enrolment is not None:
        services.cohort_activities_register_locked(enrolment=enrolment)


def cohort_activities_withdraw(event: Event) -> None:
    """Leaving a cohort gives back the activity places that came with it."""
    if not event.payload.get("cohort_id"):
        return
    enrolment = _enrolment(event)
    if enrolment is not None:
        services.cohort_activities_withdraw_locked(enrolment=enrolment)


def completion_check(event: Event) -> None:
    """Module completion or attendance may complete a cohort enrolment."""
    user_id = event.payload.get("user_id")
    if user_id:
        services.enrolment_complete_check(user_id=user_id)


# --- e-mails ----------------------------------------------------------------------------------


def _enrolment(event: Event) -> Enrolment | None:
    return (
        Enrolment.objects.select_related(
            "cohort__programme",
            "activity",
            "user__profile",
            "nominated_by__profile",
        )
        .filter(pk=event.payload.get("enrolment_id"))
        .first()
    )


def _enrolment_locked(event: Event) -> Enrolment | None:
    # Two runs of a token e-mail's handler must not both issue a token: the second waits here
    # and then finds the e-mail already queued.
    locked = (
        Enrolment.objects.select_for_update()
        .filter(pk=event.payload.get("enrolment_id"))
        .values_list("pk", flat=True)
    )
    if not list(locked):
        return None
    return _enrolment(event)


def submitted_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is not None:
        emails.submitted_email_queue(enrolment=enrolment)


# A capability that adds to the e-mail confirming a place registers a hook, so that places
# needs none of them (attendance attaches an activity's pass):
#   @hooks.register(PLACE_EMAIL_ATTACH_HOOK)
#   def attach(*, email, enrolment): ...
PLACE_EMAIL_ATTACH_HOOK = "bsr_place_email_attach"


def _attachments_add(email: OutgoingEmail, enrolment: Enrolment) -> None:
    # What a hook adds (a pass) is for the same person, so it is in their language too.
    with languages.reading(languages.of_user(enrolment.user)):
        for hook in hooks.get_hooks(PLACE_EMAIL_ATTACH_HOOK):
            hook(email=email, enrolment=enrolment)


def accepted_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is None:
        return
    if enrolment.source == EnrolmentSource.COHORT:
        # The cohort's own confirmation (and .ics) names the activity; its pass comes alone.
        if enrolment.activity_id and enrolment.state == EnrolmentState.ACCEPTED:
            email = emails.pass_email_queue(enrolment=enrolment)
            _attachments_add(email, enrolment)
        return
    email = emails.accepted_email_queue(enrolment=enrolment)
    if enrolment.activity_id:
        _attachments_add(email, enrolment)


def waitlisted_email_send(event: Event) -> None:
    """Tells the position at sending time; a person promoted meanwhile gets the offer instead."""
    enrolment = _enrolment(event)
    if enrolment is not None and enrolment.state == EnrolmentState.WAITLISTED:
        emails.waitlisted_email_queue(enrolment=enrolment)


def offered_email_send(event: Event) -> None:
    """Only the token's digest is stored, so the e-mail gets a fresh token, once: a repeated run
    finds the e-mail queued and leaves the token in it working."""
    with transaction.atomic():
        enrolment = _enrolment_locked(event)
        if enrolment is None or enrolment.state != EnrolmentState.OFFERED:
            return
        if emails.already_queued("offered", enrolment):
            return
        token = services.offer_token_issue(enrolment=enrolment)
        emails.offered_email_queue(enrolment=enrolment, token=token)


def rejected_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is not None:
        emails.rejected_email_queue(enrolment=enrolment)


def withdrawn_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is not None and enrolment.source != EnrolmentSource.COHORT:
        emails.withdrawn_email_queue(enrolment=enrolment, freed=bool(event.payload.get("freed")))


def completed_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is not None:
        emails.completed_email_queue(enrolment=enrolment)


def nominated_email_send(event: Event) -> None:
    """The nominee's invitation, with a token issued once (see offered_email_send)."""
    with transaction.atomic():
        enrolment = _enrolment_locked(event)
        if enrolment is None or enrolment.state != EnrolmentState.NOMINATED:
            return
        if emails.already_queued("nominated", enrolment):
            return
        token = services.nomination_token_issue(enrolment=enrolment)
        emails.nominated_email_queue(enrolment=enrolment, token=token)


def nomination_resent_email_send(event: Event) -> None:
    """A new invitation asked for by the focal point: a new link, in an e-mail of its own."""
    with transaction.atomic():
        enrolment = _enrolment_locked(event)
        if enrolment is None or enrolment.state != EnrolmentState.NOMINATED:
            return
        reason = f"{emails.reason_for('nominated', enrolment)}:again:{event.pk}"
        if OutgoingEmail.objects.filter(reason=reason).exists():
            return
        token = services.nomination_token_issue(enrolment=enrolment)
        emails.nominated_email_queue(enrolment=enrolment, token=token, reason=reason)


def declined_email_send(event: Event) -> None:
    enrolment = _enrolment(event)
    if enrolment is not None and enrolment.cohort_id:
        emails.nomination_declined_email_queue(enrolment=enrolment)


EMAIL_HANDLERS = {
    "cohorts.enrolment.submitted": submitted_email_send,
    "cohorts.enrolment.accepted": accepted_email_send,
    "cohorts.enrolment.waitlisted": waitlisted_email_send,
    "cohorts.enrolment.offered": offered_email_send,
    "cohorts.enrolment.rejected": rejected_email_send,
    "cohorts.enrolment.withdrawn": withdrawn_email_send,
    "cohorts.enrolment.completed": completed_email_send,
    "cohorts.enrolment.nominated": nominated_email_send,
    "cohorts.enrolment.invitation_resent": nomination_resent_email_send,
    "cohorts.enrolment.declined": declined_email_send,
}
