"""Sent e-mails keep no working key: links with tokens (password reset, sign-up confirmation,
consent, offers, nominations, surveys, passes, calendar feeds) and attached files are removed
from the stored copy once sent, and the administrators' outbox view never shows them."""

import base64
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_q.models import Schedule

from lms.jobs import schedules_ensure
from lms.mail.services import REDACTED_LINK, email_queue, email_text_redact, emails_redact
from lms.models import OutgoingEmail
from tests.factories import UserFactory
from tests.lms.minors import signup, signup_data

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(hours=2)


def reset_requested(client, user, capture):
    with capture(execute=True):
        client.post(reverse("password_reset"), {"email": user.email})
    sent = mail.outbox[-1]
    link = re.search(r"https?://\S+/account/reset/\S+/", sent.body).group(0)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    return OutgoingEmail.objects.get(recipient=user.email), link, token


def test_after_sending_the_stored_reset_email_holds_no_working_token(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    email, link, token = reset_requested(client, user, django_capture_on_commit_callbacks)
    assert email.status == OutgoingEmail.Status.SENT

    assert emails_redact(now=timezone.now() + LATER) == 1

    email.refresh_from_db()
    stored = email.body_text + email.body_html + email.reason
    assert token not in stored
    assert "/account/reset/" not in stored
    assert REDACTED_LINK in email.body_text
    assert email.redacted_at is not None
    # The person's own copy worked: the link from the e-mail still opens the form.
    assert client.get(urlsplit(link).path).status_code == 302, "on to the new-password form"


def test_nothing_is_removed_before_the_retention_ends(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    email, _, token = reset_requested(client, user, django_capture_on_commit_callbacks)

    assert emails_redact(now=timezone.now()) == 0

    email.refresh_from_db()
    assert token in email.body_text
    assert email.redacted_at is None


def test_a_pending_email_keeps_its_link_until_it_is_sent(user):
    email = email_queue(
        recipient=user.email,
        reason="test:pending",
        subject="Reset",
        template="lms.password_reset",
        context={"email": user.email, "uid": "MQ", "token": "abc123-0123456789abcdef0123456789"},
    )

    assert emails_redact(now=timezone.now() + LATER) == 0
    email.refresh_from_db()
    assert "abc123-0123456789abcdef0123456789" in email.body_text


def test_the_guardian_s_consent_link_and_the_sign_up_link_are_removed_too(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, signup_data(years=14))
    sent = {m.to[0]: m.body for m in mail.outbox}
    tokens = re.findall(r"/consent/([A-Za-z0-9_-]{43})/", sent["mor.aero@example.dk"])
    tokens += re.findall(r"/account/signup/confirm/\S+/(\S+)/", sent["soren@example.dk"])
    assert len(tokens) == 2

    emails_redact(now=timezone.now() + LATER)

    stored = " ".join(e.body_text + e.body_html + e.reason for e in OutgoingEmail.objects.all())
    for token in tokens:
        assert token not in stored


def test_attached_files_are_removed_and_text_attachments_lose_token_links(user):
    pdf = base64.b64encode(b"%PDF-1.7 pass with a QR token").decode()
    offer = reverse("cohorts:offer", args=["Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u"])
    email = email_queue(
        recipient=user.email,
        reason="test:attachments",
        subject="Your pass",
        template="lms.user.registered",
        context={"user": user, "name": "Õie Täht"},
        attachments=[
            {
                "filename": "pass.pdf",
                "mimetype": "application/pdf",
                "content": pdf,
                "encoding": "base64",
            },
            {
                "filename": "offer.ics",
                "mimetype": "text/calendar",
                "content": f"URL:https://academy.example.org{offer}",
            },
        ],
    )
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now()
    )

    emails_redact(now=timezone.now() + LATER)

    email.refresh_from_db()
    pdf_part, ics_part = email.attachments
    assert pdf_part["filename"] == "pass.pdf" and pdf not in str(email.attachments)
    assert pdf_part["removed"] is True
    assert ics_part["content"] == f"URL:{REDACTED_LINK}"


def _token_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _token_routes(entry, namespace)
        elif (
            isinstance(entry, URLPattern)
            and entry.name
            and "<" in str(entry.pattern)
            and "token" in entry.pattern.converters
        ):
            yield f"{prefix}{entry.name}", entry.pattern.converters


def test_every_token_route_of_the_site_is_recognised_and_removed():
    routes = dict(_token_routes())
    # The token links e-mails carry today; a new one is covered as long as it names its
    # secret part "token".
    assert {
        "password_reset_confirm",
        "signup_confirm",
        "consent:page",
        "cohorts:offer",
        "cohorts:nomination",
        "cohorts:survey_answer",
        "cohorts:pass_scan",
        "calendar_feed",
    } <= set(routes)
    for name, converters in routes.items():
        kwargs = {
            key: "MQ" if key == "uidb64" else "Zm9vYmFyMTIzNDU2Nzg5MGFiY2Rl" for key in converters
        }
        url = f"https://academy.example.org{reverse(name, kwargs=kwargs)}"
        text = f'Open {url} today.\n<a href="{url}">open</a>'
        redacted = email_text_redact(text)
        assert "Zm9vYmFy" not in redacted, name
        assert redacted.count(REDACTED_LINK) == 2, name


def test_links_without_a_token_stay():
    text = "Your profile: https://academy.example.org/account/profile/ and https://example.org/"

    assert email_text_redact(text) == text


def test_the_admin_outbox_shows_token_links_removed_even_before_the_job_runs(
    admin_client, client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    email, _, token = reset_requested(client, user, django_capture_on_commit_callbacks)

    page = admin_client.get(reverse("lms_email_detail", args=[email.pk])).content.decode()

    assert token not in page
    assert REDACTED_LINK in page
    emails_redact(now=timezone.now() + LATER)
    page = admin_client.get(reverse("lms_email_detail", args=[email.pk])).content.decode()
    assert "removed from the stored copy" in page


def test_the_redaction_job_is_scheduled_once():
    schedules_ensure()
    schedules_ensure()

    job = Schedule.objects.get(name="lms.emails_redact")
    assert job.func == "lms.tasks.emails_redact_task"
    assert job.repeats == -1
