"""Places as applicants and staff meet them: caps and reserved minimums, the eligible-next
waitlist promotion, offers and their expiry, approval decisions with their audit trail, the
completion rule, and activity registrations."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cohorts.errors import CohortsError
from cohorts.models import (
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    PlaceClaim,
    RuleAttribute,
    RuleKind,
)
from cohorts.places import handlers, selectors, services
from lms import events
from lms.accounts.services import profile_update
from lms.models import Event, Sector
from programmes.progress.services import progress_step_complete
from tests.cohorts.conftest import claims_of, events_of
from tests.factories import OrganisationFactory
from tests.programmes.builders import ModulePageFactory

pytestmark = pytest.mark.django_db

S = EnrolmentState


def apply(people, cohort) -> list[Enrolment]:
    return [services.enrolment_apply(user=person, cohort=cohort) for person in people]


def states(enrolments) -> list[str]:
    return [Enrolment.objects.get(pk=e.pk).state for e in enrolments]


def fresh(enrolment) -> Enrolment:
    enrolment.refresh_from_db()
    return enrolment


# --- caps -------------------------------------------------------------------------------------


def test_a_country_cap_waitlists_the_next_finn_and_says_why(make_cohort, make_person):
    cohort = make_cohort(capacity=10, country_cap=2)

    fins = apply([make_person("FI") for _ in range(3)], cohort)
    latvian = services.enrolment_apply(user=make_person("LV"), cohort=cohort)

    assert states(fins + [latvian]) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED, S.ACCEPTED]
    assert fins[2].skipped_reason == "the places for Finland are taken (2 of 2)"
    assert selectors.waitlist_position(fins[2]) == 1
    assert [events_of(e) for e in fins] == [["accepted"], ["accepted"], ["waitlisted"]]
    assert events_of(latvian) == ["accepted"]


def test_at_most_three_per_organisation(make_cohort, make_person):
    cohort = make_cohort(
        capacity=10,
        rules=[dict(kind=RuleKind.CAP, attribute=RuleAttribute.ORGANISATION, limit=3)],
    )
    college = OrganisationFactory(name="Ugunsdzēsības un glābšanas koledža", country="LV")

    colleagues = apply([make_person("LV", organisation=college) for _ in range(4)], cohort)
    other = services.enrolment_apply(user=make_person("LV"), cohort=cohort)

    assert states(colleagues) == [S.ACCEPTED] * 3 + [S.WAITLISTED]
    assert colleagues[3].skipped_reason == (
        "the places for Ugunsdzēsības un glābšanas koledža are taken (3 of 3)"
    )
    assert events_of(colleagues[3]) == ["waitlisted"]
    assert fresh(other).state == S.ACCEPTED


def test_a_cap_on_one_value_leaves_the_other_values_alone(make_cohort, make_person):
    cohort = make_cohort(
        capacity=10,
        rules=[
            dict(kind=RuleKind.CAP, attribute=RuleAttribute.SECTOR, value="police", limit=1),
        ],
    )

    police = apply([make_person("EE", sector=Sector.POLICE) for _ in range(2)], cohort)
    rescuers = apply([make_person("EE", sector=Sector.FIRE_RESCUE) for _ in range(3)], cohort)

    assert states(police) == [S.ACCEPTED, S.WAITLISTED]
    assert police[1].skipped_reason == "the places for Police are taken (1 of 1)"
    assert states(rescuers) == [S.ACCEPTED] * 3


def test_capacity_is_the_last_word(make_cohort, make_person):
    cohort = make_cohort(capacity=2)

    enrolments = apply([make_person(c) for c in ("DK", "IS", "NO")], cohort)

    assert states(enrolments) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    assert enrolments[2].skipped_reason == "all places are taken"
    assert PlaceClaim.objects.filter(enrolment__cohort=cohort).count() == 2
    assert events_of(enrolments[2]) == ["waitlisted"]


def test_a_reserved_minimum_holds_a_place_back_until_its_date(make_cohort, make_person, clock):
    reserved_until = clock.now + dt.timedelta(days=10)
    cohort = make_cohort(
        capacity=3,
        rules=[
            dict(
                kind=RuleKind.MINIMUM,
                attribute=RuleAttribute.SECTOR,
                value=Sector.MUNICIPALITY,
                limit=1,
                reserved_until=reserved_until,
            )
        ],
    )

    rescuers = apply([make_person("SE") for _ in range(3)], cohort)

    assert states(rescuers) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    assert rescuers[2].skipped_reason.startswith("the remaining places are reserved")
    assert events_of(rescuers[2]) == ["waitlisted"]

    # Before the date, the held place goes to the first municipal official.
    official = services.enrolment_apply(
        user=make_person("PL", sector=Sector.MUNICIPALITY), cohort=cohort
    )
    assert fresh(official).state == S.ACCEPTED
    assert events_of(official) == ["accepted"]


def test_a_reserved_place_is_released_after_its_date(make_cohort, make_person, clock):
    cohort = make_cohort(
        capacity=3,
        rules=[
            dict(
                kind=RuleKind.MINIMUM,
                attribute=RuleAttribute.SECTOR,
                value=Sector.MUNICIPALITY,
                limit=1,
                reserved_until=clock.now + dt.timedelta(days=10),
            )
        ],
    )
    rescuers = apply([make_person("SE") for _ in range(3)], cohort)
    assert services.waitlist_promote(target=cohort) == []

    clock.advance(days=10, minutes=1)
    offered = services.waitlist_promote(target=cohort)

    assert [e.pk for e in offered] == [rescuers[2].pk]
    assert fresh(rescuers[2]).state == S.OFFERED
    assert events_of(rescuers[2]) == ["waitlisted", "offered"]
    late = services.enrolment_apply(user=make_person("SE"), cohort=cohort)
    assert late.skipped_reason == "all places are taken"


def test_a_minimum_without_a_date_is_held_until_applications_close(make_cohort, make_person, clock):
    cohort = make_cohort(
        capacity=2,
        applications_close_at=clock.now + dt.timedelta(days=3),
        rules=[
            dict(
                kind=RuleKind.MINIMUM,
                attribute=RuleAttribute.SECTOR,
                value=Sector.NGO,
                limit=1,
            )
        ],
    )
    rescuers = apply([make_person("DE") for _ in range(2)], cohort)
    assert states(rescuers) == [S.ACCEPTED, S.WAITLISTED]

    clock.advance(days=3)
    assert [e.pk for e in services.waitlist_promote(target=cohort)] == [rescuers[1].pk]


def test_editing_the_profile_after_applying_does_not_move_the_counts(make_cohort, make_person):
    cohort = make_cohort(capacity=10, country_cap=1)
    mover = make_person("FI")
    enrolment = services.enrolment_apply(user=mover, cohort=cohort)

    profile_update(
        user=mover,
        full_name="Søren Ærø",
        preferred_language="da",
        country="LV",
        organisation_name="Beredskabsstyrelsen",
        sector=Sector.CIVIL_PROTECTION,
        level="national",
    )
    finn = services.enrolment_apply(user=make_person("FI"), cohort=cohort)
    latvian = services.enrolment_apply(user=make_person("LV"), cohort=cohort)

    assert fresh(enrolment).country == "FI"
    assert enrolment.sector == Sector.FIRE_RESCUE
    assert finn.state == S.WAITLISTED
    assert finn.skipped_reason == "the places for Finland are taken (1 of 1)"
    assert latvian.state == S.ACCEPTED


# --- waitlist promotion and offers ------------------------------------------------------------


@pytest.fixture
def full_cohort(make_cohort, make_person):
    """Four places, at most two per country: two Finns and two Latvians hold them."""

    def make(*waiting: str):
        cohort = make_cohort(capacity=4, country_cap=2, offer_hours=72)
        holders = apply([make_person(c) for c in ("FI", "FI", "LV", "LV")], cohort)
        queue = apply([make_person(c) for c in waiting], cohort)
        assert states(holders) == [S.ACCEPTED] * 4
        assert states(queue) == [S.WAITLISTED] * len(queue)
        return cohort, holders, queue

    return make


def test_a_freed_place_goes_to_the_first_person_whose_country_has_room(
    full_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort, holders, (latvian, estonian, finn) = full_cohort("LV", "EE", "FI")

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holders[0], actor=holders[0].user)

    assert states([latvian, estonian, finn]) == [S.WAITLISTED, S.OFFERED, S.WAITLISTED]
    assert fresh(latvian).skipped_reason == "Skipped: the places for Latvia are taken (2 of 2)"
    assert fresh(estonian).offer_expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=72), abs=dt.timedelta(minutes=1)
    )
    assert events_of(holders[0]) == ["accepted", "withdrawn"]
    assert Event.objects.get(name="cohorts.enrolment.withdrawn").payload["freed"] is True
    assert events_of(estonian) == ["waitlisted", "offered"]
    assert events_of(latvian) == ["waitlisted"]
    assert events_of(finn) == ["waitlisted"]
    # The order and the reasons are what staff see.
    assert [e.pk for e in selectors.waitlist_of(cohort)] == [latvian.pk, finn.pk]

    # An open offer holds its place: a newcomer waits.
    newcomer = services.enrolment_apply(user=make_person("SE"), cohort=cohort)
    assert newcomer.state == S.WAITLISTED
    assert newcomer.skipped_reason == "all places are taken"


def test_a_freed_finnish_place_goes_to_the_first_finn_when_the_others_are_full(
    full_cohort, django_capture_on_commit_callbacks
):
    cohort, holders, queue = full_cohort("LV", "LV", "FI", "FI")

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holders[1], actor=holders[1].user)

    assert states(queue) == [S.WAITLISTED, S.WAITLISTED, S.OFFERED, S.WAITLISTED]
    assert [fresh(e).skipped_reason for e in queue[:2]] == [
        "Skipped: the places for Latvia are taken (2 of 2)"
    ] * 2
    assert [events_of(e) for e in queue] == [
        ["waitlisted"],
        ["waitlisted"],
        ["waitlisted", "offered"],
        ["waitlisted"],
    ]


def test_accepting_an_offer(full_cohort, django_capture_on_commit_callbacks):
    cohort, holders, (estonian,) = full_cohort("EE")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holders[2], actor=holders[2].user)
    assert fresh(estonian).state == S.OFFERED

    services.offer_respond(enrolment=estonian, accept=True)

    assert fresh(estonian).state == S.ACCEPTED
    assert estonian.offer_expires_at is None
    assert claims_of(estonian) == 2  # the cohort's place and Estonia's
    assert events_of(estonian) == ["waitlisted", "offered", "accepted"]
    with pytest.raises(CohortsError) as again:
        services.offer_respond(enrolment=estonian, accept=True)
    assert again.value.code == "no_offer"
    assert events_of(estonian) == ["waitlisted", "offered", "accepted"]


def test_declining_an_offer_passes_the_place_on(full_cohort, django_capture_on_commit_callbacks):
    cohort, holders, (latvian, estonian, finn) = full_cohort("LV", "EE", "FI")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holders[0], actor=holders[0].user)
    assert fresh(estonian).state == S.OFFERED

    with django_capture_on_commit_callbacks(execute=True):
        services.offer_respond(enrolment=estonian, accept=False)

    assert fresh(estonian).state == S.WITHDRAWN
    assert estonian.decision_reason == "declined the offer"
    assert claims_of(estonian) == 0
    assert events_of(estonian) == ["waitlisted", "offered", "withdrawn"]
    assert states([latvian, finn]) == [S.WAITLISTED, S.OFFERED]
    assert events_of(finn) == ["waitlisted", "offered"]
    assert Enrolment.objects.filter(cohort=cohort, state__in=[S.ACCEPTED, S.OFFERED]).count() == 4


def test_an_offer_link_accepts_and_then_stops_working(
    full_cohort, django_capture_on_commit_callbacks
):
    cohort, holders, (estonian,) = full_cohort("EE")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holders[0], actor=holders[0].user)
    token = services.offer_token_issue(enrolment=estonian)

    found = services.enrolment_by_token(token)
    services.offer_respond(enrolment=found, accept=True)

    assert fresh(estonian).state == S.ACCEPTED
    assert services.enrolment_by_token(token) is None


# --- offer expiry -----------------------------------------------------------------------------


def test_expired_offers_pass_on_and_open_ones_stay(
    make_cohort, make_person, clock, django_capture_on_commit_callbacks
):
    first = make_cohort(capacity=1, offer_hours=72)
    holder, late, later = apply([make_person(c) for c in ("FI", "LT", "DK")], first)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)
    assert fresh(late).state == S.OFFERED

    clock.advance(hours=24)
    second = make_cohort(capacity=1, offer_hours=72)
    other_holder, other_late = apply([make_person(c) for c in ("NO", "IS")], second)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=other_holder, actor=other_holder.user)
    assert fresh(other_late).state == S.OFFERED

    clock.advance(hours=48, minutes=1)  # 72 hours and a minute after the first offer
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 1

    assert fresh(late).state == S.WITHDRAWN
    assert late.decision_reason == "the offer expired"
    assert claims_of(late) == 0
    assert events_of(late) == ["waitlisted", "offered", "withdrawn"]
    assert fresh(later).state == S.OFFERED
    assert later.offer_expires_at == clock.now + dt.timedelta(hours=72)
    assert events_of(later) == ["waitlisted", "offered"]
    assert fresh(other_late).state == S.OFFERED

    event_count = Event.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 0
    assert Event.objects.count() == event_count
    assert states([late, later, other_late]) == [S.WITHDRAWN, S.OFFERED, S.OFFERED]

    with pytest.raises(CohortsError) as too_late:
        services.offer_respond(enrolment=late, accept=True)
    assert too_late.value.code == "no_offer"


def test_an_offer_past_its_time_cannot_be_accepted_before_the_sweep(
    make_cohort, make_person, clock, django_capture_on_commit_callbacks
):
    cohort = make_cohort(capacity=1, offer_hours=72)
    holder, late = apply([make_person(c) for c in ("FI", "LT")], cohort)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)

    clock.advance(hours=72)
    with pytest.raises(CohortsError) as expired:
        services.offer_respond(enrolment=late, accept=True)

    assert expired.value.code == "offer_expired"
    assert fresh(late).state == S.OFFERED
    assert events_of(late) == ["waitlisted", "offered"]


# --- approval mode ----------------------------------------------------------------------------


def test_an_application_to_an_approval_cohort_waits_for_staff(make_cohort, make_person):
    cohort = make_cohort(capacity=10, country_cap=2, enrolment_mode=EnrolmentMode.APPROVAL)

    enrolment = services.enrolment_apply(user=make_person("FI"), cohort=cohort)

    assert fresh(enrolment).state == S.SUBMITTED
    assert claims_of(enrolment) == 0
    assert events_of(enrolment) == ["submitted"]


def test_bulk_accept_takes_what_fits_and_says_why_the_rest_did_not(make_cohort, make_person, staff):
    cohort = make_cohort(capacity=10, country_cap=2, enrolment_mode=EnrolmentMode.APPROVAL)
    fins = apply([make_person("FI") for _ in range(3)], cohort)
    latvian = services.enrolment_apply(user=make_person("LV"), cohort=cohort)
    everyone = fins + [latvian]

    results = services.enrolment_decide(
        enrolment_ids=[e.pk for e in everyone],
        decision="accept",
        reason="Strong motivation and a clear role in the exercise.",
        actor=staff,
    )

    assert [(r.enrolment.pk, r.ok) for r in results] == [
        (fins[0].pk, True),
        (fins[1].pk, True),
        (fins[2].pk, False),
        (latvian.pk, True),
    ]
    assert results[2].message == "Not accepted: the places for Finland are taken (2 of 2)."
    assert states(everyone) == [S.ACCEPTED, S.ACCEPTED, S.SUBMITTED, S.ACCEPTED]
    assert fresh(fins[0]).decision_reason == "Strong motivation and a clear role in the exercise."
    assert [events_of(e) for e in everyone] == [
        ["submitted", "accepted"],
        ["submitted", "accepted"],
        ["submitted"],
        ["submitted", "accepted"],
    ]
    entries = ModelLogEntry.objects.filter(action="cohorts.enrolment.accept")
    assert sorted(int(e.object_id) for e in entries) == sorted([fins[0].pk, fins[1].pk, latvian.pk])
    assert {e.user_id for e in entries} == {staff.pk}
    assert {e.data["reason"] for e in entries} == {
        "Strong motivation and a clear role in the exercise."
    }


def test_bulk_waitlist_and_reject_with_a_reason(make_cohort, make_person, staff):
    cohort = make_cohort(capacity=10, enrolment_mode=EnrolmentMode.APPROVAL)
    first, second, third = apply([make_person(c) for c in ("DE", "PL", "EU")], cohort)

    waitlisted = services.enrolment_decide(
        enrolment_ids=[first.pk, second.pk], decision="waitlist", reason="Later", actor=staff
    )
    rejected = services.enrolment_decide(
        enrolment_ids=[third.pk, first.pk],
        decision="reject",
        reason="The programme is for national authorities.",
        actor=staff,
    )

    assert [r.ok for r in waitlisted] == [True, True]
    assert [r.ok for r in rejected] == [True, True]
    assert states([first, second, third]) == [S.REJECTED, S.WAITLISTED, S.REJECTED]
    assert fresh(first).waitlist_seq < fresh(second).waitlist_seq
    assert fresh(third).decision_reason == "The programme is for national authorities."
    assert events_of(first) == ["submitted", "waitlisted", "rejected"]
    assert events_of(third) == ["submitted", "rejected"]
    assert ModelLogEntry.objects.filter(action="cohorts.enrolment.reject", user=staff).count() == 2
    assert ModelLogEntry.objects.filter(action="cohorts.enrolment.waitlist").count() == 2


def test_an_unknown_decision_changes_nothing(make_cohort, make_person, staff):
    cohort = make_cohort(capacity=10, enrolment_mode=EnrolmentMode.APPROVAL)
    enrolment = services.enrolment_apply(user=make_person("DE"), cohort=cohort)

    with pytest.raises(CohortsError) as caught:
        services.enrolment_decide(enrolment_ids=[enrolment.pk], decision="maybe", actor=staff)

    assert caught.value.code == "bad_decision"
    assert fresh(enrolment).state == S.SUBMITTED
    assert events_of(enrolment) == ["submitted"]


# --- completion -------------------------------------------------------------------------------


def test_completion_fires_once_when_modules_are_done_and_activities_attended(
    make_cohort, make_person, make_activity, programme, django_capture_on_commit_callbacks
):
    modules = [ModulePageFactory(parent=programme) for _ in range(2)]
    activity = make_activity(capacity=20)
    cohort = make_cohort(capacity=10)
    cohort.modules.set(modules)
    cohort.activities.set([activity])
    cohort.save()
    person = make_person("LT")
    enrolment = services.enrolment_apply(user=person, cohort=cohort)
    registration = services.registration_create(user=person, activity=activity)

    with django_capture_on_commit_callbacks(execute=True):
        for module in modules:
            for step in module.lessons:
                progress_step_complete(user=person, module=module, step_id=step.id)
    assert fresh(enrolment).state == S.ACCEPTED  # the workshop is still to come

    # Check-in at the workshop.
    with django_capture_on_commit_callbacks(execute=True):
        Enrolment.objects.filter(pk=registration.pk).update(attended_at=timezone.now())
        attended = events.emit(
            "programmes.activity.attended",
            key=f"programmes.activity.attended:{person.pk}:{activity.pk}",
            payload={"user_id": person.pk, "activity_id": activity.pk},
        )

    assert fresh(enrolment).state == S.COMPLETED
    completed_at = enrolment.completed_at
    assert completed_at is not None
    assert events_of(enrolment) == ["accepted", "completed"]
    assert ModelLogEntry.objects.filter(action="cohorts.enrolment.complete").count() == 1

    # A second delivery of the same event (and a stray re-run) changes nothing.
    handlers.completion_check(attended)
    handlers.completion_check(attended)
    events.event_dispatch(event_id=attended.pk)
    assert fresh(enrolment).completed_at == completed_at
    assert events_of(enrolment) == ["accepted", "completed"]
    assert Event.objects.filter(name="cohorts.enrolment.completed").count() == 1


def test_modules_alone_do_not_complete_when_an_activity_is_required(
    make_cohort, make_person, make_activity, programme, django_capture_on_commit_callbacks
):
    module = ModulePageFactory(parent=programme)
    cohort = make_cohort(capacity=10, activities_required=1)
    cohort.modules.set([module])
    cohort.activities.set([make_activity(), make_activity()])
    cohort.save()
    person = make_person("LT")
    enrolment = services.enrolment_apply(user=person, cohort=cohort)

    with django_capture_on_commit_callbacks(execute=True):
        for step in module.lessons:
            progress_step_complete(user=person, module=module, step_id=step.id)

    assert fresh(enrolment).state == S.ACCEPTED
    assert events_of(enrolment) == ["accepted"]


# --- activity registrations -------------------------------------------------------------------


def test_an_activity_fills_up_then_waitlists_and_promotes(
    make_activity, make_person, django_capture_on_commit_callbacks
):
    activity = make_activity(capacity=2)
    first, second, third = [
        services.registration_create(user=make_person(c), activity=activity)
        for c in ("LV", "EE", "LT")
    ]

    assert states([first, second, third]) == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    assert third.skipped_reason == "all places are taken"
    assert events_of(third) == ["waitlisted"]
    assert Event.objects.get(name="cohorts.enrolment.waitlisted").payload == {
        "enrolment_id": third.pk,
        "user_id": third.user_id,
        "activity_id": activity.pk,
    }

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=first, actor=first.user)

    assert fresh(third).state == S.OFFERED
    assert third.offer_expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=services.ACTIVITY_OFFER_HOURS),
        abs=dt.timedelta(minutes=1),
    )
    services.offer_respond(enrolment=third, accept=True)
    assert fresh(third).state == S.ACCEPTED
    assert events_of(third) == ["waitlisted", "offered", "accepted"]


def test_places_per_country_on_an_activity(make_activity, make_person):
    activity = make_activity(capacity=10, places_per_country=1)

    latvians = [
        services.registration_create(user=make_person("LV"), activity=activity) for _ in range(2)
    ]
    estonian = services.registration_create(user=make_person("EE"), activity=activity)

    assert states(latvians + [estonian]) == [S.ACCEPTED, S.WAITLISTED, S.ACCEPTED]
    assert latvians[1].skipped_reason == "the places for Latvia are taken (1 of 1)"


def test_registering_twice_is_refused(make_activity, make_person):
    activity = make_activity(capacity=10)
    person = make_person("LV")
    services.registration_create(user=person, activity=activity)

    with pytest.raises(CohortsError) as caught:
        services.registration_create(user=person, activity=activity)

    assert caught.value.code == "duplicate"
    assert Enrolment.objects.filter(activity=activity).count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"registration_closes_at": timezone.now() - dt.timedelta(hours=1)},
            "Registration for this activity has closed.",
        ),
        (
            {"registration_opens_at": timezone.now() + dt.timedelta(days=1)},
            "Registration for this activity has not opened yet.",
        ),
        (
            {
                "starts_at": timezone.now() - dt.timedelta(days=3),
                "ends_at": timezone.now() - dt.timedelta(days=2),
            },
            "This activity has already taken place.",
        ),
        (
            {
                "starts_at": timezone.now() - dt.timedelta(hours=1),
                "ends_at": timezone.now() + dt.timedelta(days=2),
            },
            "Registration closed when the activity started.",
        ),
    ],
    ids=["closed", "not-yet-open", "over", "started-without-a-window"],
)
def test_registration_outside_the_window_is_refused(make_activity, make_person, fields, message):
    activity = make_activity(capacity=10, **fields)
    person = make_person("LV")

    with pytest.raises(CohortsError) as caught:
        services.registration_create(user=person, activity=activity)

    assert caught.value.code == "closed"
    assert caught.value.message == message
    assert not Enrolment.objects.filter(user=person).exists()
    assert not Event.objects.filter(name__startswith="cohorts.").exists()


def test_an_activity_for_some_sectors_says_which(make_activity, make_person):
    activity = make_activity(sectors=[Sector.POLICE, Sector.BORDER_GUARD])

    with pytest.raises(CohortsError) as caught:
        services.registration_create(user=make_person("LV"), activity=activity)

    assert caught.value.code == "not_eligible"
    assert caught.value.message == (
        "This activity is for: Police, Border guard. Your profile's sector is not one of them."
    )
    guard = services.registration_create(
        user=make_person("LV", sector=Sector.BORDER_GUARD), activity=activity
    )
    assert guard.state == S.ACCEPTED


def test_an_activity_with_an_age_band(make_activity, make_person):
    # The exercise starts on 15 January 2030 (see the activity builder).
    activity = make_activity(min_age=18, max_age=30, sectors=[Sector.YOUTH])

    def register(born):
        person = make_person("EE", sector=Sector.YOUTH, date_of_birth=born)
        return services.registration_create(user=person, activity=activity)

    with pytest.raises(CohortsError) as young:
        register(dt.date(2012, 1, 16))  # 17 on the first day
    with pytest.raises(CohortsError) as old:
        register(dt.date(1999, 1, 14))  # 31 the day before
    with pytest.raises(CohortsError) as unknown:
        register(None)

    assert (young.value.code, young.value.message) == (
        "not_eligible",
        "This activity is for ages 18+.",
    )
    assert (old.value.code, old.value.message) == (
        "not_eligible",
        "This activity is for ages up to 30.",
    )
    assert unknown.value.code == "profile_incomplete"
    assert "date of birth" in unknown.value.message
    assert register(dt.date(2012, 1, 15)).state == S.ACCEPTED  # 18 that very day
    assert Enrolment.objects.filter(activity=activity).count() == 1
