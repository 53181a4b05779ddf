"""The e-mails people get about their enrolments and activity registrations: one outbox row per
(recipient, reason), built from the enrolment as it stands when the handler runs."""

import copy
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.places.models import Cohort, Enrolment, EnrolmentSource, EnrolmentState, FocalPoint
from cohorts.places.selectors import waitlist_of, waitlist_position
from cohorts.places.services import nominee_sets_password, offer_hours
from lms import languages
from lms.contact import contact_of
from lms.languages.content import canonical
from lms.mail.services import email_queue
from lms.models import OutgoingEmail
from lms.time_zones import moment_text, span_text
from programmes.calendar.ics import activity_calendar_event, activity_location, calendar_bytes
from programmes.models import ActivityPage, ProgrammePage

# decision_reason values written by the services, each with its own wording.
OFFER_EXPIRED = "the offer expired"
OFFER_DECLINED = "declined the offer"
SUBSTITUTED = "substituted by the focal point"
NOMINATION_DECLINED = "declined the nomination"
PLAIN_WITHDRAWAL = "withdrawn"


def reason_for(verb: str, enrolment: Enrolment) -> str:
    return f"cohorts.{verb}:{enrolment.pk}"


def already_queued(verb: str, enrolment: Enrolment) -> bool:
    """Whether this e-mail is in the outbox: a handler that puts a fresh token in an e-mail must
    not rotate it away from the copy that is already queued or sent."""
    return OutgoingEmail.objects.filter(
        recipient=enrolment.user.email, reason=reason_for(verb, enrolment)
    ).exists()


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.BASE_URL.rstrip("/") + path


def person_name(user) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return user.get_full_name() or user.email


def duration_text(hours: int) -> str:
    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def activities_of(enrolment: Enrolment) -> list[ActivityPage]:
    """The activities a place covers: the cohort's published ones in date order, or the one
    activity of a registration."""
    if enrolment.cohort_id:
        return list(
            canonical(ActivityPage.objects.live())
            .filter(cohorts=enrolment.cohort)
            .order_by("starts_at", "pk")
            .distinct()
        )
    return [enrolment.activity]


def time_zone_of(enrolment: Enrolment) -> str:
    """The zone an enrolment's deadlines are shown in: the cohort's own, or the activity's."""
    return enrolment.zone


def activity_item(activity: ActivityPage) -> dict:
    return {
        "title": activity.title,
        "when": span_text(activity.starts_at, activity.ends_at, activity.time_zone),
        "where": ", ".join(
            part
            for part in (
                activity.venue_name,
                activity.venue_city,
                activity.venue_country.name if activity.venue_country else "",
            )
            if part
        ),
        "online_url": activity.online_url,
        "url": absolute(activity.url or ""),
    }


def calendar_attachment(enrolment: Enrolment, activities: list[ActivityPage]) -> dict | None:
    """One .ics with every activity of the place, each in its own time zone."""
    if not activities:
        return None
    target = enrolment.target
    events = [activity_calendar_event(a, url=absolute(a.url or "")) for a in activities]
    slug = target.slug or f"enrolment-{enrolment.pk}"
    return {
        "filename": f"{slug}.ics",
        "mimetype": "text/calendar",
        "content": calendar_bytes(
            events, name=target.title, time_zone=enrolment.zone if enrolment.cohort_id else ""
        ).decode("utf-8"),
    }


def base_context(enrolment: Enrolment) -> dict:
    target = enrolment.target
    is_cohort = isinstance(target, Cohort)
    return {
        "name": person_name(enrolment.user),
        "enrolment": enrolment,
        "target_title": target.title,
        "is_cohort": is_cohort,
        "programme_title": target.programme.title if is_cohort else "",
        "place_url": absolute(reverse("cohorts:place", args=[enrolment.pk])),
        "my_learning_url": absolute(reverse("my_learning")),
        "activities_url": absolute(reverse("activity_list")),
        "contact": contact_of(
            target.programme if is_cohort else ProgrammePage.objects.ancestor_of(target).first()
        ),
    }


def _queue(
    verb: str,
    enrolment: Enrolment,
    *,
    subject: str,
    context: dict,
    attachments: list[dict] | None = None,
    reason: str = "",
) -> OutgoingEmail:
    return email_queue(
        recipient=enrolment.user.email,
        reason=reason or reason_for(verb, enrolment),
        subject=" ".join(subject.split()),
        template=f"cohorts.enrolment.{verb}",
        context={**base_context(enrolment), **context},
        attachments=attachments,
    )


# --- one builder per event --------------------------------------------------------------------


def submitted_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    title = enrolment.target.title
    with languages.reading(languages.of_user(enrolment.user)):
        subject = _("We received your application: %(title)s") % {"title": title}
        return _queue("submitted", enrolment, subject=subject, context={})


