"""Group bookings through the one place service: minors held until a guardian consents, adults
confirmed; the adult-to-minor ratio; all-or-nothing against partial over capacity; the group's
country share; duplicates; cancelling frees the place and stops the consent link."""

import pytest

from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.models import Enrolment, EnrolmentSource, EnrolmentState
from cohorts.places.services import registration_create
from lms.models import ConsentState, GuardianConsent, OutgoingEmail
from tests.cohorts import groups_builders as builders
from tests.cohorts.conftest import claims_of, events_of
from tests.cohorts.groups_builders import give_consent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def book(group, target, members, *, mode="all", actor=None, **kwargs):
    return groups.group_book(
        actor=actor or group.leaders.first(),
        group=group,
        target=target,
        member_ids=[m.pk for m in members],
        mode=mode,
        **kwargs,
    )


def places(target, **filters):
    return Enrolment.objects.filter(activity=target, **filters)


def test_minors_are_held_pending_consent_and_adults_confirmed(group, exchange, add_members):
    minors, adults = add_members(group, minors=2, adults=1)

    result = book(group, exchange, minors + adults, care_notes={minors[0].pk: "Nut allergy"})

    assert [o.status for o in result.outcomes] == ["pending_consent", "pending_consent", "accepted"]
    held = places(exchange, state=EnrolmentState.PENDING_CONSENT)
    assert held.count() == 2
    for enrolment in places(exchange):
        assert enrolment.source == EnrolmentSource.GROUP
        assert enrolment.group == group
        assert enrolment.country.code == "LV"
        assert claims_of(enrolment) == 2  # the activity's places and Latvia's share
    assert events_of(held.first()) == ["pending_consent"]
    assert events_of(places(exchange, state=EnrolmentState.ACCEPTED).get()) == ["accepted"]
    assert places(exchange, user=minors[0].person).get().care_notes == "Nut allergy"
    # Each guardian is asked by e-mail, with a link of their own.
    for minor in minors:
        consent = GuardianConsent.objects.get(person=minor.person)
        assert consent.state == ConsentState.PENDING
        assert consent.guardian_email == minor.guardian_email
        assert OutgoingEmail.objects.filter(recipient=minor.guardian_email).count() == 1


def test_a_member_without_an_account_is_booked_and_confirmed_by_consent(
    group, exchange, add_members
):
    minors, adults = add_members(group, minors=1, adults=1)
    minor = minors[0]
    assert minor.person.email.endswith(".invalid")

    book(group, exchange, minors + adults)
    give_consent(minor)

    enrolment = places(exchange, user=minor.person).get()
    assert enrolment.state == EnrolmentState.ACCEPTED
    assert events_of(enrolment) == ["pending_consent", "accepted"]


def test_eight_minors_per_adult_is_enough(group, exchange, add_members):
    minors, adults = add_members(group, minors=8, adults=1)

    result = book(group, exchange, minors + adults)

    assert len(result.booked) == 9


def test_nine_minors_need_two_adults_and_nothing_is_booked(group, exchange, add_members):
    minors, adults = add_members(group, minors=9, adults=1)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, minors + adults)

    assert error.value.code == "ratio"
    assert "9 minors need at least 2 adults; 1 adult chosen — add 1 more adult" in (
        error.value.message
    )
    assert not places(exchange).exists()
    assert not GuardianConsent.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_the_ratio_counts_what_the_group_already_holds(group, exchange, add_members, add_member):
    minors, adults = add_members(group, minors=8, adults=1)
    book(group, exchange, minors + adults)
    one_more = add_member(group, first="Roberts", age=15)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, [one_more])

    assert "9 minors (counting 8 already booked) need at least 2 adults" in error.value.message
    another_adult = add_member(group, first="Inese", age=40, guardian=False)
    result = book(group, exchange, [one_more, another_adult])
    assert len(result.booked) == 2


def test_the_ratio_holds_in_a_partial_booking_too(group, exchange, add_members):
    """Partial booking cannot leave minors without their adults: the ratio is checked over who
    would actually get a place."""
    exchange.places_per_country = None
    exchange.capacity = 9
    exchange.save()
    minors, adults = add_members(group, minors=9, adults=2)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, minors + adults, mode="partial")

    assert "9 minors need at least 2 adults; 0 adults would have a place" in error.value.message
    assert not places(exchange).exists()


def test_all_or_nothing_refuses_everything_and_says_how_many_places_are_left(
    group, exchange, add_members
):
    exchange.capacity = 5
    exchange.save()
    minors, adults = add_members(group, minors=5, adults=1)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, adults + minors, mode="all")

    assert error.value.code == "no_place"
    assert "Only 5 places are left for your group" in error.value.message
    assert "you chose 6 members" in error.value.message
    assert "Nothing was booked" in error.value.message
    assert not places(exchange).exists()


