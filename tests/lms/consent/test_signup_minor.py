"""A young person signs up themselves: under their country's age of digital consent the account
waits for a guardian, with only the minimum stored; the guardian approves or refuses from the
e-mailed link; the young person can correct the guardian's address."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_countries import countries

from lms.accounts.consent import closed_accounts_erase
from lms.accounts.services import user_register
from lms.errors import LmsError
from lms.models import (
    ConsentState,
    Event,
    GuardianApproval,
    GuardianConsent,
    Organisation,
    OutgoingEmail,
    Profile,
)
from tests.lms.minors import (
    GUARDIAN,
    PASSWORD,
    born_aged,
    consent_token,
    guardian_answers,
    signup,
    signup_data,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

# What may be stored for an account waiting for its guardian; every other field stays empty.
MINIMUM = {
    "id",
    "user_id",
    "full_name",
    "preferred_language",
    "country",
    "date_of_birth",
    "guardian_email",
    "guardian_approval",
    "updated_at",
}
EXTRA = {
    "organisation_name": "Dansk Røde Kors Ungdom",
    "sector": "youth",
    "level": "local",
    "gender": "male",
}


@pytest.fixture
def signed_up(client, django_capture_on_commit_callbacks):
    """A 14-year-old Dane signed up, with a guardian's address, and logged in."""
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, signup_data(years=14, **EXTRA))
    return response


def visible(response) -> str:
    from tests.programmes.conftest import visible_text

    return visible_text(response)


def danish(message: str, **values) -> str:
    """`message` as Søren (and his guardian) read it: in Danish, his profile's language, with
    `values` put in and any tags dropped as a reader sees the text."""
    with translation.override("da"):
        text = gettext(message)
        if "country" in values:
            values["country"] = countries.name(values["country"])
        if values:
            text %= values
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text).strip()


# --- signing up -------------------------------------------------------------------------------


def test_a_14_year_old_dane_is_asked_for_a_guardians_email_and_nothing_is_created(client):
    response = client.post(reverse("signup"), signup_data(years=14, guardian_email=""))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["guardian_email"])
    assert "You are under 15, the age of digital consent in Denmark" in errors
    assert "Enter the e-mail address of a parent or guardian" in errors
    assert 'value="Søren Ærø"' in response.content.decode()
    assert not User.objects.exists()
    assert not GuardianConsent.objects.exists()


@pytest.mark.parametrize(
    "address, message",
    [
        ("SOREN@example.dk", "not yours"),
        ("member-ab12@members.invalid", "cannot receive e-mail"),
        ("mor@", "valid email"),
    ],
)
def test_the_guardians_address_must_be_a_real_other_address(client, address, message):
    response = client.post(reverse("signup"), signup_data(years=14, guardian_email=address))

    assert message in " ".join(response.context["form"].errors["guardian_email"])
    assert not User.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_a_14_year_old_dane_gets_an_account_pending_with_only_the_minimum_stored(signed_up):
    response = signed_up

    assert response.redirect_chain[-1][0] == reverse("profile")
    # The welcome is in Søren's own language, as the page it is shown on.
    assert danish(
        "Welcome, %(name)s. Your account is waiting for your guardian's approval; we "
        "e-mailed %(guardian)s. Until they approve it you cannot register for "
        "activities or apply to programmes.",
        name="Søren Ærø",
        guardian=GUARDIAN,
    ) in visible(response)
    user = User.objects.get(email="soren@example.dk")
    assert user.is_active and user.check_password(PASSWORD)
    assert (user.first_name, user.last_name) == ("Søren", "Ærø")
    profile = Profile.objects.get(user=user)
    assert profile.awaiting_guardian
    assert profile.full_name == "Søren Ærø"
    assert str(profile.country) == "DK"
    assert profile.date_of_birth == born_aged(14)
    assert profile.guardian_email == GUARDIAN
    assert profile.preferred_language == "da"
    for field in Profile._meta.concrete_fields:
        if field.attname not in MINIMUM:
            assert getattr(profile, field.attname) in ("", None), f"{field.name} was stored"
    assert not Organisation.objects.exists(), "the posted organisation was not kept anywhere"

    consent = GuardianConsent.objects.get(person=user)
    assert (consent.purpose, consent.state) == ("account", ConsentState.PENDING)
    assert consent.subject_key == f"account:{user.pk}"
    assert consent.guardian_email == GUARDIAN
    request = OutgoingEmail.objects.get(recipient=GUARDIAN)
    assert "Søren Ærø" in request.subject
    assert consent_token()
    assert [m.to for m in mail.outbox] == [["soren@example.dk"], [GUARDIAN]], (
        "the address is confirmed first, then the guardian asked; no welcome before approval"
    )
    event = Event.objects.get(name="lms.user.registered")
    assert event.payload == {"user_id": user.pk, "awaiting_guardian": True}


