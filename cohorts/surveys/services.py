"""Write-side services of surveys in cohorts: inviting people when a trigger fires (a place
accepted, an activity ended some days ago, a module completed, or staff sending by hand),
sending invitations and reminders through the e-mail outbox, and answering through the
invitation's single-use link (drafts kept, one response per invitation).

Tokens: only a digest is stored; the token itself is an HMAC of the invitation's random salt
with the site's secret key, so reminders can carry the same link without storing it."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_lazy
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.places.emails import absolute, person_name
from cohorts.places.models import CONFIRMED, Enrolment
from cohorts.surveys.models import SurveyInvitation, SurveyTarget, SurveyTrigger
from lms import languages
from lms.events import emit
from lms.mail.services import email_queue
from lms.models import Profile, User
from lms.time_zones import moment_text
from lms.tokens import token_digest
from programmes.models import ModuleProgress, SurveyPage
from programmes.surveys.answering import survey_draft_from, survey_form, survey_response_record

logger = logging.getLogger(__name__)

TOKEN_SALT = "cohorts.survey_invitation"  # noqa: S105 (an HMAC key salt, not a secret)
SEND_BATCH = 500

MESSAGES = {
    "not_found": gettext_lazy(
        "This survey link does not work. Please use the link in your latest e-mail."
    ),
    "other_person": gettext_lazy(
        "This survey link was sent to someone else. Log out, or open the link from your own e-mail."
    ),
    "answered": gettext_lazy(
        "This survey has already been answered with this link. Thank you — your "
        "answers were counted once."
    ),
    "closed": gettext_lazy("This survey has closed: answers can no longer be sent."),
}


def _error(code: str) -> CohortsError:
    return CohortsError(code, str(MESSAGES[code]))


# --- tokens ---------------------------------------------------------------------------------


def survey_token(invitation: SurveyInvitation) -> str:
    return salted_hmac(TOKEN_SALT, invitation.token_salt, algorithm="sha256").hexdigest()


def _token_fields() -> dict:
    salt = secrets.token_hex(32)
    token = salted_hmac(TOKEN_SALT, salt, algorithm="sha256").hexdigest()
    return {"token_salt": salt, "token_hash": token_digest(token)}


def survey_invitation_by_token(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 200:
        return None
    return (
        SurveyInvitation.objects.select_related("survey", "target", "cohort", "user")
        .filter(token_hash=token_digest(token))
        .first()
    )


def survey_answer_url(invitation: SurveyInvitation) -> str:
    return reverse("cohorts:survey_answer", args=[survey_token(invitation)])


# --- who is invited ---------------------------------------------------------------------------


def _confirmed_users(*, cohort=None, activity=None):
    """(user_id, enrolment) of everyone holding a confirmed place, oldest first."""
    qs = Enrolment.objects.filter(state__in=CONFIRMED).select_related("user")
    if activity is not None:
        qs = qs.filter(activity=activity)
        if cohort is not None:
            members = Enrolment.objects.filter(cohort=cohort, state__in=CONFIRMED)
            qs = qs.filter(user__in=members.values("user"))
    else:
        qs = qs.filter(cohort=cohort)
    return list(qs.order_by("pk"))


def _recipients(target: SurveyTarget) -> list[tuple[object, Enrolment | None]]:
    if target.trigger == SurveyTrigger.MODULE_COMPLETED:
        progress = ModuleProgress.objects.filter(
            module_id=target.module_id, completed_at__isnull=False
        ).select_related("user")
        if target.cohort_id:
            members = {e.user_id: e for e in _confirmed_users(cohort=target.cohort)}
            return [(p.user, members[p.user_id]) for p in progress if p.user_id in members]
        return [(p.user, None) for p in progress]
    enrolments = _confirmed_users(
        cohort=target.cohort if target.cohort_id else None,
        activity=target.activity if target.activity_id else None,
    )
    return [(e.user, e) for e in enrolments]


def _member_enrolment(target: SurveyTarget, user_id: int) -> Enrolment | None:
    if not target.cohort_id:
        return None
    return Enrolment.objects.filter(
        cohort_id=target.cohort_id, user_id=user_id, state__in=CONFIRMED
    ).first()


def _invite(
    target: SurveyTarget, user, *, enrolment: Enrolment | None, now
) -> SurveyInvitation | None:
    """The invitation of `user` through `target`, made once; None when it already existed."""
    if SurveyInvitation.objects.filter(target=target, user=user).exists():
        return None
    source = enrolment or Profile.objects.filter(user=user).first()
    cohort_id = target.cohort_id or (enrolment.cohort_id if enrolment is not None else None)
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                target=target,
                survey_id=target.survey_id,
                user=user,
                cohort_id=cohort_id,
                country=str(source.country or "") if source is not None else "",
                sector=(source.sector or "") if source is not None else "",
                due_at=now,
                **_token_fields(),
            )
    except IntegrityError:
        return None  # invited at the same moment by another run
    emit(
        "cohorts.survey_invitation.created",
        key=f"cohorts.survey_invitation.created:{invitation.pk}",
        payload={
            "invitation_id": invitation.pk,
            "survey_id": target.survey_id,
            "user_id": user.pk,
            "target_id": target.pk,
        },
    )
    return invitation


def _live_targets(**filters):
    return SurveyTarget.objects.select_related("survey", "cohort", "activity").filter(
        active=True, survey__live=True, **filters
    )


def _survey_open(survey: SurveyPage, now) -> bool:
    return survey.live and not (survey.closes_at and now >= survey.closes_at)


# --- triggers ---------------------------------------------------------------------------------


def survey_invite_on_accepted(*, enrolment_id: int) -> list[SurveyInvitation]:
    """A place accepted: the pre-programme (or pre-activity) surveys of its cohort or activity.
    Called by the handler of `cohorts.enrolment.accepted`, inside its transaction."""
    enrolment = Enrolment.objects.select_related("user").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.state not in CONFIRMED:
        return []
    now = timezone.now()
    where = (
        Q(cohort_id=enrolment.cohort_id, activity__isnull=True)
        if enrolment.cohort_id
        else Q(activity_id=enrolment.activity_id)
    )
    sent = []
    for target in _live_targets(trigger=SurveyTrigger.ACCEPTED).filter(where):
        if not _survey_open(target.survey, now):
            continue
        if target.activity_id and target.cohort_id:
            member = _member_enrolment(target, enrolment.user_id)
            if member is None:
                continue
        invitation = _invite(target, enrolment.user, enrolment=enrolment, now=now)
        if invitation is not None:
            _send(invitation, now=now)
            sent.append(invitation)
    return sent


def survey_invite_on_module_completed(*, user_id: int, module_id: int) -> list[SurveyInvitation]:
    """A module completed: its feedback surveys (for a cohort's target, members only)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return []
    now = timezone.now()
    sent = []
    for target in _live_targets(trigger=SurveyTrigger.MODULE_COMPLETED, module_id=module_id):
        if not _survey_open(target.survey, now):
            continue
        enrolment = _member_enrolment(target, user_id)
        if target.cohort_id and enrolment is None:
            continue
        invitation = _invite(target, user, enrolment=enrolment, now=now)
        if invitation is not None:
            _send(invitation, now=now)
            sent.append(invitation)
    return sent


def survey_target_due_at(target: SurveyTarget):
    """When an activity-ended trigger fires: the activity's end plus the days after."""
    if target.trigger != SurveyTrigger.ACTIVITY_ENDED or target.activity is None:
        return None
    return target.activity.ends_at + timedelta(days=target.days_after)


def survey_triggers_fire(*, now=None) -> int:
    """Fire every activity-ended trigger whose time has come, once: invite the activity's
    confirmed participants. Returns the number of invitations made."""
    now = now or timezone.now()
    made = 0
    candidates = _live_targets(
        trigger=SurveyTrigger.ACTIVITY_ENDED, fired_at__isnull=True, activity__ends_at__lte=now
    )
    for candidate in candidates:
        due = survey_target_due_at(candidate)
        if due is None or due > now:
            continue
        with transaction.atomic(durable=True):
            target = (
                SurveyTarget.objects.select_for_update(of=("self",))
                .select_related("survey", "cohort", "activity")
                .filter(pk=candidate.pk, fired_at__isnull=True)
                .first()
            )
            if target is None:
                continue
            target.fired_at = now
            target.save(update_fields=["fired_at"])
            if not _survey_open(target.survey, now):
                continue
            for user, enrolment in _recipients(target):
                invitation = _invite(target, user, enrolment=enrolment, now=now)
                if invitation is not None:
                    _send(invitation, now=now)
                    made += 1
            emit(
                "cohorts.survey_target.fired",
                key=f"cohorts.survey_target.fired:{target.pk}",
                payload={"target_id": target.pk, "survey_id": target.survey_id},
            )
    return made


def survey_target_send(*, target: SurveyTarget, actor) -> int:
    """Staff send a survey by hand to everyone the target covers who has no invitation yet."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        target = (
            SurveyTarget.objects.select_for_update(of=("self",))
            .select_related("survey", "cohort", "activity", "module")
            .get(pk=target.pk)
        )
        if not target.active:
            raise CohortsError("inactive", gettext("This survey target is switched off."))
        if not _survey_open(target.survey, now):
            raise CohortsError(
                "closed", gettext("The survey is closed or not published: nothing was sent.")
            )
        made = 0
        for user, enrolment in _recipients(target):
            invitation = _invite(target, user, enrolment=enrolment, now=now)
            if invitation is not None:
                _send(invitation, now=now)
                made += 1
        log(
            instance=target,
            action="cohorts.survey.send",
            user=actor if actor is not None and actor.is_authenticated else None,
            data={"invitations": made, "survey_id": target.survey_id},
        )
    return made


# --- e-mails ----------------------------------------------------------------------------------


def _email_context(invitation: SurveyInvitation) -> dict:
    survey = invitation.survey
    closes = ""
    if survey.closes_at:
        # A cohort's survey closes on the cohort's time; any other on the site's.
        zone = invitation.cohort.zone if invitation.cohort_id else settings.TIME_ZONE
        closes = moment_text(survey.closes_at, zone)
    programme = survey.get_parent()
    return {
        "name": person_name(invitation.user),
        "survey_title": survey.title,
        "programme_title": programme.title if programme is not None else "",
        "anonymous": survey.anonymous,
        "minutes": survey.estimated_minutes,
        "closes_text": closes,
        "answer_url": absolute(survey_answer_url(invitation)),
        "cohort_title": invitation.cohort.title if invitation.cohort_id else "",
    }


def _send(invitation: SurveyInvitation, *, now) -> None:
    """Queue the invitation e-mail (once per invitation) and plan the first reminder."""
    if invitation.sent_at is not None:
        return
    with languages.reading(languages.of_user(invitation.user)):
        email_queue(
            recipient=invitation.user.email,
            reason=f"cohorts.survey.invitation:{invitation.pk}",
            subject=gettext("Your views, please: %(survey)s") % {"survey": invitation.survey.title},
            template="cohorts.survey.invitation",
            context=_email_context(invitation),
        )
    invitation.sent_at = now
    target = invitation.target
    if target.max_reminders > 0:
        invitation.next_reminder_at = now + timedelta(days=target.reminder_interval_days)
    invitation.save(update_fields=["sent_at", "next_reminder_at"])
    emit(
        "cohorts.survey_invitation.sent",
        key=f"cohorts.survey_invitation.sent:{invitation.pk}",
        payload={"invitation_id": invitation.pk, "survey_id": invitation.survey_id},
    )


def _still_taking_part(invitation: SurveyInvitation) -> bool:
    """Whether the person still holds the place the survey asks about: someone who withdrew
    from the cohort or activity is neither invited nor reminded any more."""
    target = invitation.target
    if target.cohort_id:
        where = {"cohort_id": target.cohort_id}
    elif target.activity_id:
        where = {"activity_id": target.activity_id}
    else:
        return True  # a module's survey: finishing the module is what counted
    return Enrolment.objects.filter(
        user_id=invitation.user_id, state__in=CONFIRMED, **where
    ).exists()


def survey_invitations_send(*, now=None) -> int:
    """The scheduled job: fire due activity triggers, then send every invitation that is due
    and not yet sent. Returns how many invitations were sent."""
    now = now or timezone.now()
    sent = survey_triggers_fire(now=now)
    ids = list(
        SurveyInvitation.objects.filter(sent_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:SEND_BATCH]
    )
    for invitation_id in ids:
        with transaction.atomic(durable=True):
            invitation = (
                SurveyInvitation.objects.select_for_update(of=("self",))
                .select_related("survey", "target", "user", "cohort")
                .filter(pk=invitation_id, sent_at__isnull=True)
                .first()
            )
            if invitation is None or not _survey_open(invitation.survey, now):
                continue
            if not _still_taking_part(invitation):
                # Never sent, never answered: nothing to keep.
                invitation.delete()
                continue
            _send(invitation, now=now)
            sent += 1
    return sent


def survey_reminders_send(*, now=None) -> int:
    """The scheduled job: remind everyone who has not answered and whose reminder is due, up
    to the target's maximum; nobody who answered, and nothing after the survey closes."""
    now = now or timezone.now()
    ids = list(
        SurveyInvitation.objects.filter(
            answered_at__isnull=True, sent_at__isnull=False, next_reminder_at__lte=now
        )
        .order_by("next_reminder_at", "pk")
        .values_list("pk", flat=True)[:SEND_BATCH]
    )
    reminded = 0
    for invitation_id in ids:
        with transaction.atomic(durable=True):
            invitation = (
                SurveyInvitation.objects.select_for_update(of=("self",))
                .select_related("survey", "target", "user", "cohort")
                .filter(pk=invitation_id, answered_at__isnull=True, next_reminder_at__lte=now)
                .first()
            )
            if invitation is None:
                continue
            target = invitation.target
            if (
                invitation.reminders_sent >= target.max_reminders
                or not _survey_open(invitation.survey, now)
                or not _still_taking_part(invitation)
            ):
                invitation.next_reminder_at = None
                invitation.save(update_fields=["next_reminder_at"])
                continue
            number = invitation.reminders_sent + 1
            with languages.reading(languages.of_user(invitation.user)):
                email_queue(
                    recipient=invitation.user.email,
                    reason=f"cohorts.survey.reminder:{invitation.pk}:{number}",
                    subject=gettext("Reminder: %(survey)s") % {"survey": invitation.survey.title},
                    template="cohorts.survey.reminder",
                    context={**_email_context(invitation), "number": number},
                )
            invitation.reminders_sent = number
            invitation.next_reminder_at = (
                now + timedelta(days=target.reminder_interval_days)
                if number < target.max_reminders
                else None
            )
            invitation.save(update_fields=["reminders_sent", "next_reminder_at"])
            emit(
                "cohorts.survey_invitation.reminded",
                key=f"cohorts.survey_invitation.reminded:{invitation.pk}:{number}",
                payload={"invitation_id": invitation.pk, "number": number},
            )
            reminded += 1
    return reminded


# --- answering --------------------------------------------------------------------------------


def survey_invitation_check(*, invitation: SurveyInvitation | None, user, now=None) -> None:
    """Whether this invitation's link may be used now by `user` (anyone holding the link, or
    the invited person when logged in); raises CohortsError with the reason."""
    now = now or timezone.now()
    if invitation is None:
        raise _error("not_found")
    if user is not None and user.is_authenticated and user.pk != invitation.user_id:
        raise _error("other_person")
    if invitation.answered_at is not None:
        raise _error("answered")
    if not _survey_open(invitation.survey, now):
        raise _error("closed")


def _locked(invitation_id: int) -> SurveyInvitation | None:
    return (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("survey", "user", "cohort", "target")
        .filter(pk=invitation_id)
        .first()
    )


def survey_draft_save(*, invitation_id: int, data, user) -> SurveyInvitation:
    """Keep what has been typed so far, against the invitation, until the answers are sent."""
    with transaction.atomic(durable=True):
        invitation = _locked(invitation_id)
        survey_invitation_check(invitation=invitation, user=user)
        invitation.draft = survey_draft_from(invitation.survey, data)
        invitation.draft_saved_at = timezone.now()
        invitation.save(update_fields=["draft", "draft_saved_at"])
    return invitation


@dataclass
class SubmitOutcome:
    ok: bool
    form: object
    invitation: SurveyInvitation


def survey_invitation_submit(*, invitation_id: int, data, user) -> SubmitOutcome:
    """Send the answers: checked against the survey's questions; when something is missing or
    wrong nothing is counted and the answers so far are kept as the draft. Once sent, the
    invitation is answered and its link opens nothing more; a second submission (a double
    click, a resent form) is refused and counted nowhere."""
    with transaction.atomic(durable=True):
        invitation = _locked(invitation_id)
        survey_invitation_check(invitation=invitation, user=user)
        survey = invitation.survey
        form = survey_form(survey, data)
        now = timezone.now()
        if not form.is_valid():
            # The page shows the answers again with the messages. A named survey also keeps
            # them as the draft; an anonymous one stores answers beside the person only when
            # they choose "save and come back" (which the page explains).
            if not survey.anonymous:
                invitation.draft = survey_draft_from(survey, data)
                invitation.draft_saved_at = now
                invitation.save(update_fields=["draft", "draft_saved_at"])
            return SubmitOutcome(ok=False, form=form, invitation=invitation)
        response = survey_response_record(
            survey=survey,
            cleaned_data=form.cleaned_data,
            user=None if survey.anonymous else invitation.user,
            cohort_id=invitation.cohort_id,
            country=str(invitation.country or ""),
            sector=invitation.sector,
        )
        invitation.answered_at = now
        invitation.draft = {}
        invitation.draft_saved_at = None
        invitation.next_reminder_at = None
        invitation.response = response
        invitation.save(
            update_fields=[
                "answered_at",
                "draft",
                "draft_saved_at",
                "next_reminder_at",
                "response",
            ]
        )
        emit(
            "cohorts.survey_invitation.answered",
            key=f"cohorts.survey_invitation.answered:{invitation.pk}",
            payload={
                "invitation_id": invitation.pk,
                "survey_id": survey.pk,
                "cohort_id": invitation.cohort_id,
            },
        )
    return SubmitOutcome(ok=True, form=form, invitation=invitation)
