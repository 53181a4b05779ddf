"""After a refusal or a withdrawal the place is released, and what the guardian is told is what
then happens: the group's leader can book the young person again while places are left, a new
place with a new consent request, and the ended one stays as it was."""

import pytest
from django.test import Client

from cohorts.models import Enrolment, EnrolmentState
from lms.events import event_dispatch
from lms.models import ConsentState, Event, GuardianConsent, OutgoingEmail
from tests.cohorts.groups.test_groups_views import book, main_text
from tests.cohorts.groups_builders import co_lead, consent_token
from tests.lms.minors import guardian_answers

pytestmark = pytest.mark.django_db


def drain_events() -> None:
    """Each consent event handled (again): the handlers' deliveries are recorded once."""
    for event in Event.objects.filter(name__startswith="lms.consent."):
        event_dispatch(event_id=event.pk)


@pytest.fixture
def elza(group, exchange, add_member):
    # Her guardian reads English (the group's country alone would make it Latvian).
    minor = add_member(group, first="Elza", family="Liepiņa", age=14, guardian_language="en")
    adult = add_member(group, first="Mārtiņš", family="Ozols", age=35, guardian=False)
    book(group, exchange, [minor, adult])
    return minor


def book_again(group, exchange, member):
    leader = Client()
    leader.force_login(group.leaders.get())
    return leader.post(
        f"/groups/{group.pk}/book/",
        {"target": f"activity:{exchange.pk}", "members": [str(member.pk)], "mode": "all"},
        follow=True,
    )


def test_after_a_refusal_the_leader_books_again_and_the_guardian_is_asked_again(
    client, group, exchange, elza, django_capture_on_commit_callbacks
):
    done = guardian_answers(client, consent_token(elza.guardian_email), "refuse")
    text = main_text(done)
    assert "Your answer is recorded: no consent" in text
    assert "they can book Elza Liepiņa again while places are left" in text
    (email,) = OutgoingEmail.objects.filter(reason__startswith="lms.consent.refused:")
    assert "they can book Elza Liepiņa again while places are left" in email.body_text
    first = Enrolment.objects.get(user=elza.person)
    assert first.state == EnrolmentState.WITHDRAWN

    with django_capture_on_commit_callbacks(execute=True):
        again = book_again(group, exchange, elza)

    assert "cannot be booked" not in main_text(again)
    # The group page shows Elza once, with the new place; the ended one is history.
    assert main_text(again).count("Cancel booking of Elza Liepiņa") == 1
    assert "Refused by the guardian" not in main_text(again)
    assert "2 places booked" in main_text(again)
    places = list(Enrolment.objects.filter(user=elza.person, activity=exchange).order_by("pk"))
    assert [p.state for p in places] == [EnrolmentState.WITHDRAWN, EnrolmentState.PENDING_CONSENT]
    consents = GuardianConsent.objects.filter(person=elza.person).order_by("pk")
    assert [c.state for c in consents] == [ConsentState.REFUSED, ConsentState.PENDING]
    # The new request works: the guardian now consents and the new place is confirmed.
    guardian_answers(Client(), consent_token(elza.guardian_email), "give")
    places[1].refresh_from_db()
    assert places[1].state == EnrolmentState.ACCEPTED
    first.refresh_from_db()
    assert first.state == EnrolmentState.WITHDRAWN  # the ended place stays as it was
    # Booking once more while the place is live is refused: one live place per person.
    twice = book_again(group, exchange, elza)
    assert "Elza Liepiņa already has a place" in main_text(twice)
    assert Enrolment.objects.filter(user=elza.person, activity=exchange).count() == 2


def test_the_consent_page_says_what_a_refusal_does_before_the_guardian_answers(client, elza):
    page = main_text(client.get(f"/consent/{consent_token(elza.guardian_email)}/"))

    assert "If you do not consent" in page
    assert "the place is not kept for them" in page


def test_after_a_withdrawal_the_guardian_is_told_a_new_booking_is_possible(client, exchange, elza):
    guardian_answers(client, consent_token(elza.guardian_email), "give")
    withdraw = client.get(f"/consent/{consent_token(elza.guardian_email)}/")

    text = main_text(withdraw)
    assert "Withdraw your consent for Elza Liepiņa" in text
    assert "the group's leader can book Elza Liepiņa again while places are left" in text

    done = client.post(
        withdraw.request["PATH_INFO"],
        {"decision": "withdraw", "consent": withdraw.context["consent"].pk},
        follow=True,
    )
    assert "Consent withdrawn" in main_text(done)
    assert "they can book Elza Liepiņa again while places are left" in main_text(done)
    assert Enrolment.objects.get(user=elza.person).state == EnrolmentState.WITHDRAWN


def test_the_leaders_are_told_when_a_guardian_refuses(
    client, group, exchange, elza, other_leader, django_capture_on_commit_callbacks
):
    co_lead(actor=group.leaders.get(), group=group, email=other_leader.email)

    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(client, consent_token(elza.guardian_email), "refuse")
    with django_capture_on_commit_callbacks(execute=True):
        drain_events()

    told = OutgoingEmail.objects.filter(reason__startswith="cohorts.group.consent_refused:")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        group.leaders.values_list("email", flat=True)
    )
    email = told.first()
    assert "Elza Liepiņa's guardian did not consent" in email.subject
    assert "Elza Liepiņa's place, booked by Cēsu jaunie glābēji, has been released" in (
        " ".join(email.body_text.split())
    )


def test_the_leader_is_told_when_a_guardian_withdraws(
    client, group, exchange, elza, django_capture_on_commit_callbacks
):
    guardian_answers(client, consent_token(elza.guardian_email), "give")
    withdraw = client.get(f"/consent/{consent_token(elza.guardian_email)}/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            withdraw.request["PATH_INFO"],
            {"decision": "withdraw", "consent": withdraw.context["consent"].pk},
        )
    with django_capture_on_commit_callbacks(execute=True):
        drain_events()
        drain_events()  # a second run sends nothing more

    (email,) = OutgoingEmail.objects.filter(reason__startswith="cohorts.group.consent_withdrawn:")
    assert email.recipient == group.leaders.get().email
    assert "withdrew consent" in email.subject
