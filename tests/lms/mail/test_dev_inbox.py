"""E-mails in development: each is kept as an .eml file under var/mail/ with one line on the
console (never the body or base64 attachments), and administrators read them, links working and
files downloadable, on the development inbox page, which production does not have."""

import base64
import io

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from lms.mail.mailbox import DevelopmentMailBackend
from lms.mail.services import email_queue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.EMAIL_FILE_PATH


def send(console: io.StringIO) -> None:
    message = EmailMultiAlternatives(
        subject="Your pass for Spring Flood Table-top Exercise",
        body="Dear Õie Täht,\n\nyour pass: https://academy.example.org/account/profile/\n",
        to=["oie.taht@example.ee"],
    )
    message.attach_alternative("<p>Dear Õie Täht</p>", "text/html")
    message.attach("pass.pdf", PDF, "application/pdf")
    DevelopmentMailBackend(stream=console).send_messages([message])


def test_each_email_is_one_console_line_and_one_eml_file(mailbox):
    console = io.StringIO()

    send(console)

    lines = console.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "E-mail to oie.taht@example.ee: Your pass for Spring Flood Table-top Exercise"
    )
    assert base64.b64encode(PDF[:60]).decode()[:40] not in console.getvalue()
    files = list(mailbox.glob("*.eml"))
    assert len(files) == 1
    assert files[0].name in lines[0]


def test_the_outbox_sends_into_the_development_mailbox(
    settings, mailbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "lms.mail.mailbox.DevelopmentMailBackend"
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            recipient=user.email,
            reason="test:dev-mailbox",
            subject="Welcome to BSR Academy",
            template="lms.user.registered",
            context={"user": user, "name": "Žydrūnas Šimkus"},
        )

    assert not mail.outbox
    assert len(list(mailbox.glob("*.eml"))) == 1


def test_administrators_read_the_mail_and_download_its_files(admin_client, mailbox):
    send(io.StringIO())
    name = next(mailbox.glob("*.eml")).name

    listing = admin_client.get(reverse("lms_dev_inbox"))
    assert listing.status_code == 200
    assert "Your pass for Spring Flood Table-top Exercise" in listing.content.decode()
    page = admin_client.get(reverse("lms_dev_inbox_message", args=[name])).content.decode()
    assert "Dear Õie Täht" in page
    assert "https://academy.example.org/account/profile/" in page
    assert "pass.pdf" in page

    attachment = admin_client.get(reverse("lms_dev_inbox_attachment", args=[name, 0]))
    assert attachment.content == PDF
    assert attachment["Content-Disposition"].startswith("attachment")
    eml = admin_client.get(reverse("lms_dev_inbox_download", args=[name]))
    assert b"Subject: Your pass for Spring Flood" in eml.content
    assert admin_client.get(reverse("lms_dev_inbox_attachment", args=[name, 5])).status_code == 404


@pytest.mark.parametrize("name", ["..", "secret_key", "20260101-000000-000000-abcdef.eml"])
def test_only_the_mailbox_s_own_files_are_opened(admin_client, mailbox, name):
    assert admin_client.get(reverse("lms_dev_inbox_message", args=[name])).status_code == 404
    assert admin_client.get(reverse("lms_dev_inbox_download", args=[name])).status_code == 404


def test_the_inbox_is_for_administrators_only(client, mailbox):
    from django.contrib.auth.models import Permission

    send(io.StringIO())
    url = reverse("lms_dev_inbox")
    assert client.get(url).status_code == 302, "anonymous: to the login page"
    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get(url).status_code in (302, 403), "an editor is turned away"
    participant = UserFactory()
    client.force_login(participant)
    assert client.get(url).status_code in (302, 403)


def test_production_has_no_development_inbox(admin_client, mailbox, settings):
    send(io.StringIO())
    name = next(mailbox.glob("*.eml")).name
    settings.PRODUCTION = True

    assert admin_client.get(reverse("lms_dev_inbox")).status_code == 404
    assert admin_client.get(reverse("lms_dev_inbox_message", args=[name])).status_code == 404
    assert admin_client.get(reverse("lms_dev_inbox_download", args=[name])).status_code == 404