def test_the_pending_profile_offers_no_extra_fields_and_stores_none(client, signed_up):
    page = client.get(reverse("profile"))

    text = visible(page)
    assert danish("Waiting for your guardian's approval") in text
    assert GUARDIAN in text
    form = page.context["form"]
    assert set(form.fields) == {"full_name", "preferred_language"}
    assert danish("Country: %(country)s", country="DK") in text

    response = client.post(
        reverse("profile"),
        {
            "full_name": "Søren  Ærø Hansen",
            "preferred_language": "en",
            "country": "DE",
            "date_of_birth": "1990-01-01",
            **EXTRA,
        },
        follow=True,
    )

    assert "Your profile has been saved." in visible(response)
    profile = Profile.objects.get(user__email="soren@example.dk")
    assert (profile.full_name, profile.preferred_language) == ("Søren Ærø Hansen", "en")
    assert str(profile.country) == "DK" and profile.date_of_birth == born_aged(14)
    assert profile.organisation_id is None
    assert (profile.sector, profile.level, profile.gender) == ("", "", "")
    assert profile.awaiting_guardian


def test_my_learning_shows_the_pending_state(client, signed_up):
    text = visible(client.get(reverse("my_learning")))

    assert danish("Waiting for your guardian's approval") in text
    assert (
        danish(
            "Your account is waiting for your guardian's approval; we e-mailed "
            "<strong>%(email)s</strong>. Until they approve it you cannot register for "
            "activities or apply to programmes, and we keep only your name, e-mail address, "
            "country, date of birth and language.",
            email=GUARDIAN,
        )
        in text
    )


@pytest.mark.parametrize(
    "country, years",
    [("LT", 14), ("DK", 15), ("DE", 16), ("EE", 13)],
)
def test_at_or_above_the_countrys_age_the_account_is_open_and_keeps_no_guardian(
    client, django_capture_on_commit_callbacks, country, years
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(
            client,
            signup_data(
                years=years, country=country, guardian_email="mor@", preferred_language="en"
            ),
        )

    assert "Welcome, Søren Ærø. We have sent a welcome e-mail" in visible(response)
    assert response.redirect_chain, "a mistyped guardian address does not matter here"
    profile = Profile.objects.get(user__email="soren@example.dk")
    assert profile.guardian_approval == GuardianApproval.NOT_NEEDED
    assert profile.guardian_email == ""
    assert profile.date_of_birth == born_aged(years)
    assert not GuardianConsent.objects.exists()
    assert [m.to for m in mail.outbox] == [["soren@example.dk"], ["soren@example.dk"]]
    assert [m.subject for m in mail.outbox] == [
        "Confirm your e-mail address for BSR Academy",
        "Welcome to BSR Academy",
    ]


def test_without_a_country_the_gdpr_default_of_16_applies(client):
    response = client.post(reverse("signup"), signup_data(years=15, country="", guardian_email=""))

    errors = " ".join(response.context["form"].errors["guardian_email"])
    assert "You are under 16, the age of digital consent that applies when no country" in errors
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("tomorrow", "cannot be in the future"),
        ("1800-01-01", "check the year"),
        ("2010-02-30", "valid date"),
        ("0000-00-00", "valid date"),
        ("", "required"),
    ],
)
def test_impossible_dates_of_birth_are_refused_and_nothing_is_created(client, value, message):
    if value == "tomorrow":  # worked out when the test runs, not when it is collected
        value = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("signup"), signup_data(years=30, date_of_birth=value))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["date_of_birth"]).lower()
    assert 'value="Søren Ærø"' in response.content.decode()
    assert not User.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_the_service_itself_refuses_a_minor_without_a_guardian_and_records_events(
    django_capture_on_commit_callbacks,
):
    with pytest.raises(LmsError) as error:
        user_register(
            email="oie@example.ee",
            password=PASSWORD,
            full_name="Õie Täht",
            country="DE",
            date_of_birth=born_aged(15),
        )
    assert error.value.code == "guardian_required"
    assert not User.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(
            email="oie@example.ee",
            password=PASSWORD,
            full_name="Õie Täht",
            country="DE",
            date_of_birth=born_aged(15),
            guardian_email="Ema.Taht@example.ee",
        )
    assert user.profile.awaiting_guardian
    assert user.profile.guardian_email == "ema.taht@example.ee"
    names = set(Event.objects.values_list("name", flat=True))
    assert {"lms.user.registered", "lms.consent.requested"} <= names


# --- the guardian's answer --------------------------------------------------------------------


def test_the_guardian_reads_what_the_account_is_and_approving_opens_it(
    client, signed_up, django_capture_on_commit_callbacks
):
    guardian = Client()
    page = guardian.get(reverse("consent:page", args=[consent_token()]))
    because = danish(
        "Because %(name)s is under %(age)s, the age of digital consent in %(country)s, the "
        "account stays closed until you approve it.",
        name="Søren Ærø",
        age=15,
        country="DK",
    )
    assert because in visible(page), "the guardian is asked in Søren's language"

    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(guardian, consent_token(), "give")

    profile = Profile.objects.get(user__email="soren@example.dk")
    assert profile.guardian_approval == GuardianApproval.APPROVED
    approved = OutgoingEmail.objects.get(
        recipient="soren@example.dk", reason__startswith="account-approved:"
    )
    assert approved.subject == danish("Your BSR Academy account is ready")
    assert "Søren Ærø" in approved.body_text
    assert Event.objects.filter(name="lms.user.approved").count() == 1
    mine = client.get(reverse("profile"))
    assert danish("Waiting for your guardian's approval") not in visible(mine)
    assert "organisation_name" in mine.context["form"].fields


