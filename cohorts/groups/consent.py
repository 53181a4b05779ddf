"""Guardian consent for a minor's place (the "enrolment" consent subject): a place booked for a
minor of a youth group is held in PENDING_CONSENT until a guardian gives consent by the e-mailed
link, then accepted; refusal or withdrawal frees the place for the waitlist. Also what leaders'
pages and the check-in desk show about a minor's consent."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cohorts.errors import CohortsError
from cohorts.groups.models import GroupMember
from cohorts.places import emails
from cohorts.places.models import CONFIRMED, Cohort, Enrolment, EnrolmentState
from cohorts.places.services.book import (
    enrolment_audit,
    enrolment_emit,
    enrolment_reload,
    enrolment_target_lock,
    enrolment_transition,
    enrolment_withdraw_under_lock,
    place_lock,
    place_transaction,
)
from lms import languages
from lms.consent.services import (
    ConsentSubject,
    consent_cancel,
    consent_request,
    consent_states,
    consent_subject_register,
)
from lms.errors import LmsError
from lms.mail.services import email_queue
from lms.models import ConsentPurpose, ConsentState, GuardianConsent
from programmes.models import ActivityPage

logger = logging.getLogger(__name__)

PREFIX = "enrolment"


def subject_key(enrolment: Enrolment | int) -> str:
    return f"{PREFIX}:{getattr(enrolment, 'pk', enrolment)}"


def _enrolment_id(consent: GuardianConsent) -> int | None:
    prefix, _, value = consent.subject_key.partition(":")
    if prefix != PREFIX or not value.isdigit():
        return None
    return int(value)


def _target_title(enrolment: Enrolment) -> str:
    target = enrolment.target
    return target.title if target is not None else ""


def enrolment_consent_request(
    *, enrolment: Enrolment, member: GroupMember, actor
) -> GuardianConsent:
    """Inside the booking's place transaction: ask the member's guardian to consent to the
    place (held in PENDING_CONSENT meanwhile). Raises LmsError when the member has no guardian
    e-mail address."""
    return consent_request(
        person=enrolment.user,
        purpose=ConsentPurpose.ACTIVITY,
        subject_key=subject_key(enrolment),
        subject_title=_target_title(enrolment),
        guardian_email=member.guardian_email,
        guardian_name=member.guardian_name,
        guardian_language=member.guardian_language or languages.of_country(member.group.country),
        requested_by=actor,
    )


# --- the subject's callbacks (inside the consent's transaction) -------------------------------


def _describe(consent: GuardianConsent) -> dict | None:
    """Plain-language facts for the guardian: what, when, where, who organises, which group."""
    enrolment_id = _enrolment_id(consent)
    enrolment = (
        Enrolment.objects.select_related("cohort__programme", "activity", "group")
        .filter(pk=enrolment_id)
        .first()
        if enrolment_id
        else None
    )
    if enrolment is None or enrolment.state in (EnrolmentState.WITHDRAWN, EnrolmentState.REJECTED):
        return None
    group = ""
    if enrolment.group_id:
        group = f"{enrolment.group.name} ({enrolment.group.organisation})"
    if enrolment.activity_id:
        activity = enrolment.activity.specific
        item = emails.activity_item(activity)
        programme = activity.get_parent()
        where = item["where"] or (_("Online") if activity.online_url else "")
        if item["where"] and activity.online_url:
            where = _("%(where)s (also online)") % {"where": where}
        what = f"{activity.get_kind_display()}. {activity.summary}".strip()
        return {
            "title": activity.title,
            "what": what,
            "when": item["when"],
            "where": where,
            "organiser": programme.title if programme is not None else "",
            "group": group,
        }
    cohort: Cohort = enrolment.cohort
    # Translators: how a day is written, in Django's date format characters (l: weekday, j: day,
    # F: month name, Y: year), e.g. "Tuesday 15 January 2030". Reorder for your language.
    day_format = pgettext("date format", "l j F Y")
    when = _("%(first)s to %(last)s") % {
        "first": dateformat.format(cohort.starts_on, day_format),
        "last": dateformat.format(cohort.ends_on, day_format),
    }
    organiser = cohort.programme.title if cohort.programme_id else ""
    if cohort.presidency_country:
        organiser = _("%(organiser)s, under the presidency of %(country)s") % {
            "organiser": organiser,
            "country": cohort.presidency_country.name,
        }
    return {
        "title": cohort.title,
        "what": cohort.summary,
        "when": when,
        "where": "",
        "organiser": organiser,
        "group": group,
    }


def _lock_place(consent: GuardianConsent) -> None:
    """Before the consent row is locked: the place lock of the enrolment's cohort or activity
    (the order the booking and cancelling paths use too)."""
    enrolment_id = _enrolment_id(consent)
    enrolment = (
        Enrolment.objects.select_related("cohort", "activity").filter(pk=enrolment_id).first()
        if enrolment_id
        else None
    )
    if enrolment is not None:
        place_lock(enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific)


def _locked_enrolment(consent: GuardianConsent) -> tuple[Enrolment, object] | None:
    enrolment_id = _enrolment_id(consent)
    if enrolment_id is None:
        return None
    try:
        enrolment = enrolment_reload(enrolment_id)
        target = enrolment_target_lock(enrolment)
    except CohortsError as exc:
        raise LmsError(exc.code, exc.message) from exc
    enrolment.refresh_from_db(fields=["state"])
    return enrolment, target


def _on_given(consent: GuardianConsent) -> None:
    """The held place is confirmed: PENDING_CONSENT -> ACCEPTED under the place lock."""
    found = _locked_enrolment(consent)
    if found is None:
        raise LmsError("subject_gone", _("The place this consent was for no longer exists."))
    enrolment, _target = found
    if enrolment.state in CONFIRMED:
        return
    if enrolment.state != EnrolmentState.PENDING_CONSENT:
        raise LmsError(
            "subject_gone",
            _(
                "The place at %(title)s is no longer held (%(state)s), so consent cannot be "
                "given for it. Nothing was changed."
            )
            % {
                "title": _target_title(enrolment),
                "state": EnrolmentState(enrolment.state).label.lower(),
            },
        )
    try:
        enrolment_transition(enrolment, EnrolmentState.ACCEPTED)
    except CohortsError as exc:
        raise LmsError(exc.code, exc.message) from exc
    enrolment.decided_at = timezone.now()
    enrolment.save()
    enrolment_emit(enrolment, "accepted")
    enrolment_audit(
        enrolment, "accept", None, reason="guardian consent given", consent_id=consent.pk
    )


def _on_ended(consent: GuardianConsent) -> None:
    """Refused or withdrawn: the place is withdrawn and freed (the `withdrawn` event's handler
    offers it to the next person on the waitlist)."""
    found = _locked_enrolment(consent)
    if found is None:
        return
    enrolment, target = found
    if enrolment.is_final or enrolment.state not in (
        EnrolmentState.PENDING_CONSENT,
        EnrolmentState.ACCEPTED,
    ):
        return
    reason = (
        "guardian refused consent"
        if consent.state == ConsentState.REFUSED
        else "guardian withdrew consent"
    )
    enrolment_withdraw_under_lock(enrolment, target, reason=reason, actor=None)


RELEASE_REASON = "the guardian's consent had not been received when it began"


def pending_consents_release(*, now=None) -> int:
    """Scheduled: a place still waiting for a guardian's consent when its activity or cohort
    begins is given up (the minor could not be checked in anyway), its consent request is
    cancelled, and the place goes to the waitlist like any freed place."""
    now = now or timezone.now()
    ids = list(
        Enrolment.objects.filter(state=EnrolmentState.PENDING_CONSENT)
        .filter(
            Q(activity__isnull=False, activity__starts_at__lte=now)
            | Q(cohort__isnull=False, cohort__starts_on__lte=timezone.localdate(now))
        )
        .values_list("pk", flat=True)[:500]
    )
    released = 0
    for enrolment_id in ids:
        try:
            with place_transaction():
                enrolment = enrolment_reload(enrolment_id)
                target = enrolment_target_lock(enrolment)
                enrolment.refresh_from_db(fields=["state"])
                if enrolment.state != EnrolmentState.PENDING_CONSENT:
                    continue
                consent_cancel(subject_key=subject_key(enrolment))
                enrolment_withdraw_under_lock(enrolment, target, reason=RELEASE_REASON, actor=None)
                released += 1
        except CohortsError:
            logger.warning("place %s not released now (busy); the next run retries", enrolment_id)
    if released:
        logger.info("released %s places whose guardian consent never came", released)
    return released


def leaders_tell_consent_ended(event) -> None:
    """A guardian refused or withdrew consent: every leader of the group that booked the place
    is e-mailed (once per leader and consent), so that nobody plans with a place that is gone."""
    consent = (
        GuardianConsent.objects.select_related("person__profile")
        .filter(pk=event.payload.get("consent_id"))
        .first()
    )
    enrolment_id = _enrolment_id(consent) if consent is not None else None
    enrolment = (
        Enrolment.objects.select_related("group", "cohort", "activity")
        .filter(pk=enrolment_id, group__isnull=False)
        .first()
        if enrolment_id
        else None
    )
    if enrolment is None:
        return
    verb = "refused" if event.name.endswith(".refused") else "withdrawn"
    group = enrolment.group
    member = GroupMember.objects.filter(group=group, person_id=enrolment.user_id).first()
    name = member.full_name if member is not None else emails.person_name(enrolment.user)
    title = _target_title(enrolment)
    for leader in group.leaders.filter(is_active=True).select_related("profile"):
        with languages.reading(languages.of_user(leader)):
            email_queue(
                recipient=leader.email,
                reason=f"cohorts.group.consent_{verb}:{consent.pk}",
                subject=(
                    (
                        _("%(name)s's guardian did not consent: %(title)s")
                        if verb == "refused"
                        else _("%(name)s's guardian withdrew consent: %(title)s")
                    )
                    % {"name": name, "title": title}
                )[:300],
                template="cohorts.group.consent_ended",
                context={
                    "leader_name": emails.person_name(leader),
                    "member_name": name,
                    "group_name": group.name,
                    "title": title,
                    "verb": verb,
                    "group_url": emails.absolute(reverse("groups:group", args=[group.pk])),
                },
            )


def register() -> None:
    """From CohortsConfig.ready(); the handler that tells the leaders is in the catalogue."""
    consent_subject_register(
        ConsentSubject(
            prefix=PREFIX,
            describe=_describe,
            on_given=_on_given,
            on_ended=_on_ended,
            lock=_lock_place,
        )
    )


# --- what leaders and the desk see ------------------------------------------------------------


@dataclass(frozen=True)
class ConsentStatus:
    """A minor's guardian consent for one place: `complete` only when consent is given."""

    complete: bool
    state: str  # the latest GuardianConsent's state, "" when none was asked for

    @property
    def text(self) -> str:
        if self.complete:
            return _("Guardian consent: complete")
        detail = {
            "": _("not requested"),
            ConsentState.PENDING: _("waiting for the guardian"),
            # Translators: a guardian's consent that was refused.
            ConsentState.REFUSED: pgettext("consent", "refused"),
            # Translators: a guardian's consent that was withdrawn.
            ConsentState.WITHDRAWN: pgettext("consent", "withdrawn"),
            # Translators: a request for a guardian's consent that was cancelled.
            ConsentState.CANCELLED: pgettext("consent", "cancelled"),
        }.get(self.state, "")
        if detail:
            return _("Guardian consent: missing (%(detail)s)") % {"detail": detail}
        return _("Guardian consent: missing")


