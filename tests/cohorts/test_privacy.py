"""The retention job deletes dietary and medical notes a set number of days after the activity
(or cohort) ends — not a second earlier — and a second run changes nothing; erasing a youth
group's member who has no account, as a leader removing them does."""

import datetime as dt
import logging

import pytest
from django.db import transaction

from cohorts.models import (
    Enrolment,
    EnrolmentSource,
    EnrolmentState,
    GroupKind,
    GroupMember,
    YouthGroup,
)
from cohorts.privacy import care_notes_purge
from cohorts.tasks import care_notes_purge_task
from lms.models import ConsentPurpose, ConsentState, GuardianConsent, User
from lms.privacy.services import person_erase_within
from tests.factories import UserFactory
from tests.lms.privacy_world import traces_of
from tests.programmes.builders import local

pytestmark = pytest.mark.django_db

NOTES = "Coeliac: gluten-free meals; asthma inhaler in the red bag"


@pytest.fixture
def tabletop(make_activity):
    """15–17 January 2030 in Rīga, ending at 16:00 local time on the 17th."""
    return make_activity(title="Storm Surge Table-top: Rīga", slug="storm-surge-riga")


def place(user, *, notes=NOTES, **target) -> Enrolment:
    return Enrolment.objects.create(
        user=user,
        state=EnrolmentState.ACCEPTED,
        source=EnrolmentSource.REGISTRATION,
        country="LV",
        care_notes=notes,
        **target,
    )


def test_notes_go_exactly_thirty_days_after_the_activity_ends(tabletop, caplog):
    noted = place(UserFactory(), activity=tabletop)
    silent = place(UserFactory(), activity=tabletop, notes="")
    ends = tabletop.ends_at
    assert ends == local("2030-01-17 16:00")

    assert care_notes_purge(now=ends + dt.timedelta(days=30, seconds=-1)) == 0
    noted.refresh_from_db()
    assert noted.care_notes == NOTES and noted.care_notes_purged_at is None

    moment = ends + dt.timedelta(days=30)
    with caplog.at_level(logging.INFO, logger="lms.retention"):
        assert care_notes_purge(now=moment) == 1

    noted.refresh_from_db()
    assert noted.care_notes == "" and noted.care_notes_purged_at == moment
    assert "care notes: deleted from 1 place (30 days after the end)" in caplog.text
    silent.refresh_from_db()
    assert silent.care_notes_purged_at is None
    assert noted.state == EnrolmentState.ACCEPTED and str(noted.country) == "LV"

    # Again, and again later: nothing more to do, and the first moment is kept.
    assert care_notes_purge(now=moment) == 0
    assert care_notes_purge(now=moment + dt.timedelta(days=400)) == 0
    noted.refresh_from_db()
    assert noted.care_notes_purged_at == moment
    assert traces_of([NOTES]) == []


def test_a_cohort_counts_from_midnight_after_its_last_day(make_cohort, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    cohort = make_cohort(
        starts_on=dt.date(2030, 1, 6), ends_on=dt.date(2030, 2, 28), title="BEP 2030"
    )
    noted = place(UserFactory(), cohort=cohort)
    stockholm = "Europe/Stockholm"

    assert care_notes_purge(now=local("2030-03-30 23:59", stockholm)) == 0
    assert care_notes_purge(now=local("2030-03-31 00:00", stockholm)) == 1
    noted.refresh_from_db()
    assert noted.care_notes == ""


def test_the_number_of_days_is_a_setting(tabletop, settings):
    settings.CARE_NOTES_RETENTION_DAYS = 7
    noted = place(UserFactory(), activity=tabletop)

    assert care_notes_purge(now=tabletop.ends_at + dt.timedelta(days=6, hours=23)) == 0
    assert care_notes_purge(now=tabletop.ends_at + dt.timedelta(days=7)) == 1
    noted.refresh_from_db()
    assert noted.care_notes == ""


def test_notes_of_what_is_still_to_come_are_kept(tabletop, make_activity, clock):
    later = make_activity(
        title="Baltic Ice Rescue Workshop",
        slug="ice-rescue",
        starts_at=local("2031-02-10 09:00"),
        ends_at=local("2031-02-11 16:00"),
    )
    upcoming = place(UserFactory(), activity=later)
    clock.now = tabletop.ends_at + dt.timedelta(days=31)

    assert care_notes_purge_task() == 0

    upcoming.refresh_from_db()
    assert upcoming.care_notes == NOTES


@pytest.mark.parametrize("job", ["care_notes_purge", "survey_drafts_purge"])
def test_the_retention_jobs_run_daily(db, job):
    from django_q.models import Schedule

    from lms import jobs

    jobs.schedules_ensure()

    schedule = Schedule.objects.get(name=f"cohorts.{job}")
    assert schedule.func == f"cohorts.tasks.{job}_task"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 24 * 60)


# --- a leader removes a member who has no account ---------------------------------------------


def test_a_member_without_an_account_is_erased_inside_the_leader_s_transaction(
    make_activity, clock, django_capture_on_commit_callbacks
):
    clock.now = local("2030-01-08 10:00")
    activity = make_activity(title="Storm Surge Table-top: Rīga", slug="storm-surge-riga")
    leader = UserFactory(email="kadri@example.ee", profile__full_name="Kadri Mägi")
    group = YouthGroup.objects.create(
        name="Pärnu Young Rescuers",
        organisation="Estonian Rescue Board Youth",
        country="EE",
        kind=GroupKind.RESCUE_YOUTH,
    )
    group.leaders.add(leader)
    members = {}
    for first, family in (("Õie", "Täht"), ("Mari", "Kask")):
        person = User.objects.create_user(email=f"member-{first.lower()}@members.invalid")
        members[first] = GroupMember.objects.create(
            group=group,
            person=person,
            first_name=first,
            family_name=family,
            birth_year=2015,
            guardian_name=f"Maarja {family}",
            guardian_email=f"guardian.{family.lower()}@example.ee",
            added_by=leader,
        )
    oie = members["Õie"].person
    booked = Enrolment.objects.create(
        activity=activity,
        user=oie,
        state=EnrolmentState.PENDING_CONSENT,
        source=EnrolmentSource.GROUP,
        group=group,
        country="EE",
        care_notes=NOTES,
    )
    GuardianConsent.objects.create(
        person=oie,
        purpose=ConsentPurpose.ACTIVITY,
        subject_key=f"enrolment:{booked.pk}",
        subject_title=activity.title,
        guardian_email="guardian.täht@example.ee",
        guardian_name="Maarja Täht",
    )

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(durable=True):
        # The leader's own service would delete the member row and log it here.
        assert person_erase_within(user=oie, actor=leader) is True

    booked.refresh_from_db()
    assert booked.state == EnrolmentState.WITHDRAWN and booked.care_notes == ""
    consent = GuardianConsent.objects.get(person=oie)
    assert consent.state == ConsentState.CANCELLED and consent.guardian_email == ""
    assert list(group.members.values_list("first_name", flat=True)) == ["Mari"]
    assert list(group.leaders.all()) == [leader]
    assert traces_of(["Õie", "Täht", "guardian.täht@example.ee"]) == []
    assert traces_of(["Mari", "Kask", "guardian.kask@example.ee"]) != []
