"""The age of digital consent per country and day, as the seeded data and programme admins' edits
in the Wagtail admin make it; the admin's clear messages; and privacy notices that cannot change
once guardians have been asked under them."""

import datetime as dt

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from lms.ages import age_on
from lms.consent.age import DEFAULT_CONSENT_AGE, digital_consent_age, needs_guardian
from lms.models import (
    ConsentPurpose,
    DigitalConsentAge,
    GuardianConsent,
    PrivacyNotice,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the lookup -------------------------------------------------------------------------------


def test_denmark_is_13_until_the_end_of_2023_and_15_from_1_january_2024():
    assert digital_consent_age(country="DK", on=D(2023, 12, 31)) == 13
    assert digital_consent_age(country="DK", on=D(2024, 1, 1)) == 15
    assert digital_consent_age(country="DK", on=D(2026, 12, 1)) == 15


@pytest.mark.parametrize(
    "country, age",
    [
        ("EE", 13),
        ("FI", 13),
        ("LV", 13),
        ("SE", 13),
        ("IS", 13),
        ("NO", 13),
        ("LT", 14),
        ("DE", 16),
        ("PL", 16),
        ("dk", 15),
    ],
)
def test_each_member_state_has_its_own_age(country, age):
    assert digital_consent_age(country=country, on=D(2026, 6, 1)) == age


@pytest.mark.parametrize("country", ["FR", "EU", ""])
def test_a_country_without_a_row_uses_the_gdpr_default_of_16(country):
    assert DEFAULT_CONSENT_AGE == 16
    assert digital_consent_age(country=country, on=D(2026, 6, 1)) == 16


def test_before_a_countrys_first_row_the_gdpr_default_applies():
    assert digital_consent_age(country="EE", on=D(2018, 5, 24)) == 16
    assert digital_consent_age(country="EE", on=D(2018, 5, 25)) == 13


def test_age_counts_whole_years_and_leap_day_birthdays_turn_on_1_march():
    assert age_on(birth_date=D(2010, 6, 1), on=D(2024, 5, 31)) == 13
    assert age_on(birth_date=D(2010, 6, 1), on=D(2024, 6, 1)) == 14
    assert age_on(birth_date=D(2012, 2, 29), on=D(2027, 2, 28)) == 14
    assert age_on(birth_date=D(2012, 2, 29), on=D(2027, 3, 1)) == 15


def test_needs_guardian_compares_the_age_with_the_countrys_age_on_that_day():
    born = D(2010, 3, 10)  # 13 at the end of 2023, 14 in March 2024
    assert not needs_guardian(country="DK", date_of_birth=born, on=D(2023, 12, 31))
    assert needs_guardian(country="DK", date_of_birth=born, on=D(2024, 1, 1))
    assert needs_guardian(country="DK", date_of_birth=born, on=D(2025, 3, 9))
    assert not needs_guardian(country="DK", date_of_birth=born, on=D(2025, 3, 10))
    assert not needs_guardian(country="LT", date_of_birth=born, on=D(2024, 3, 10))
    assert needs_guardian(country="LT", date_of_birth=born, on=D(2024, 3, 9))
    assert not needs_guardian(country="DK", date_of_birth=None, on=D(2024, 1, 1))


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_lists_the_ages_by_country_with_their_dates(admin_client):
    response = admin_client.get(reverse("consent_ages:index"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Denmark" in page and "Lithuania" in page
    assert "1 January 2024" in page and "25 May 2018" in page


def test_a_law_change_is_a_new_row_that_applies_from_its_day(admin_client):
    form = admin_client.get(reverse("consent_ages:add")).content.decode()
    assert "When a law changes, add a new row" in form

    response = admin_client.post(
        reverse("consent_ages:add"), {"country": "LT", "age": "13", "valid_from": "2027-03-01"}
    )

    assert response.status_code == 302
    row = DigitalConsentAge.objects.get(country="LT", valid_from=D(2027, 3, 1))
    assert ModelLogEntry.objects.for_instance(row).filter(action="wagtail.create").exists()
    assert digital_consent_age(country="LT", on=D(2027, 2, 28)) == 14
    assert digital_consent_age(country="LT", on=D(2027, 3, 1)) == 13
    born = D(2013, 6, 1)  # 13 in spring 2027
    assert needs_guardian(country="LT", date_of_birth=born, on=D(2027, 2, 28))
    assert not needs_guardian(country="LT", date_of_birth=born, on=D(2027, 3, 1))


@pytest.mark.parametrize("age", ["12", "17", "0"])
def test_an_age_outside_13_to_16_is_refused_with_a_clear_message(admin_client, age):
    before = DigitalConsentAge.objects.count()

    response = admin_client.post(
        reverse("consent_ages:add"), {"country": "FI", "age": age, "valid_from": "2027-01-01"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert f"must be from 13 to 16 (GDPR article 8); {age} is not allowed" in " ".join(
        errors["age"]
    )
    assert "Constraint" not in response.content.decode()
    assert DigitalConsentAge.objects.count() == before


def test_a_second_row_on_the_same_day_is_refused_with_a_clear_message(admin_client):
    before = DigitalConsentAge.objects.count()

    response = admin_client.post(
        reverse("consent_ages:add"), {"country": "DK", "age": "16", "valid_from": "2024-01-01"}
    )

    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["valid_from"])
    assert "Denmark already has an age of digital consent from 1 January 2024 (15)" in message
    assert "already exists" not in response.content.decode()
    assert DigitalConsentAge.objects.count() == before
    assert digital_consent_age(country="DK", on=D(2024, 1, 1)) == 15


def test_correcting_a_typing_mistake_in_a_row_is_possible(admin_client):
    row = DigitalConsentAge.objects.create(country="SE", age=15, valid_from=D(2027, 7, 1))

    response = admin_client.post(
        reverse("consent_ages:edit", args=[row.pk]),
        {"country": "SE", "age": "14", "valid_from": "2027-07-01"},
    )

    assert response.status_code == 302
    assert digital_consent_age(country="SE", on=D(2027, 7, 1)) == 14


def test_people_without_admin_rights_cannot_edit_the_ages(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.post(
        reverse("consent_ages:add"), {"country": "DE", "age": "13", "valid_from": "2027-01-01"}
    )

    assert response.status_code in (302, 403)
    assert digital_consent_age(country="DE", on=D(2027, 1, 1)) == 16


# --- privacy notices --------------------------------------------------------------------------


def consent_under(notice: PrivacyNotice) -> GuardianConsent:
    child = UserFactory(profile__full_name="Õie Täht")
    return GuardianConsent.objects.create(
        person=child,
        purpose=ConsentPurpose.ACCOUNT,
        subject_key=f"account:{child.pk}",
        subject_title="Own account on BSR Academy",
        guardian_email="guardian@example.ee",
        notice=notice,
    )


def test_a_new_notice_version_can_be_published_and_versions_are_unique(admin_client):
    data = {
        "version": "2027-1",
        "purpose": "activity",
        "title": "Mida me hoiame",
        "body": "Õie Täht ja Þórunn.",
    }

    created = admin_client.post(reverse("privacy_notices:add"), data)
    again = admin_client.post(reverse("privacy_notices:add"), {**data, "version": "2027-1 "})

    assert created.status_code == 302
    assert PrivacyNotice.objects.get(version="2027-1").body == "Õie Täht ja Þórunn."
    assert again.status_code == 200
    assert "Version “2027-1” already exists" in " ".join(again.context["form"].errors["version"])
    assert PrivacyNotice.objects.filter(version="2027-1").count() == 1


def test_a_notice_that_consent_was_given_under_cannot_be_edited_or_deleted(admin_client):
    notice = PrivacyNotice.objects.get(version="2026-1")
    consent_under(notice)
    body = notice.body

    listing = admin_client.get(reverse("privacy_notices:index")).content.decode()
    edit = admin_client.get(reverse("privacy_notices:edit", args=[notice.pk]), follow=True)
    changed = admin_client.post(
        reverse("privacy_notices:edit", args=[notice.pk]),
        {"version": "2026-1", "purpose": "activity", "title": "Changed", "body": "Changed"},
        follow=True,
    )
    deleted = admin_client.post(reverse("privacy_notices:delete", args=[notice.pk]), follow=True)

    assert "1 (locked)" in listing
    for response, verb in ((edit, "changed"), (changed, "changed"), (deleted, "deleted")):
        assert response.status_code == 200
        text = " ".join(messages_of(response))
        assert f"cannot be {verb}" in text
        assert "Publish a new version instead" in text
    notice.refresh_from_db()
    assert notice.body == body and notice.title != "Changed"


def test_a_notice_nobody_was_asked_under_can_still_be_corrected_and_deleted(admin_client):
    notice = PrivacyNotice.objects.create(version="draft-2", title="Draft", body="Typo here")

    edited = admin_client.post(
        reverse("privacy_notices:edit", args=[notice.pk]),
        {"version": "draft-2", "purpose": "activity", "title": "Draft", "body": "No typo"},
    )
    assert edited.status_code == 302
    notice.refresh_from_db()
    assert notice.body == "No typo"

    deleted = admin_client.post(reverse("privacy_notices:delete", args=[notice.pk]))
    assert deleted.status_code == 302
    assert not PrivacyNotice.objects.filter(pk=notice.pk).exists()


def test_the_admin_list_filters_by_the_countries_that_have_rows(admin_client):
    response = admin_client.get(reverse("consent_ages:index"), {"country": "DK"})

    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert [(str(row.country), row.age) for row in rows] == [("DK", 15), ("DK", 13)]
    page = response.content.decode()
    assert 'value="DK"' in page and 'value="FR"' not in page
