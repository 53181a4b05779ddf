"""The kernel's side of guardian consent: e-mails to addresses that can never receive mail are
kept as suppressed and never sent; asking for consent needs a guardian's working address; the
latest consent per subject; damaged and unknown links answer in words."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from lms.consent.services import consent_cancel, consent_request, consent_states
from lms.errors import LmsError
from lms.mail.services import email_queue, email_send, email_sweep
from lms.models import (
    ConsentPurpose,
    ConsentState,
    ConsentToken,
    GuardianConsent,
    OutgoingEmail,
    User,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MEMBER = "member-3f9a1c0d2b7e4a61@members.invalid"


def _queue(recipient: str, reason: str = "test:suppressed") -> OutgoingEmail:
    return email_queue(
        recipient=recipient,
        reason=reason,
        subject="Tere, Õie Täht",
        template="lms.user.registered",
        context={"user": User(email=recipient), "name": "Õie Täht"},
    )


# --- suppressed e-mail ------------------------------------------------------------------------


def test_mail_to_an_address_that_cannot_receive_it_is_kept_but_never_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            suppressed = _queue(MEMBER)
            delivered = _queue("oie.taht@example.ee")

    suppressed.refresh_from_db()
    assert suppressed.status == OutgoingEmail.Status.SUPPRESSED
    assert suppressed.body_text  # the row keeps what would have been said
    assert [message.to for message in mail.outbox] == [["oie.taht@example.ee"]]
    delivered.refresh_from_db()
    assert delivered.status == OutgoingEmail.Status.SENT

    # Neither a direct send nor the sweeper ever hands it to the mail server.
    email_send(email_id=suppressed.pk)
    OutgoingEmail.objects.filter(pk=suppressed.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert email_sweep() == 0
    suppressed.refresh_from_db()
    assert suppressed.status == OutgoingEmail.Status.SUPPRESSED
    assert suppressed.attempts == 0
    assert len(mail.outbox) == 1


def test_a_pending_row_for_an_undeliverable_address_is_suppressed_when_sending(settings):
    # E.g. a person erased after the e-mail was queued: their address became undeliverable.
    email = _queue("jolanta@example.pl")
    OutgoingEmail.objects.filter(pk=email.pk).update(recipient="erased-77@people.invalid")

    email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SUPPRESSED
    assert mail.outbox == []


def test_addresses_under_invalid_are_suppressed_in_any_case():
    assert _queue("Member-AB@Members.INVALID").status == OutgoingEmail.Status.SUPPRESSED
    assert _queue("someone@invalid.example.org").status == OutgoingEmail.Status.PENDING


# --- asking for consent -----------------------------------------------------------------------


@pytest.fixture
def young():
    return UserFactory(email=MEMBER, profile__full_name="Žydrūnas Šimkus", profile__country="LT")


@pytest.mark.parametrize("address", ["", "   ", "not an address", "parent@family.invalid"])
def test_asking_without_a_working_guardian_address_is_refused_and_changes_nothing(young, address):
    with pytest.raises(LmsError) as refused:
        with transaction.atomic():
            consent_request(
                person=young,
                purpose=ConsentPurpose.ACTIVITY,
                subject_key="enrolment:999",
                subject_title="Baltic Youth Exchange",
                guardian_email=address,
            )
    assert refused.value.code == "guardian_email_missing"
    assert "Žydrūnas Šimkus is a minor and has no guardian e-mail address" in refused.value.message
    assert not GuardianConsent.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_a_request_stores_only_the_digest_of_a_256_bit_link(young):
    with transaction.atomic():
        consent = consent_request(
            person=young,
            purpose=ConsentPurpose.ACTIVITY,
            subject_key="enrolment:41",
            subject_title="Baltic Youth Exchange",
            guardian_email="  Rasa.Simkiene@Example.LT ",
            guardian_name="Rasa  Šimkienė",
        )
    assert consent.state == ConsentState.PENDING
    assert consent.guardian_email == "rasa.simkiene@example.lt"
    assert consent.guardian_name == "Rasa Šimkienė"
    [token] = consent.tokens.all()
    assert token.action == ConsentToken.Action.DECIDE
    assert len(token.digest) == 64 and token.used_at is None
    [email] = OutgoingEmail.objects.filter(recipient="rasa.simkiene@example.lt")
    link = email.body_text.split("/consent/")[1].split("/")[0]
    assert len(link) == 43  # secrets.token_urlsafe(32): 256 bits
    assert token.digest not in email.body_text


def test_the_latest_consent_per_subject(young):
    def ask(key):
        with transaction.atomic():
            return consent_request(
                person=young,
                purpose=ConsentPurpose.ACTIVITY,
                subject_key=key,
                subject_title="Exchange",
                guardian_email="rasa@example.lt",
            )

    first = ask("enrolment:1")
    assert consent_cancel(subject_key="enrolment:1") == 1
    assert consent_cancel(subject_key="enrolment:1") == 0
    second = ask("enrolment:1")
    other = ask("enrolment:2")

    states = consent_states(["enrolment:1", "enrolment:2", "enrolment:3", "enrolment:1"])

    assert states == {"enrolment:1": second, "enrolment:2": other}
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.state == ConsentState.CANCELLED
    assert consent_states([]) == {}


def test_unknown_and_damaged_links_answer_in_words(client):
    unknown = client.get("/consent/" + "x" * 43 + "/")
    assert unknown.status_code == 404
    assert "no consent request has this link" in unknown.content.decode()
    damaged = client.get("/consent/" + "ā" * 300 + "/")
    assert damaged.status_code == 400
    assert "incomplete or damaged" in damaged.content.decode()
    assert damaged["Referrer-Policy"] == "same-origin"