def _accepted_content(enrolment: Enrolment, activities: list[ActivityPage]) -> tuple[str, dict]:
    target = enrolment.target
    context = {
        "activities": [activity_item(a) for a in activities],
        "reason": enrolment.decision_reason.strip(),
    }
    if enrolment.activity_id:
        context["location"] = activity_location(target)
    subject = (
        _("Your place in %(title)s is confirmed")
        if enrolment.cohort_id
        else _("Your registration for %(title)s is confirmed")
    ) % {"title": target.title}
    return subject, context


def accepted_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    activities = activities_of(enrolment)
    attachment = calendar_attachment(enrolment, activities)
    with languages.reading(languages.of_user(enrolment.user)):
        subject, context = _accepted_content(enrolment, activities)
        return _queue(
            "accepted",
            enrolment,
            subject=subject,
            context=context,
            attachments=[attachment] if attachment else None,
        )


def pass_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    """A cohort member's place in one of the cohort's activities: the activity's pass comes in
    its own e-mail (the cohort's confirmation went out before the places existed)."""
    activity = enrolment.activity
    with languages.reading(languages.of_user(enrolment.user)):
        subject = _("Your pass for %(title)s") % {"title": activity.title}
        return email_queue(
            recipient=enrolment.user.email,
            reason=reason_for("pass", enrolment),
            subject=" ".join(subject.split()),
            template="cohorts.enrolment.pass",
            context={
                **base_context(enrolment),
                "activity": activity_item(activity),
                "pass_url": absolute(reverse("cohorts:pass", args=[enrolment.pk])),
            },
        )


def _waitlisted_content(enrolment: Enrolment, position: int | None) -> tuple[str, dict]:
    target = enrolment.target
    return _("You are on the waitlist for %(title)s") % {"title": target.title}, {
        "position": position,
        "why": enrolment.skipped_reason.removeprefix("Skipped: "),
        "reason": enrolment.decision_reason.strip(),
        "offer_duration": duration_text(offer_hours(target)),
    }


def waitlisted_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    position = waitlist_position(enrolment)
    with languages.reading(languages.of_user(enrolment.user)):
        subject, context = _waitlisted_content(enrolment, position)
        return _queue("waitlisted", enrolment, subject=subject, context=context)


def offered_email_queue(*, enrolment: Enrolment, token: str) -> OutgoingEmail:
    target = enrolment.target
    expires = enrolment.offer_expires_at
    remaining = max(1, round((expires - timezone.now()).total_seconds() / 3600))
    zone = time_zone_of(enrolment)
    with languages.reading(languages.of_user(enrolment.user)):
        return _queue(
            "offered",
            enrolment,
            subject=_("A place is free for you in %(title)s") % {"title": target.title},
            context={
                "offer_url": absolute(reverse("cohorts:offer", args=[token])),
                "expires_text": moment_text(expires, zone),
                "remaining": duration_text(remaining),
            },
        )


def _rejected_content(enrolment: Enrolment) -> tuple[str, dict]:
    return _("Your application to %(title)s") % {"title": enrolment.target.title}, {
        "reason": enrolment.decision_reason.strip()
    }


def rejected_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    with languages.reading(languages.of_user(enrolment.user)):
        subject, context = _rejected_content(enrolment)
        return _queue("rejected", enrolment, subject=subject, context=context)


@dataclass(frozen=True)
class EmailPreview:
    subject: str
    body: str


def decision_email_preview(*, enrolment: Enrolment, decision: str, reason: str) -> EmailPreview:
    """The e-mail a staff decision would send this person, rendered from the same templates and
    wording as the real one; nothing is saved or queued. (A waitlist position is the one the
    person would take now.)"""
    # The person's language, as in the e-mail they would get.
    with languages.reading(languages.of_user(enrolment.user)):
        return _decision_email_render(enrolment=enrolment, decision=decision, reason=reason)


def _decision_email_render(*, enrolment: Enrolment, decision: str, reason: str) -> EmailPreview:
    draft = copy.copy(enrolment)
    draft.decision_reason = reason.strip()[:2000]
    if decision == "accept":
        verb = "accepted"
        subject, context = _accepted_content(draft, activities_of(draft))
    elif decision == "waitlist":
        verb = "waitlisted"
        if draft.state != EnrolmentState.WAITLISTED:
            draft.skipped_reason = ""
        position = waitlist_position(draft)
        if position is None:
            position = waitlist_of(draft.target).count() + 1
        subject, context = _waitlisted_content(draft, position)
    else:
        verb = "rejected"
        subject, context = _rejected_content(draft)
    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "base_url": settings.BASE_URL,
        **base_context(draft),
        **context,
    }
    body = render_to_string(f"emails/cohorts.enrolment.{verb}.txt", context)
    return EmailPreview(subject=" ".join(subject.split()), body=body.strip())


