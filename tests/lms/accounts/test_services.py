"""Kernel services: registering people, profiles, the welcome e-mail and the e-mail outbox."""

import pytest
from django.core import mail
from django.db import transaction

from lms import events
from lms.accounts.handlers import welcome_email_send
from lms.accounts.services import profile_update, user_register
from lms.errors import LmsError
from lms.mail.services import email_queue, email_send, email_sweep
from lms.models import Delivery, Event, Organisation, OutgoingEmail, User

pytestmark = pytest.mark.django_db

NAMES = ["Jānis Bērziņš", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska", "Søren Ærø", "Õie Täht"]


def test_register_creates_account_profile_and_emits_registered(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(
            email="Janis.Berzins@Example.LV",
            password="Correct-Horse-42",
            full_name="  Jānis   Bērziņš ",
            country="LV",
            preferred_language="lv",
        )

    assert user.email == "janis.berzins@example.lv"
    assert user.check_password("Correct-Horse-42")
    assert user.profile.full_name == "Jānis Bērziņš"
    assert user.profile.country.code == "LV"
    assert (user.first_name, user.last_name) == ("Jānis", "Bērziņš")
    event = Event.objects.get(name="lms.user.registered")
    assert event.payload == {"user_id": user.pk}
    assert event.key == f"lms.user.registered:{user.pk}"
    # The handler ran after commit and the e-mail went out through the outbox.
    email = OutgoingEmail.objects.get(recipient=user.email)
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1
    assert "Jānis Bērziņš" in mail.outbox[0].body
    assert mail.outbox[0].alternatives, "an HTML part is attached"


def test_register_refuses_duplicate_email_in_any_case_and_changes_nothing():
    user_register(email="soren@example.dk", password="Correct-Horse-42", full_name="Søren Ærø")
    with pytest.raises(LmsError) as error:
        user_register(email="SOREN@example.dk", password="Other-Horse-43", full_name="Someone")

    assert error.value.code == "email_taken"
    assert User.objects.filter(email__iexact="soren@example.dk").count() == 1
    assert Event.objects.filter(name="lms.user.registered").count() == 1


@pytest.mark.parametrize("name", NAMES)
def test_profile_update_round_trips_diacritics_and_resolves_organisation(user, name):
    profile = profile_update(
        user=user,
        full_name=name,
        preferred_language="pl",
        country="PL",
        organisation_name="Państwowa Straż Pożarna",
        sector="fire_rescue",
        level="national",
        date_of_birth=None,
        gender="",
    )
    again = profile_update(
        user=user,
        full_name=name,
        preferred_language="pl",
        country="PL",
        organisation_name="państwowa straż  pożarna",
        sector="fire_rescue",
        level="national",
    )

    profile.refresh_from_db()
    assert profile.full_name == name
    assert again.organisation_id == profile.organisation_id
    assert Organisation.objects.filter(country="PL").count() == 1
    assert profile.organisation.name == "Państwowa Straż Pożarna"
    user.refresh_from_db()
    assert user.get_full_name() == name


def test_welcome_handler_run_twice_queues_one_email(user):
    event = events.emit("lms.user.registered", key="welcome-test", payload={"user_id": user.pk})

    welcome_email_send(event)
    welcome_email_send(event)

    assert OutgoingEmail.objects.filter(recipient=user.email).count() == 1
    email = OutgoingEmail.objects.get(recipient=user.email)
    assert email.reason == f"welcome:{user.pk}"
    assert user.profile.full_name in email.body_text
    assert user.profile.full_name in email.body_html


def test_welcome_handler_for_deleted_user_does_nothing(user):
    event = events.emit("lms.user.registered", key="gone", payload={"user_id": user.pk})
    user.delete()
    welcome_email_send(event)
    assert not OutgoingEmail.objects.exists()


def test_registered_event_dispatch_twice_sends_one_email(user, django_capture_on_commit_callbacks):
    event = events.emit("lms.user.registered", key="twice", payload={"user_id": user.pk})
    with django_capture_on_commit_callbacks(execute=True):
        events.event_dispatch(event_id=event.pk)
        events.event_dispatch(event_id=event.pk)
    assert Delivery.objects.filter(event=event, status=Delivery.Status.DONE).count() == 1
    assert len(mail.outbox) == 1


def _queue(recipient="oie@example.ee", reason="test:1"):
    return email_queue(
        recipient=recipient,
        reason=reason,
        subject="Tere, Õie Täht",
        template="lms.user.registered",
        context={"user": User(email=recipient), "name": "Õie Täht"},
    )


def test_email_queue_is_one_row_per_recipient_and_reason(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = _queue()
            second = _queue()
        with transaction.atomic():
            other_reason = _queue(reason="test:2")

    assert first.pk == second.pk
    assert other_reason.pk != first.pk
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject == "Tere, Õie Täht"


def test_email_send_skips_rows_already_sent():
    email = _queue()
    email_send(email_id=email.pk)
    email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 1
    assert len(mail.outbox) == 1


def test_email_failure_is_kept_and_retried_by_the_sweeper(settings):
    from datetime import timedelta

    from django.utils import timezone

    email = _queue()
    settings.EMAIL_BACKEND = "tests.lms.failing_backend.FailingBackend"
    email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "SMTP is down" in email.last_error
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_sweep() == 0, "not due yet: the back-off is respected"
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(minutes=5)
    )
    assert email_sweep() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1
