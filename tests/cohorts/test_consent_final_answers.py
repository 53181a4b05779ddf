"""What the guardian's pages and e-mails promise after a refusal or a withdrawal is what the
group's leader can then do: the answer is final for that activity."""

import pytest
from django.test import Client

from cohorts.models import Enrolment, EnrolmentState
from lms.models import OutgoingEmail
from tests.cohorts.groups_builders import consent_token
from tests.cohorts.test_groups_views import book, main_text
from tests.lms.minors import guardian_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def elza(group, exchange, add_member):
    minor = add_member(group, first="Elza", family="Liepiņa", age=14)
    adult = add_member(group, first="Mārtiņš", family="Ozols", age=35, guardian=False)
    book(group, exchange, [minor, adult])
    return minor


def test_after_a_refusal_the_guardian_is_not_promised_a_new_booking(client, group, exchange, elza):
    done = guardian_answers(client, consent_token(elza.guardian_email), "refuse")

    text = main_text(done)
    assert "Your answer is recorded: no consent" in text
    # The place cannot be booked again for Elza (one place per person and activity) ...
    leader = Client()
    leader.force_login(group.leaders.get())
    again = leader.post(
        f"/groups/{group.pk}/book/",
        {"target": f"activity:{exchange.pk}", "members": [str(elza.pk)], "mode": "all"},
        follow=True,
    )
    assert "cannot be booked again" in main_text(again)
    assert Enrolment.objects.get(user=elza.person).state == EnrolmentState.WITHDRAWN
    # ... so the guardian's page says so, instead of promising that a new booking asks again.
    assert "a new booking would ask you again" not in text
    assert f"Elza Liepiņa cannot be booked for {exchange.title} again" in text
    (email,) = OutgoingEmail.objects.filter(reason__startswith="lms.consent.refused:")
    assert "a new booking would ask you again" not in email.body_text
    assert f"Elza Liepiņa cannot be booked for {exchange.title} again" in email.body_text


def test_the_consent_page_says_a_refusal_is_final_before_the_guardian_answers(client, elza):
    page = main_text(client.get(f"/consent/{consent_token(elza.guardian_email)}/"))

    assert "If you do not consent" in page
    assert "this answer is final for" in page


def test_the_withdrawal_page_says_the_place_cannot_be_booked_again(client, exchange, elza):
    guardian_answers(client, consent_token(elza.guardian_email), "give")
    withdraw = client.get(f"/consent/{consent_token(elza.guardian_email)}/")

    text = main_text(withdraw)
    assert "Withdraw your consent for Elza Liepiņa" in text
    assert "a new booking would need your consent again" not in text
    assert f"Elza Liepiņa cannot be booked for {exchange.title} again" in text

    done = client.post(
        withdraw.request["PATH_INFO"],
        {"decision": "withdraw", "consent": withdraw.context["consent"].pk},
        follow=True,
    )
    assert "Consent withdrawn" in main_text(done)
    assert f"Elza Liepiņa cannot be booked for {exchange.title} again" in main_text(done)
    assert Enrolment.objects.get(user=elza.person).state == EnrolmentState.WITHDRAWN
