"""Shared by the attendance tests: a three-day table-top exercise in Rīga (15–17 January 2030),
places registered for it the way participants register, its desk staff and its organisers."""

import datetime as dt

import pytest

from cohorts.attendance import services as attendance
from cohorts.models import AttendanceRecord, Enrolment
from cohorts.places.services import cohort_staff_group_ensure, registration_create
from lms.models import Event
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.builders import local

DAY_1 = "2030-01-15"
DAY_2 = "2030-01-16"
DAY_3 = "2030-01-17"


@pytest.fixture
def tabletop(make_activity):
    """Three days, 09:00–16:00 each, in the venue's zone (Europe/Riga)."""
    return make_activity(
        title="Storm Surge Table-top: Rīga",
        slug="storm-surge-table-top-riga",
        starts_at=local(f"{DAY_1} 09:00"),
        ends_at=local(f"{DAY_3} 16:00"),
    )


@pytest.fixture
def register(clock, django_capture_on_commit_callbacks):
    """register(activity, name=..., country=..., organisation=...): a person registers a week
    before the activity (through the places service, its events handled as after a commit:
    the pass is issued, the confirmation queued) and the clock comes back."""

    def make(activity, *, name="Jānis Bērziņš", country="LV", organisation="VUGD", **profile):
        user = UserFactory(
            profile__full_name=name,
            profile__country=country,
            profile__organisation=OrganisationFactory(name=organisation, country=country),
            **{f"profile__{key}": value for key, value in profile.items()},
        )
        saved = clock.now
        clock.now = activity.starts_at - dt.timedelta(days=7)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return registration_create(user=user, activity=activity)
        finally:
            clock.now = saved

    return make


@pytest.fixture
def desk_staff(db):
    """desk_staff(activity): a member of the activity's own check-in staff group."""

    def make(activity, *, name="Kristīne Ozoliņa"):
        setup = attendance.attendance_setup_ensure(activity=activity)
        group = attendance.activity_staff_group_ensure(setup=setup)
        user = UserFactory(profile__full_name=name, profile__country="LV")
        user.groups.add(group)
        return user

    return make


def at(clock, text: str) -> None:
    """Move the services' clock to a wall-clock time in Rīga."""
    clock.now = local(text)


def session_on(activity, day: str):
    sessions = attendance.sessions_ensure(activity=activity)
    return next(
        s for s in sessions if attendance.session_local_date(s, activity).isoformat() == day
    )


def records_of(enrolment: Enrolment) -> list[tuple[str, str]]:
    return list(
        AttendanceRecord.objects.filter(enrolment=enrolment)
        .order_by("session__starts_at")
        .values_list("session__title", "status")
    )


def attended_events(enrolment: Enrolment) -> list[dict]:
    return list(
        Event.objects.filter(
            name="programmes.activity.attended", payload__enrolment_id=enrolment.pk
        ).values_list("payload", flat=True)
    )


@pytest.fixture
def organiser(make_cohort):
    """organiser(activity): presidency staff of a cohort that includes the activity, who keep
    its whole attendance record (staff rights last through 2030)."""

    def make(activity, *, name="Þórunn Guðmundsdóttir"):
        cohort = make_cohort(activities=[activity], staff_access_until=dt.date(2030, 12, 31))
        user = UserFactory(profile__full_name=name, profile__country="IS")
        user.groups.add(cohort_staff_group_ensure(cohort=cohort))
        return user

    return make
