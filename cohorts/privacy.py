"""Cohorts' part of a person's data: places and applications with their answers and notes,
attendance, passes, peer groups, youth groups, survey invitations and drafts; how it is erased;
and the retention job that deletes dietary and medical notes some days after the activity or
cohort ends. Registered in CohortsConfig.ready()."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cohorts.attendance import passes as pass_documents
from cohorts.attendance.models import AttendanceRecord, ParticipantPass
from cohorts.attendance.services import pass_data, pass_filename, pass_token_new
from cohorts.groups.consent import subject_key as consent_subject_key
from cohorts.groups.models import GroupMember, LeaderInvitation, YouthGroup
from cohorts.matching.models import PeerGroupMember
from cohorts.places.models import CONFIRMED, FINAL, Enrolment, FocalPoint
from cohorts.places.services.book import enrolment_withdraw_under_lock, place_lock
from cohorts.surveys.models import SurveyInvitation
from lms import languages
from lms.consent.services import consent_cancel
from lms.errors import LmsError
from lms.privacy.services import Erasure, personal_data_register

# Under the kernel's logger, so that the purge count shows at the default log level.
logger = logging.getLogger("lms.retention")


def retention_days() -> int:
    return int(getattr(settings, "CARE_NOTES_RETENTION_DAYS", 30))


# --- the retention job ------------------------------------------------------------------------


def care_notes_purge(*, now=None) -> int:
    """Scheduled: delete the dietary and medical notes of places whose activity ended, or whose
    cohort's last day passed, CARE_NOTES_RETENTION_DAYS days ago or more. A second run finds
    nothing more to do. Returns how many places lost their notes."""
    now = now or timezone.now()
    days = retention_days()
    # A cohort ends at midnight after its last day, in the site's time zone.
    last_cohort_day = timezone.localdate(now) - timedelta(days=days + 1)
    due = Enrolment.objects.exclude(care_notes="").filter(
        Q(activity__ends_at__lte=now - timedelta(days=days))
        | Q(cohort__ends_on__lte=last_cohort_day)
    )
    with transaction.atomic(durable=True):
        ids = list(due.select_for_update(of=("self",)).values_list("pk", flat=True))
        count = Enrolment.objects.filter(pk__in=ids).update(care_notes="", care_notes_purged_at=now)
    logger.info(
        "care notes: deleted from %s place%s (%s days after the end)",
        count,
        "" if count == 1 else "s",
        days,
    )
    return count


def survey_drafts_purge(*, now=None) -> int:
    """Scheduled: delete the unsent answers people saved on surveys that have closed since (they
    can never be sent). A second run finds nothing more to do. Returns how many drafts went."""
    now = now or timezone.now()
    due = SurveyInvitation.objects.filter(
        answered_at__isnull=True, survey__closes_at__lte=now, draft_saved_at__isnull=False
    )
    with transaction.atomic(durable=True):
        ids = list(due.select_for_update(of=("self",)).values_list("pk", flat=True))
        count = SurveyInvitation.objects.filter(pk__in=ids).update(draft={}, draft_saved_at=None)
    logger.info("survey drafts: deleted %s unsent draft%s", count, "" if count == 1 else "s")
    return count


# --- export -----------------------------------------------------------------------------------


def _target_title(enrolment: Enrolment) -> str:
    target = enrolment.cohort or enrolment.activity
    return target.title if target is not None else ""


def _places(enrolments: list[Enrolment]) -> list[dict]:
    return [
        {
            "in": _target_title(e),
            "kind": "cohort" if e.cohort_id else "activity",
            "state": e.get_state_display(),
            "how": e.get_source_display(),
            "submitted_at": e.submitted_at,
            "decided_at": e.decided_at,
            "attended_at": e.attended_at,
            "completed_at": e.completed_at,
            "country": e.country.name if e.country else "",
            "organisation": e.organisation.name if e.organisation else "",
            "sector": e.get_sector_display(),
            "level": e.get_level_display(),
            "gender": e.get_gender_display(),
            "answers": [
                {"question": item.get("question", ""), "answer": item.get("answer", "")}
                for item in (e.answers or {}).values()
                if isinstance(item, dict)
            ],
            "decision_reason": e.decision_reason,
            "waitlist_note": e.skipped_reason,
            "offer_expires_at": e.offer_expires_at,
            "dietary_or_medical_notes": e.care_notes,
            "notes_deleted_at": e.care_notes_purged_at,
            "booked_by_group": e.group.name if e.group_id else "",
        }
        for e in enrolments
    ]


def places_export(user) -> dict:
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("cohort", "activity", "organisation", "group")
        .order_by("submitted_at", "pk")
    )
    attendance = (
        AttendanceRecord.objects.filter(enrolment__user=user)
        .select_related("session__activity")
        .order_by("session__starts_at")
    )
    passes = ParticipantPass.objects.filter(enrolment__user=user).select_related(
        "enrolment__activity"
    )
    peer_groups = PeerGroupMember.objects.filter(enrolment__user=user).select_related(
        "group__cohort"
    )
    members = GroupMember.objects.filter(person=user).select_related("group").order_by("pk")
    led = YouthGroup.objects.filter(leaders=user).annotate(size=Count("members")).order_by("pk")
    invitations = (
        SurveyInvitation.objects.filter(user=user)
        .select_related("survey", "cohort")
        .order_by("created_at")
    )
    return {
        "places_and_applications": _places(enrolments),
        "attendance": [
            {
                "activity": record.session.activity.title,
                "session": record.session.title,
                "session_starts_at": record.session.starts_at,
                "status": record.get_status_display(),
                "recorded_at": record.recorded_at,
            }
            for record in attendance
        ],
        "passes": [
            {
                "activity": ticket.enrolment.activity.title if ticket.enrolment.activity else "",
                "issued_at": ticket.created_at,
                "revoked_at": ticket.revoked_at,
            }
            for ticket in passes
        ],
        # The group only: who else is in it is their data, not this person's.
        "peer_groups": [
            {
                "cohort": m.group.cohort.title,
                "group": _("Peer group %(number)s") % {"number": m.group.number},
            }
            for m in peer_groups
        ],
        "youth_group_memberships": [
            {
                "group": m.group.name,
                "organisation": m.group.organisation,
                "country": m.group.country.name,
                "kind": m.group.get_kind_display(),
                "first_name": m.first_name,
                "family_name": m.family_name,
                "birth_year": m.birth_year,
                "birth_date": m.birth_date,
                "guardian_name": m.guardian_name,
                "guardian_email": m.guardian_email,
                "guardian_phone": m.guardian_phone,
                "guardian_language": m.guardian_language,
                "added_at": m.created_at,
            }
            for m in members
        ],
        "youth_groups_you_lead": [
            {
                "group": g.name,
                "organisation": g.organisation,
                "country": g.country.name,
                "kind": g.get_kind_display(),
                "members": g.size,
            }
            for g in led
        ],
        "survey_invitations": [
            {
                "survey": inv.survey.title,
                "anonymous_survey": inv.survey.anonymous,
                "cohort": inv.cohort.title if inv.cohort_id else "",
                "sent_at": inv.sent_at,
                "reminders_sent": inv.reminders_sent,
                "answered_at": inv.answered_at,
                "draft_answers": inv.draft,
                "draft_saved_at": inv.draft_saved_at,
            }
            for inv in invitations
        ],
        "national_focal_point_for": [
            {
                "country": f.country.name,
                "programme": f.programme.title if f.programme_id else _("every programme"),
            }
            for f in FocalPoint.objects.filter(user=user).select_related("programme")
        ],
    }


def places_files(user) -> list[tuple[str, bytes]]:
    """The passes of confirmed activity places, as PDFs (only passes already issued)."""
    files = []
    tickets = ParticipantPass.objects.filter(
        enrolment__user=user,
        enrolment__activity__isnull=False,
        enrolment__state__in=CONFIRMED,
        revoked_at__isnull=True,
    ).select_related("enrolment__activity", "enrolment__user__profile", "enrolment__organisation")
    for ticket in tickets:
        enrolment = ticket.enrolment
        with languages.reading(languages.of_user(user)):
            document = pass_documents.passes_pdf([pass_data(enrolment=enrolment, ticket=ticket)])
        files.append((f"passes/{pass_filename(enrolment)}", document))
    return files


# --- erasure ----------------------------------------------------------------------------------


def places_strings(user) -> list[str]:
    return [m.full_name for m in GroupMember.objects.filter(person=user)]


def places_contacts(user) -> list[str]:
    found = []
    for row in GroupMember.objects.filter(person=user).values(
        "guardian_name", "guardian_email", "guardian_phone"
    ):
        found.extend(row.values())
    return [value for value in found if value]


def _ended(enrolment: Enrolment, now) -> bool:
    if enrolment.cohort_id:
        return enrolment.cohort.ends_on < timezone.localdate(now)
    return enrolment.activity.ends_at <= now


def places_erase(user, erasure: Erasure) -> None:
    """Places still open (applications, waitlist, places at something not yet over) are given
    up, so that the next person moves up; every place keeps what statistics count (state,
    country, dates, attendance) and loses what is personal or would single them out
    (organisation, sector, level, gender)."""
    open_places = (
        Enrolment.objects.filter(user=user)
        .exclude(state__in=FINAL)
        .select_related("cohort", "activity")
        .order_by("pk")
    )
    for enrolment in open_places:
        if _ended(enrolment, erasure.now):
            continue
        target = enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific
        place_lock(target)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.is_final:
            continue
        enrolment_withdraw_under_lock(
            enrolment, target, reason="account erased", actor=erasure.actor
        )
        consent_cancel(subject_key=consent_subject_key(enrolment))

    places = Enrolment.objects.filter(user=user)
    places.exclude(care_notes="").update(care_notes_purged_at=erasure.now)
    # What would single them out among the few people of a cohort (the only Finnish municipal
    # participant, say) goes too: organisation, sector, level and gender. The country stays, so
    # that per-country counts (which CBSS reports on) stay right; the row names nobody.
    places.update(
        answers={},
        care_notes="",
        decision_reason="",
        skipped_reason="",
        token_hash=None,
        organisation=None,
        sector="",
        level="",
        gender="",
        # What a focal point typed when nominating them.
        nominee_name="",
        nominee_organisation="",
    )
    # Invitations to co-lead a group, addressed to any address they were known by.
    LeaderInvitation.objects.filter(
        email__in=[value for value in erasure.strings if "@" in value]
    ).delete()
    for ticket in ParticipantPass.objects.filter(enrolment__user=user):
        # A new random token too: a copy of the old QR code finds nothing at all.
        ParticipantPass.objects.filter(pk=ticket.pk).update(
            **pass_token_new(), revoked_at=ticket.revoked_at or erasure.now
        )
    sole = [
        group.name
        for group in YouthGroup.objects.filter(leaders=user).prefetch_related("leaders")
        if len(group.leaders.all()) == 1
    ]
    if sole:
        # Nobody would be left to see, book for or erase those children's data.
        raise LmsError(
            "last_leader",
            ngettext(
                "You are the only leader of %(groups)s. Add another leader to it (or remove its "
                "members and delete it) before erasing your account. Nothing was erased.",
                "You are the only leader of %(groups)s. Add another leader to each (or remove its "
                "members and delete it) before erasing your account. Nothing was erased.",
                len(sole),
            )
            % {"groups": ", ".join(sole)},
        )
    GroupMember.objects.filter(person=user).delete()
    for group in YouthGroup.objects.filter(leaders=user):
        group.leaders.remove(user)
    FocalPoint.objects.filter(user=user).delete()
    SurveyInvitation.objects.filter(user=user).update(draft={}, draft_saved_at=None, response=None)


def register_all() -> None:
    personal_data_register(
        "places",
        label=gettext_lazy("your places, attendance, groups and surveys"),
        export=places_export,
        files=places_files,
        erase=places_erase,
        strings=places_strings,
        contacts=places_contacts,
    )
