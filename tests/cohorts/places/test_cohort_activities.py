"""An accepted cohort member gets places in the cohort's activities, under each activity's own
rules; leaving the cohort gives those places back (and passes them to the activity waitlist)."""

import datetime as dt

from django.utils import timezone

from cohorts.models import EnrolmentSource, EnrolmentState
from cohorts.places import services
from lms.models import OutgoingEmail


def _activity(make_activity, days: int, **kwargs):
    starts = timezone.now() + dt.timedelta(days=days)
    return make_activity(starts_at=starts, ends_at=starts + dt.timedelta(hours=6), **kwargs)


def test_acceptance_registers_for_the_cohorts_activities_and_withdrawal_frees_them(
    make_cohort, make_person, make_activity, django_capture_on_commit_callbacks
):
    workshop = _activity(make_activity, 40, title="Flood workshop", slug="flood", capacity=10)
    exercise = _activity(make_activity, 60, title="Table-top", slug="tabletop", capacity=1)
    cohort = make_cohort(capacity=5)
    cohort.activities.set([workshop, exercise])
    cohort.save()  # a cluster's many-to-many is written on save, as in the admin
    first, second = make_person("FI"), make_person("EE")

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_apply(user=first, cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_apply(user=second, cohort=cohort)

    places = {
        (r.user_id, r.activity_id): r.state
        for r in workshop.registrations.all() | exercise.registrations.all()
    }
    assert places == {
        (first.pk, workshop.pk): EnrolmentState.ACCEPTED,
        (first.pk, exercise.pk): EnrolmentState.ACCEPTED,
        (second.pk, workshop.pk): EnrolmentState.ACCEPTED,
        # The table-top has one place: the second member waits for it.
        (second.pk, exercise.pk): EnrolmentState.WAITLISTED,
    }
    assert set(workshop.registrations.values_list("source", flat=True)) == {EnrolmentSource.COHORT}
    # One confirmation for the cohort, not one more per activity.
    accepted = OutgoingEmail.objects.filter(recipient=first.email, reason__contains="accepted")
    assert accepted.count() == 1

    cohort_place = cohort.enrolments.get(user=first)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=cohort_place, actor=first)

    assert set(first.enrolments.filter(activity__isnull=False).values_list("state", flat=True)) == {
        EnrolmentState.WITHDRAWN
    }
    # The freed table-top place is offered to the member who was waiting for it.
    assert exercise.registrations.get(user=second).state == EnrolmentState.OFFERED


def test_a_place_the_person_took_themselves_stays_when_they_leave_the_cohort(
    make_cohort, make_person, make_activity, django_capture_on_commit_callbacks
):
    workshop = _activity(make_activity, 40, title="Open webinar", slug="webinar", capacity=10)
    cohort = make_cohort(capacity=5)
    cohort.activities.set([workshop])
    cohort.save()
    person = make_person("LT")
    with django_capture_on_commit_callbacks(execute=True):
        own = services.registration_create(user=person, activity=workshop)
        services.enrolment_apply(user=person, cohort=cohort)
    assert workshop.registrations.filter(user=person).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=cohort.enrolments.get(user=person), actor=person)
    own.refresh_from_db()
    assert own.state == EnrolmentState.ACCEPTED
    assert own.source == EnrolmentSource.REGISTRATION


def test_a_registration_withdrawn_earlier_does_not_keep_a_new_cohort_member_out(
    make_cohort, make_person, make_activity, django_capture_on_commit_callbacks
):
    workshop = _activity(make_activity, 40, title="Flood workshop", slug="flood", capacity=10)
    cohort = make_cohort(capacity=5)
    cohort.activities.set([workshop])
    cohort.save()
    person = make_person("FI")
    own = services.registration_create(user=person, activity=workshop)
    services.enrolment_withdraw(enrolment=own, actor=person)

    with django_capture_on_commit_callbacks(execute=True):
        member = services.enrolment_apply(user=person, cohort=cohort)
    # The handler run again makes no second place.
    services.cohort_activities_register_locked(enrolment=member)

    rows = list(workshop.registrations.filter(user=person).order_by("pk"))
    assert [(r.source, r.state) for r in rows] == [
        (EnrolmentSource.REGISTRATION, EnrolmentState.WITHDRAWN),
        (EnrolmentSource.COHORT, EnrolmentState.ACCEPTED),
    ]