def test_partial_books_those_who_fit_in_list_order_and_says_who_not(group, exchange, add_members):
    exchange.capacity = 5
    exchange.save()
    minors, adults = add_members(group, minors=5, adults=1)

    result = book(group, exchange, adults + minors, mode="partial")

    booked = [o.member for o in result.booked]
    assert booked == adults + minors[:4]
    left_out = result.of("not_booked")
    assert [o.member for o in left_out] == [minors[4]]
    assert "all places are taken" in left_out[0].message
    assert minors[4].full_name in result.summary()
    assert places(exchange).count() == 5


def test_the_group_counts_against_its_countrys_share(
    group, exchange, add_members, make_group, other_leader, add_member
):
    """Latvia has 12 places; a Latvian who registered alone takes one of them."""
    loner = UserFactory(profile__country="LV")
    registration_create(user=loner, activity=exchange)
    minors, adults = add_members(group, minors=10, adults=2)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, adults + minors)
    assert "Only 11 places are left" in error.value.message
    assert "the places for Latvia are taken (12 of 12)" in error.value.message

    # A Swedish group is not held back by Latvia's share.
    swedes = make_group(other_leader, name="Sjöscoutkåren Ägir", country="SE")
    swedish = [add_member(swedes, first="Saga", age=15), add_member(swedes, age=40, guardian=False)]
    assert len(book(swedes, exchange, swedish).booked) == 2
    assert places(exchange, country="SE").count() == 2


def test_a_group_booking_of_a_cohort_respects_its_country_cap(
    group, add_members, make_cohort, exchange
):
    cohort = make_cohort(country_cap=2, capacity=10)
    minors, adults = add_members(group, minors=2, adults=1)

    result = book(group, cohort, adults + minors, mode="partial")

    assert len(result.booked) == 2
    assert "the places for Latvia are taken (2 of 2)" in result.of("not_booked")[0].message
    assert Enrolment.objects.filter(cohort=cohort, group=group).count() == 2


def test_an_already_booked_member_is_reported_and_not_booked_twice(group, exchange, add_members):
    minors, adults = add_members(group, minors=1, adults=1)
    book(group, exchange, minors + adults)

    result = book(group, exchange, minors + adults)

    assert [o.status for o in result.outcomes] == ["already", "already"]
    assert "already has a place" in result.outcomes[0].message
    assert places(exchange).count() == 2
    assert GuardianConsent.objects.count() == 1


def test_members_of_another_group_cannot_be_booked(
    group, exchange, add_member, make_group, other_leader
):
    theirs = make_group(other_leader, name="Sjöscoutkåren Ägir", country="SE")
    stranger = add_member(theirs, first="Saga", age=40, guardian=False)

    with pytest.raises(CohortsError, match="not in this group"):
        book(group, exchange, [stranger])
    with pytest.raises(CohortsError, match="Only the group's leaders"):
        book(group, exchange, [], actor=other_leader)
    assert not places(exchange).exists()


def test_closed_registration_and_age_limits_are_checked_per_member(
    group, exchange, add_member, clock
):
    exchange.min_age = 12
    exchange.save()
    young = add_member(group, first="Līva", age=11)
    adult = add_member(group, first="Mārtiņš", age=35, guardian=False)

    with pytest.raises(CohortsError) as error:
        book(group, exchange, [young, adult])
    assert "is under 12 on the first day" in error.value.message
    result = book(group, exchange, [young, adult], mode="partial")
    assert [o.status for o in result.outcomes] == ["not_booked", "accepted"]

    clock.now = exchange.starts_at
    with pytest.raises(CohortsError, match="Registration closed when the activity started"):
        book(group, exchange, [young])


def test_cancelling_frees_the_place_and_the_consent_link(
    group, exchange, add_members, django_capture_on_commit_callbacks
):
    exchange.capacity = 2
    exchange.save()
    minors, adults = add_members(group, minors=1, adults=1)
    book(group, exchange, minors + adults)
    enrolment = places(exchange, user=minors[0].person).get()
    waiting = UserFactory(profile__country="SE")
    waitlisted = registration_create(user=waiting, activity=exchange)
    assert waitlisted.state == EnrolmentState.WAITLISTED

    with django_capture_on_commit_callbacks(execute=True):
        message = groups.group_booking_cancel(
            actor=group.leaders.first(), group=group, enrolment_id=enrolment.pk
        )

    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.WITHDRAWN
    assert claims_of(enrolment) == 0
    assert "cancelled and the place freed" in message
    assert GuardianConsent.objects.get(person=minors[0].person).state == ConsentState.CANCELLED
    # The freed place went to the next person waiting (the withdrawn event's handler).
    waitlisted.refresh_from_db()
    assert waitlisted.state == EnrolmentState.OFFERED
    with pytest.raises(CohortsError, match="already cancelled"):
        groups.group_booking_cancel(
            actor=group.leaders.first(), group=group, enrolment_id=enrolment.pk
        )