def withdrawn_email_queue(*, enrolment: Enrolment, freed: bool) -> OutgoingEmail:
    title = enrolment.target.title
    reason = enrolment.decision_reason.strip()
    with languages.reading(languages.of_user(enrolment.user)):
        if reason == OFFER_EXPIRED:
            kind, subject = "expired", _("Your offer of a place in %(title)s has expired")
        elif reason == OFFER_DECLINED:
            kind, subject = "declined", _("You declined the place in %(title)s")
        elif reason == NOMINATION_DECLINED:
            kind, subject = "nomination_declined", _("You declined the nomination for %(title)s")
        elif reason == SUBSTITUTED:
            kind = "substituted"
            subject = _("Your nomination for %(title)s has passed to someone else")
        elif freed:
            kind, subject = "place", _("Your place in %(title)s has been withdrawn")
        else:
            kind, subject = "application", _("Your application to %(title)s has been withdrawn")
        return _queue(
            "withdrawn",
            enrolment,
            subject=subject % {"title": title},
            context={
                "kind": kind,
                "reason": "" if reason in (PLAIN_WITHDRAWAL, "") else reason,
            },
        )


def completed_email_queue(*, enrolment: Enrolment) -> OutgoingEmail:
    with languages.reading(languages.of_user(enrolment.user)):
        return _queue(
            "completed",
            enrolment,
            subject=_("Congratulations: you have completed %(title)s")
            % {"title": enrolment.target.title},
            context={},
        )


def nominated_email_queue(*, enrolment: Enrolment, token: str, reason: str = "") -> OutgoingEmail:
    cohort = enrolment.cohort
    nominator = enrolment.nominated_by
    nominator_name = person_name(nominator) if nominator is not None else ""
    by_focal_point = enrolment.source == EnrolmentSource.NOMINATION
    deadline = cohort.nomination_deadline
    # The nominee's own language when their account already had one; a new account reads
    # the language its profile was given (English until they choose).
    with languages.reading(languages.of_user(enrolment.user)):
        country = enrolment.country.name if enrolment.country else ""
        if by_focal_point and nominator_name:
            subject = _("%(nominator)s has nominated you for %(title)s") % {
                "nominator": nominator_name,
                "title": cohort.title,
            }
        else:
            subject = _("You have been nominated for %(title)s") % {"title": cohort.title}
        return _queue(
            "nominated",
            enrolment,
            subject=subject,
            context={
                "nominator_name": nominator_name,
                "by_focal_point": by_focal_point,
                "country": country,
                "nomination_url": absolute(reverse("cohorts:nomination", args=[token])),
                "new_account": nominee_sets_password(enrolment),
                "deadline_text": moment_text(deadline, time_zone_of(enrolment)) if deadline else "",
            },
            reason=reason,
        )


def nomination_declined_email_queue(*, enrolment: Enrolment) -> list[OutgoingEmail]:
    """Whoever nominated the person hears that they declined: the focal point (who may nominate
    someone else for the freed place) or the staff member who imported them."""
    cohort = enrolment.cohort
    nominator = enrolment.nominated_by
    recipients = [nominator] if nominator is not None and nominator.is_active else []
    if not recipients:
        recipients = [
            row.user
            for row in FocalPoint.objects.select_related("user").filter(
                country=enrolment.country, user__is_active=True
            )
            if row.programme_id in (None, cohort.programme_id)
        ]
    by_focal_point = enrolment.source == EnrolmentSource.NOMINATION
    deadline = cohort.nomination_deadline
    sent = []
    nominee = enrolment.nominee_name or enrolment.user.email
    for person in recipients:
        with languages.reading(languages.of_user(person)):
            subject = _("%(nominee)s declined the nomination for %(title)s") % {
                "nominee": nominee,
                "title": cohort.title,
            }
            sent.append(
                email_queue(
                    recipient=person.email,
                    reason=f"cohorts.nomination_declined:{enrolment.pk}",
                    subject=subject[:300],
                    template="cohorts.enrolment.declined",
                    context={
                        "name": person_name(person),
                        "nominee": nominee,
                        "nominee_email": enrolment.user.email,
                        "target_title": cohort.title,
                        "country": enrolment.country.name if enrolment.country else "",
                        "by_focal_point": by_focal_point,
                        "open": cohort.nominations_open(),
                        "deadline_text": moment_text(deadline, time_zone_of(enrolment))
                        if deadline
                        else "",
                        "nominate_url": absolute(reverse("cohorts:nominate", args=[cohort.slug])),
                    },
                )
            )
    return sent
