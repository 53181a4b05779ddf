"""Password guessing: failed logins are limited per account and per client address on the one
login form that the site and the admin share, with a clear message and a cooling-off time; a
successful login clears the account's count."""

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.lms.signin_steps import PASSWORD, password_login
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, caplog):
    admin = UserFactory(email="admin@example.fi", is_staff=True, is_superuser=True)
    caplog.set_level(logging.WARNING)

    answers = [password_login(client, admin.email, password=f"guess-{n}") for n in range(30)]
    right = password_login(client, admin.email, password=PASSWORD, next_url="/admin/")

    assert [r.status_code for r in answers[:4]] == [200] * 4  # the form again, with its error
    assert answers[4].status_code == 429 and right.status_code == 429
    text = visible_text(right)
    assert "Too many failed logins" in text and "Try again in 15 minutes" in text
    assert right["Retry-After"] == "900"
    assert f'href="mailto:{settings.CONTACT_EMAIL}"' in right.content.decode()
    assert not logged_in(client)
    assert client.get("/admin/")["Location"].startswith(reverse("login"))
    assert "Login locked after repeated failures" in caplog.text


def test_the_admin_login_is_the_same_form_with_the_same_lockout(client):
    admin = UserFactory(email="admin@example.fi", is_staff=True, is_superuser=True)

    page = client.get("/admin/login/?next=/admin/pages/")
    assert page.status_code == 302
    assert page["Location"] == reverse("login") + "?next=%2Fadmin%2Fpages%2F"
    # Posting the password to the admin's old address logs nobody in.
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert not logged_in(client)
    assert client.get("/admin/")["Location"].startswith(reverse("login"))

    for n in range(5):
        password_login(client, admin.email, password=f"guess-{n}", next_url="/admin/")
    assert password_login(client, admin.email, next_url="/admin/").status_code == 429
    assert not logged_in(client)


def test_the_account_is_locked_from_any_address_and_in_any_letter_case(db):
    person = UserFactory(email="janis@example.lv")
    for n in range(5):
        password_login(Client(REMOTE_ADDR=f"10.0.0.{n}"), "Janis@Example.LV ", password="no")

    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    assert password_login(elsewhere, person.email).status_code == 429
    assert not logged_in(elsewhere)


def test_one_address_is_locked_after_failures_on_many_accounts(db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    people = [UserFactory() for _ in range(21)]
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for person in people[:20]:
        password_login(guesser, person.email, password="Summer2026!")

    # Even the right password of another account is refused from that address, and a made-up
    # X-Forwarded-For does not help when no proxy is trusted.
    response = password_login(guesser, people[20].email, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 429 and not logged_in(guesser)
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    assert password_login(neighbour, people[20].email).status_code == 302
    assert logged_in(neighbour)


def test_a_successful_login_clears_the_count(client):
    person = UserFactory()
    for _ in range(2):
        for n in range(4):
            password_login(client, person.email, password=f"wrong-{n}")
        assert password_login(client, person.email).status_code == 302
        assert logged_in(client)
        client.post(reverse("logout"))
    assert not AccessAttempt.objects.filter(username=person.email).exists()


def test_after_the_cooling_off_time_the_right_password_works(client):
    person = UserFactory()
    for n in range(5):
        password_login(client, person.email, password=f"wrong-{n}")
    assert password_login(client, person.email).status_code == 429

    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert password_login(client, person.email).status_code == 302
    assert logged_in(client)