def _first_days(enrolments: list[Enrolment]) -> dict[tuple[str, int], dt.date]:
    """The first day of each place's activity (in its own time zone) or cohort, one query per
    kind of target: the age that counts is the age on that day."""
    days: dict[tuple[str, int], dt.date] = {}
    activity_ids = {e.activity_id for e in enrolments if e.activity_id}
    for activity in ActivityPage.objects.filter(pk__in=activity_ids):
        days[("a", activity.pk)] = timezone.localtime(activity.starts_at, activity.tz).date()
    cohort_ids = {e.cohort_id for e in enrolments if e.cohort_id}
    for pk, starts_on in Cohort.objects.filter(pk__in=cohort_ids).values_list("pk", "starts_on"):
        days[("c", pk)] = starts_on
    return days


def _day_of(enrolment: Enrolment, days: dict[tuple[str, int], dt.date]) -> dt.date:
    key = ("a", enrolment.activity_id) if enrolment.activity_id else ("c", enrolment.cohort_id)
    return days.get(key) or timezone.localdate()


def consent_statuses(enrolments: list[Enrolment]) -> dict[int, ConsentStatus]:
    """For each place that needs a guardian's consent — held pending consent, with consent
    asked for, or of a group member who is a minor on the activity's (cohort's) first day —
    whether it is complete. Places that need none are left out. A few queries in all."""
    enrolments = [e for e in enrolments if e is not None]
    if not enrolments:
        return {}
    members = {}
    grouped = [e for e in enrolments if e.group_id]
    if grouped:
        rows = GroupMember.objects.filter(
            group_id__in={e.group_id for e in grouped},
            person_id__in={e.user_id for e in grouped},
        )
        members = {(m.group_id, m.person_id): m for m in rows}
    days = _first_days([e for e in enrolments if e.group_id]) if members else {}
    latest = consent_states([subject_key(e) for e in enrolments])
    statuses = {}
    for enrolment in enrolments:
        consent = latest.get(subject_key(enrolment))
        member = members.get((enrolment.group_id, enrolment.user_id))
        needed = (
            enrolment.state == EnrolmentState.PENDING_CONSENT
            or consent is not None
            or (member is not None and member.is_minor_on(_day_of(enrolment, days)))
        )
        if not needed:
            continue
        given = consent is not None and consent.state == ConsentState.GIVEN
        complete = given and enrolment.state != EnrolmentState.PENDING_CONSENT
        statuses[enrolment.pk] = ConsentStatus(
            complete=complete, state=consent.state if consent is not None else ""
        )
    return statuses


def consent_status(enrolment: Enrolment) -> ConsentStatus | None:
    """The place's consent status, or None when it needs no guardian's consent."""
    return consent_statuses([enrolment]).get(enrolment.pk)


def consent_complete(enrolment: Enrolment) -> bool:
    """True when the place needs no guardian's consent or has it."""
    status = consent_status(enrolment)
    return status is None or status.complete


def consent_blocked_reason(enrolment: Enrolment, name: str) -> str | None:
    """The desk's refusal for a minor without their guardian's consent, or None."""
    status = consent_status(enrolment)
    if status is None or status.complete:
        return None
    return _(
        "%(name)s is a minor and their guardian's consent has not been received — they cannot "
        "be checked in. Nothing was recorded."
    ) % {"name": name}
