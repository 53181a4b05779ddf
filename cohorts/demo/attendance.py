"""Attendance demo: BEP's table-top exercise gets its four days as sessions, the share-of-hours
rule, a pass for every confirmed place and a partly filled record (day 1 taken, day 2 under
way), so the desk, the attendance list and the export have something to show. Idempotent."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from cohorts.attendance import services as attendance
from cohorts.attendance.models import (
    ActivitySession,
    AttendanceRecord,
    AttendanceRule,
    AttendanceStatus,
    ParticipantPass,
)
from cohorts.demo import STAFF_DOMAIN
from cohorts.places import services
from cohorts.places.models import CONFIRMED, Cohort, Enrolment, EnrolmentState
from lms.models import User
from programmes.models import ActivityPage

TABLETOP_SLUG = "storm-and-power-cut-tabletop-exercise"
BEP_COHORT_SLUG = "bep-2026"
RECORDER_EMAIL = f"presidency.fi@{STAFF_DOMAIN}"
# Of the people on the list (by name), who was absent or excused on day 1, and how many of the
# rest were already checked in when day 2 was "under way".
DAY_1_ABSENT = 1
DAY_1_EXCUSED = 1
DAY_2_CHECKED_IN_SHARE = 0.5


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: demo content is not loaded in production"]
    activity = ActivityPage.objects.filter(slug=TABLETOP_SLUG).first()
    if activity is None:
        return ["no demo table-top exercise: the programmes demo runs first"]
    lines: list[str] = []
    _cohort_places_ensure(activity, lines)

    setup = attendance.attendance_setup_ensure(activity=activity)
    if setup.staff_group_id is None:
        setup.rule = AttendanceRule.HOURS_PERCENT
        setup.min_percent = 80
        setup.save(update_fields=["rule", "min_percent"])
        attendance.activity_staff_group_ensure(setup=setup)
        lines.append(f"{activity.title}: attended at 80% of the hours; desk staff group created")
    sessions = attendance.sessions_ensure(activity=activity)

    places = list(
        Enrolment.objects.filter(activity=activity, state__in=CONFIRMED).select_related(
            "user__profile"
        )
    )
    had = set(
        ParticipantPass.objects.filter(enrolment__in=places).values_list("enrolment_id", flat=True)
    )
    issued = 0
    with transaction.atomic():
        for place in places:
            if attendance.pass_ensure(enrolment=place) is not None and place.pk not in had:
                issued += 1
    if issued:
        lines.append(f"issued {issued} passes for {activity.title}")

    if not AttendanceRecord.objects.filter(session__activity=activity).exists():
        count = _records_write(places, sessions)
        if count:
            lines.append(f"recorded {count} check-ins and absences for {activity.title}")
    return lines or ["attendance already present"]


def _cohort_places_ensure(activity: ActivityPage, lines: list[str]) -> None:
    """The BEP cohort's members get places in the exercise from the accepted event's handler;
    doing it here makes the demo the same with or without the job cluster running."""
    cohort = Cohort.objects.filter(slug=BEP_COHORT_SLUG, activities=activity).first()
    if cohort is None:
        return
    members = Enrolment.objects.filter(cohort=cohort, state=EnrolmentState.ACCEPTED).exclude(
        user__enrolments__activity=activity
    )
    created = 0
    for member in members.select_related("cohort"):
        with services.place_transaction():
            created += len(services.cohort_activities_register_locked(enrolment=member))
    if created:
        lines.append(f"{created} places in {activity.title} for members of {cohort.title}")


def _records_write(places: list[Enrolment], sessions: list[ActivitySession]) -> int:
    """Day 1 as the desk left it, day 2 half way: written as of those days (the exercise itself
    lies ahead, so the desk's own services, which refuse other days, cannot be used)."""
    if len(sessions) < 2 or not places:
        return 0
    recorder = User.objects.filter(email__iexact=RECORDER_EMAIL).first()
    people = sorted(places, key=lambda place: attendance.person_name(place.user))
    day_1, day_2 = sessions[0], sessions[1]
    records = []
    for index, place in enumerate(people):
        if index < DAY_1_ABSENT:
            status, method = AttendanceStatus.ABSENT, "list"
        elif index < DAY_1_ABSENT + DAY_1_EXCUSED:
            status, method = AttendanceStatus.EXCUSED, "list"
        else:
            status, method = AttendanceStatus.PRESENT, "scan" if index % 3 else "search"
        records.append(
            AttendanceRecord(
                session=day_1,
                enrolment=place,
                status=status,
                recorded_by=recorder,
                recorded_at=day_1.starts_at + timedelta(minutes=index % 25),
                method=method,
            )
        )
    arrived = people[DAY_1_ABSENT + DAY_1_EXCUSED :]
    for index, place in enumerate(arrived[: int(len(arrived) * DAY_2_CHECKED_IN_SHARE)]):
        records.append(
            AttendanceRecord(
                session=day_2,
                enrolment=place,
                status=AttendanceStatus.PRESENT,
                recorded_by=recorder,
                recorded_at=day_2.starts_at + timedelta(minutes=index % 20),
                method="scan",
            )
        )
    AttendanceRecord.objects.bulk_create(records, ignore_conflicts=True)
    return len(records)
