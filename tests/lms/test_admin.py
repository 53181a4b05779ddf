"""The Wagtail admin's system views: domain events and the e-mail outbox."""

import pytest
from django.urls import reverse

from lms import events
from lms.models import Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_event_list_shows_failing_events_first_with_their_error(admin_client, event_declare):
    event_declare("tests.broken", "user_id")
    event_declare("tests.fine")

    def broken(event):
        raise ValueError("template missing")

    events.register("tests.broken", broken, name="broken-handler")
    events.register("tests.fine", lambda event: None, name="fine-handler")
    failing = events.emit("tests.broken", key="broken:1", payload={"user_id": 7})
    events.event_dispatch(event_id=failing.pk)
    for n in range(3):
        fine = events.emit("tests.fine", key=f"fine:{n}")
        events.event_dispatch(event_id=fine.pk)

    response = admin_client.get(reverse("lms_events"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("broken:1") < page.index("fine:2") < page.index("fine:0")
    assert "template missing" in page
    assert "Failed, will retry" in page
    assert "broken-handler" in page

    failing_only = admin_client.get(reverse("lms_events"), {"status": "failing"}).content.decode()
    assert "broken:1" in failing_only
    assert "fine:0" not in failing_only


def test_email_outbox_lists_messages_and_shows_one(admin_client, user):
    from lms.mail.services import email_queue

    email = email_queue(
        recipient=user.email,
        reason="test:outbox",
        subject="Sveiki, Jānis",
        template="lms.user.registered",
        context={"user": user, "name": "Jānis Bērziņš"},
    )
    listing = admin_client.get(reverse("lms_emails")).content.decode()
    assert "Sveiki, Jānis" in listing
    detail = admin_client.get(reverse("lms_email_detail", args=[email.pk])).content.decode()
    assert "Jānis Bērziņš" in detail
    assert admin_client.get(reverse("lms_email_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("url_name", ["lms_events", "lms_emails"])
def test_system_views_are_for_administrators_only(client, url_name):
    editor = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(reverse(url_name)).status_code in (302, 403)

    participant = UserFactory()
    client.force_login(participant)
    response = client.get(reverse(url_name))
    assert response.status_code == 403  # told the admin is not for them, not sent round a loop
    assert Delivery.objects.count() == 0
