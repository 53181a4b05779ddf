"""No silent duplicate e-mail: each send is claimed ("sending", committed) before the mail server
is called; a send whose answer was lost ends "unknown" for staff to check, never in a second
delivery; staff can send it again on purpose, and that is audit-logged."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from lms.mail.services import EMAIL_SENDING_STALE, email_queue, email_send, email_sweep
from lms.models import OutgoingEmail, User
from tests.factories import UserFactory
from tests.lms.mail.backends import JobKilled
from tests.threads import at_once

BACKENDS = "tests.lms.mail.backends"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def queue(recipient="oie@example.ee", reason="test:states"):
    return email_queue(
        recipient=recipient,
        reason=reason,
        subject="Tere, Õie Täht",
        template="lms.user.registered",
        context={"user": User(email=recipient), "name": "Õie Täht"},
    )


def claimable(recipient="oie@example.ee", reason="test:states") -> OutgoingEmail:
    """A row waiting in the outbox, made without queueing its job: where each commit is final
    (the tests below that commit), queueing would send it at once."""
    return OutgoingEmail.objects.create(
        recipient=recipient, reason=reason, subject="Tere, Õie Täht", body_text="Tere!"
    )


def later(delta: dt.timedelta) -> dt.datetime:
    return timezone.now() + delta


@pytest.mark.django_db
def test_a_normal_send_is_marked_sent_once():
    email = queue()
    email_send(email_id=email.pk)
    email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.sent_at is not None and email.attempted_at is not None
    assert email.attempts == 1
    assert [m.to for m in mail.outbox] == [["oie@example.ee"]]


@pytest.mark.django_db
def test_a_connection_lost_after_the_server_took_the_message_is_unknown_not_sent_again(settings):
    email = queue()
    settings.EMAIL_BACKEND = f"{BACKENDS}.DisconnectedAfterAcceptBackend"
    email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.UNKNOWN
    assert "Connection unexpectedly closed" in email.last_error
    assert len(mail.outbox) == 1

    settings.EMAIL_BACKEND = LOCMEM
    email_send(email_id=email.pk)  # a duplicated job
    assert email_sweep(now=later(EMAIL_SENDING_STALE * 2)) == 0
    assert queue() == email  # the same (recipient, reason) queued again: still one row

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.UNKNOWN
    assert len(mail.outbox) == 1, "never a second delivery"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_killed_after_the_hand_over_leaves_one_delivery_and_an_unknown_row(settings):
    email = claimable()
    settings.EMAIL_BACKEND = f"{BACKENDS}.KilledAfterAcceptBackend"
    with pytest.raises(JobKilled):
        email_send(email_id=email.pk)

    # The claim was committed before the server was called, so it survived the job.
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENDING
    assert len(mail.outbox) == 1

    settings.EMAIL_BACKEND = LOCMEM
    email_send(email_id=email.pk)  # the queue delivers the job again
    assert email_sweep() == 0  # the sweeper a minute later
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENDING, "still within a job's longest run"

    assert email_sweep(now=later(EMAIL_SENDING_STALE + dt.timedelta(seconds=1))) == 0
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.UNKNOWN
    assert "whether it arrived is not known" in email.last_error
    email_sweep(now=later(EMAIL_SENDING_STALE * 3))
    assert len(mail.outbox) == 1, "exactly one delivered message"


@pytest.mark.django_db
def test_a_clear_refusal_goes_back_to_retry_and_is_sent_later(settings):
    email = queue()
    settings.EMAIL_BACKEND = f"{BACKENDS}.RecipientRefusedBackend"
    email_send(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "Mailbox busy" in email.last_error
    assert email.next_attempt_at is not None
    assert mail.outbox == []

    settings.EMAIL_BACKEND = LOCMEM
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now(), created_at=later(-dt.timedelta(minutes=5))
    )
    assert email_sweep() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1


@pytest.fixture
def admin(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_staff_see_an_unknown_e_mail_and_can_send_it_again_once_on_purpose(
    client, admin, settings, django_capture_on_commit_callbacks
):
    email = queue()
    sent = queue(reason="test:fine")
    email_send(email_id=sent.pk)
    settings.EMAIL_BACKEND = f"{BACKENDS}.DisconnectedAfterAcceptBackend"
    email_send(email_id=email.pk)
    settings.EMAIL_BACKEND = LOCMEM

    listing = client.get(reverse("lms_emails")).content.decode()
    assert "Unknown — check whether it arrived" in listing
    assert listing.index("test:states") < listing.index("test:fine"), "what needs a person first"
    page = client.get(reverse("lms_email_detail", args=[email.pk])).content.decode()
    assert "may or may not have arrived" in page
    assert reverse("lms_email_resend", args=[email.pk]) in page
    assert "Connection unexpectedly closed" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms_email_resend", args=[email.pk]), follow=True)
    assert response.status_code == 200
    assert "The e-mail is being sent again." in response.content.decode()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 3  # the fine one, the unknown one and the deliberate repeat
    entry = ModelLogEntry.objects.get(action="lms.email.resend")
    assert entry.user_id == admin.pk
    assert entry.object_id == str(email.pk)
    assert "oie@example.ee" not in entry.label

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("lms_email_resend", args=[email.pk]), follow=True)
    assert "Only an e-mail whose delivery is unknown can be sent again" in again.content.decode()
    assert len(mail.outbox) == 3
    assert ModelLogEntry.objects.filter(action="lms.email.resend").count() == 1

    missing = client.post(reverse("lms_email_resend", args=[email.pk + 1000]), follow=True)
    assert missing.status_code == 404, "a missing e-mail is not found, never a server error"


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_senders_deliver_each_e_mail_once():
    emails = [claimable(recipient=f"person{n}@example.lv", reason="test:race") for n in range(10)]
    jobs = [lambda pk=email.pk: email_send(email_id=pk) for email in emails for _ in range(6)]

    _, errors = at_once(jobs, workers=20)

    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.recipient for e in emails)
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_connection_lost_after_the_hand_over_never_sends_twice(settings):
    email = claimable()
    settings.EMAIL_BACKEND = f"{BACKENDS}.DatabaseLostAfterAcceptBackend"
    with pytest.raises(OperationalError):
        email_send(email_id=email.pk)
    connection.close()  # as the next job starts on a new connection

    settings.EMAIL_BACKEND = LOCMEM
    email_send(email_id=email.pk)
    assert email_sweep() == 0
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENDING

    email_sweep(now=later(EMAIL_SENDING_STALE + dt.timedelta(seconds=1)))
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.UNKNOWN
    assert len(mail.outbox) == 1, "delivered once; the outbox says to check it"