def test_a_refusal_closes_the_account_at_once_and_erases_it_an_hour_later(
    client, signed_up, django_capture_on_commit_callbacks
):
    user = User.objects.get(email="soren@example.dk")

    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(Client(), consent_token(), "refuse")

    user.refresh_from_db()
    assert not user.is_active
    assert GuardianConsent.objects.get(subject_key=f"account:{user.pk}").state == "refused"
    assert client.get(reverse("profile")).status_code == 302, "the session no longer works"
    assert not Client().login(username="soren@example.dk", password=PASSWORD)
    confirmation = OutgoingEmail.objects.get(recipient=GUARDIAN, reason__contains="refused")
    assert confirmation.status == OutgoingEmail.Status.SENT, "the guardian hears first"

    assert closed_accounts_erase(now=timezone.now() + dt.timedelta(minutes=59)) == 0
    assert closed_accounts_erase(now=timezone.now() + dt.timedelta(minutes=61)) == 1
    assert closed_accounts_erase(now=timezone.now() + dt.timedelta(minutes=62)) == 0

    user.refresh_from_db()
    assert user.erased_at is not None
    assert not User.objects.filter(email="soren@example.dk").exists()
    assert not Profile.objects.filter(full_name__contains="Søren").exists()
    assert not Profile.objects.filter(guardian_email=GUARDIAN).exists()


def test_withdrawing_consent_later_closes_the_approved_account(
    client, signed_up, django_capture_on_commit_callbacks
):
    guardian = Client()
    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(guardian, consent_token(), "give")
    assert Profile.objects.get(user__email="soren@example.dk").guardian_approval == "approved"

    withdraw = consent_token()  # the link in the confirmation e-mail
    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(guardian, withdraw, "withdraw")

    user = User.objects.get(email="soren@example.dk")
    assert not user.is_active
    assert GuardianConsent.objects.get(person=user).state == ConsentState.WITHDRAWN
    assert client.get(reverse("my_learning")).status_code == 302


# --- correcting or resending the request ------------------------------------------------------


def test_a_mistyped_guardian_address_can_be_corrected_and_the_old_link_stops(
    client, signed_up, django_capture_on_commit_callbacks, monkeypatch
):
    old = consent_token()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("guardian_resend"), {"guardian_email": "Far.Aero@example.dk"}, follow=True
        )

    assert danish(
        "We have e-mailed %(address)s again to ask for their approval.",
        address="far.aero@example.dk",
    ) in visible(response)
    assert Profile.objects.get(user__email="soren@example.dk").guardian_email == (
        "far.aero@example.dk"
    )
    assert consent_token("far.aero@example.dk")
    stale = Client().get(reverse("consent:page", args=[old]))
    assert stale.status_code == 410
    assert "no longer needed" in visible(stale)

    again = client.post(
        reverse("guardian_resend"), {"guardian_email": "far.aero@example.dk"}, follow=True
    )
    assert danish(
        "We e-mailed %(address)s only a few minutes ago. Please wait ten minutes before "
        "sending the request again.",
        address="far.aero@example.dk",
    ) in visible(again)

    later = timezone.now() + dt.timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("guardian_resend"), {"guardian_email": "far.aero@example.dk"})
    newest = consent_token("far.aero@example.dk")
    assert newest != consent_token("far.aero@example.dk", number=0)


def test_resending_refuses_bad_addresses_and_accounts_that_need_no_guardian(client, user):
    client.force_login(user)

    bad = client.post(reverse("guardian_resend"), {"guardian_email": "not-an-address"}, follow=True)
    none = client.post(reverse("guardian_resend"), {"guardian_email": GUARDIAN}, follow=True)

    assert "valid email" in visible(bad).lower()
    assert "Your account is not waiting for a guardian." in visible(none)
    assert not OutgoingEmail.objects.exists()


def test_the_guardian_of_an_own_account_reads_the_accounts_notice_not_the_groups(
    client, signed_up, django_capture_on_commit_callbacks
):
    guardian = Client()
    token = consent_token()
    page = visible(guardian.get(reverse("consent:page", args=[token])))

    assert "Your child's own account: what we keep, and why" in page
    assert "version account-2026-1" in page
    assert "What we keep about your child, and why" not in page, "the group booking's notice"
    with django_capture_on_commit_callbacks(execute=True):
        guardian_answers(guardian, token, "give")
    consent = GuardianConsent.objects.get(person__email="soren@example.dk")
    assert consent.notice.version == "account-2026-1"

    used = visible(guardian.get(reverse("consent:page", args=[token])))
    assert "leader of the young person's group" not in used
    assert "The young person can send you a new request from their profile page" in used