def test_cancelling_an_adult_warns_when_the_minors_lack_adults(
    group, exchange, add_members, add_member
):
    minors, adults = add_members(group, minors=3, adults=1)
    book(group, exchange, minors + adults)
    enrolment = places(exchange, user=adults[0].person).get()

    message = groups.group_booking_cancel(
        actor=group.leaders.first(), group=group, enrolment_id=enrolment.pk
    )

    assert "3 minors booked now need at least 1 adult" in message
    # Booking another adult puts it right (adults alone are never refused for the ratio).
    stand_in = add_member(group, first="Inese", age=40, guardian=False)
    assert len(book(group, exchange, [stand_in]).booked) == 1


def test_a_member_with_a_booking_cannot_be_removed(group, exchange, add_members):
    minors, adults = add_members(group, minors=1, adults=1)
    book(group, exchange, minors + adults)

    with pytest.raises(CohortsError) as error:
        groups.member_remove(actor=group.leaders.first(), group=group, member_id=minors[0].pk)

    assert "Cancel the booking first" in error.value.message
    assert group.members.count() == 2


def test_another_leader_cannot_cancel_or_resend(
    group, exchange, add_members, other_leader, make_group
):
    minors, adults = add_members(group, minors=1, adults=1)
    book(group, exchange, minors + adults)
    enrolment = places(exchange, user=minors[0].person).get()
    theirs = make_group(other_leader, name="Sjöscoutkåren Ägir", country="SE")

    with pytest.raises(CohortsError, match="Only the group's leaders"):
        groups.group_booking_cancel(actor=other_leader, group=group, enrolment_id=enrolment.pk)
    with pytest.raises(CohortsError, match="not one of this group's"):
        groups.group_booking_cancel(actor=other_leader, group=theirs, enrolment_id=enrolment.pk)
    with pytest.raises(CohortsError, match="not one of this group's"):
        groups.group_consent_resend(actor=other_leader, group=theirs, enrolment_id=enrolment.pk)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.PENDING_CONSENT


def test_resending_sends_a_fresh_link_and_a_new_guardian_address_gets_the_request(
    group, exchange, add_members
):
    minors, adults = add_members(group, minors=1, adults=1)
    minor = minors[0]
    book(group, exchange, minors + adults)
    enrolment = places(exchange, user=minor.person).get()
    leader = group.leaders.first()

    message = groups.group_consent_resend(actor=leader, group=group, enrolment_id=enrolment.pk)
    assert minor.guardian_email in message
    assert OutgoingEmail.objects.filter(recipient=minor.guardian_email).count() == 2

    data = builders.member_data(minor.first_name, minor.family_name, age=14)
    data.birth_year = minor.birth_year
    data.guardian_email = "ieva.erglis@example.lv"
    groups.member_update(actor=leader, group=group, member_id=minor.pk, data=data)

    consent = GuardianConsent.objects.filter(person=minor.person).order_by("-pk").first()
    assert consent.state == ConsentState.PENDING
    assert consent.guardian_email == "ieva.erglis@example.lv"
    assert OutgoingEmail.objects.filter(recipient="ieva.erglis@example.lv").count() == 1
    # Birth details cannot change under a booked place.
    data.birth_year -= 1
    with pytest.raises(CohortsError, match="birth details cannot change"):
        groups.member_update(actor=leader, group=group, member_id=minor.pk, data=data)


def test_a_closed_cohort_or_approval_cohort_takes_no_group_booking(group, add_members, make_cohort):
    minors, adults = add_members(group, minors=0, adults=1)
    approval = make_cohort(enrolment_mode="approval")

    with pytest.raises(CohortsError, match="does not take group bookings"):
        book(group, approval, adults)


def test_a_group_cannot_change_country_while_it_holds_places(group, exchange, add_members):
    _, adults = add_members(group, adults=1)
    book(group, exchange, adults)
    data = groups.GroupData(
        name=group.name, organisation=group.organisation, country="EE", kind=group.kind
    )

    with pytest.raises(CohortsError, match="count for Latvia"):
        groups.group_update(actor=group.leaders.first(), group=group, data=data)
    group.refresh_from_db()
    assert group.country.code == "LV"
