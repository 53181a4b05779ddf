"""Nominations as focal points and nominees meet them: the focal point's page with their
country's places and nominees, nominating and substituting before the deadline (and not for
another country, nor after it), and the nominee's invitation: complete the profile, choose a
password for a new account, confirm, and be logged in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places import services
from lms.models import Level, Sector, User
from tests.cohorts.conftest import events_of
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(
        title="BEP 2026 — Lithuanian presidency",
        slug="bep-2026-lt",
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=timezone.now() + timedelta(days=10),
        capacity=20,
        country_cap=2,
    )


@pytest.fixture
def latvia(make_focal_point, cohort):
    return make_focal_point("LV", programme=cohort.programme)


def nominate_url(cohort) -> str:
    return reverse("cohorts:nominate", args=[cohort.slug])


def nominee_form(**overrides) -> dict:
    data = {
        "email": "Janis.Berzins@VUGD.example.lv",
        "full_name": "Jānis  Bērziņš",
        "country": "LV",
        "organisation_name": "State Fire and Rescue Service",
        "sector": Sector.FIRE_RESCUE,
        "level": Level.NATIONAL,
    }
    return {**data, **overrides}


# --- The focal point's page -------------------------------------------------------------------


def test_only_focal_points_of_a_nomination_cohort_get_the_page(client, cohort, make_cohort, latvia):
    approval = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)

    anonymous = client.get(nominate_url(cohort))
    client.force_login(UserFactory())
    participant = client.get(nominate_url(cohort))
    participant_post = client.post(nominate_url(cohort), nominee_form())
    client.force_login(latvia)
    not_nominations = client.get(nominate_url(approval))
    mine = client.get(nominate_url(cohort))

    assert anonymous.status_code == 302
    assert participant.status_code == 403
    assert participant_post.status_code == 403
    assert not_nominations.status_code == 404
    assert mine.status_code == 200
    assert not Enrolment.objects.exists()


def test_a_focal_point_of_another_programme_is_refused(
    client, cohort, make_focal_point, make_programme
):
    other = make_focal_point("LV", programme=make_programme(title="NEEDS"))
    client.force_login(other)

    assert client.get(nominate_url(cohort)).status_code == 403


def test_the_page_shows_the_deadline_and_my_countrys_places(client, cohort, latvia):
    client.force_login(latvia)

    text = visible_text(client.get(nominate_url(cohort)))

    assert "Nominate and substitute your country's participants until" in text
    assert "Latvia: 2 places left (0 of 2 taken)" in text
    assert "You have not nominated anyone yet" in text


def test_nominating_holds_a_place_and_lists_the_nominee(
    client, cohort, latvia, django_capture_on_commit_callbacks
):
    client.force_login(latvia)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(nominate_url(cohort), nominee_form(), follow=True)

    enrolment = Enrolment.objects.get(cohort=cohort)
    assert enrolment.state == EnrolmentState.NOMINATED
    assert enrolment.user.email == "janis.berzins@vugd.example.lv"
    assert enrolment.user.profile.full_name == "Jānis Bērziņš"
    assert not enrolment.user.has_usable_password()
    text = visible_text(response)
    assert "Jānis Bērziņš is nominated" in text
    assert "Latvia: 1 place left (1 of 2 taken)" in text
    assert "Jānis Bērziņš janis.berzins@vugd.example.lv Latvia" in text
    assert "Nominated, awaiting confirmation" in text


def test_a_focal_point_cannot_nominate_for_another_country(client, cohort, latvia):
    client.force_login(latvia)

    response = client.post(nominate_url(cohort), nominee_form(country="EE"))

    assert response.status_code == 200
    assert "You can nominate only for your own country" in visible_text(response)
    assert "Jānis  Bērziņš" in response.content.decode(), "what was typed is kept"
    assert not Enrolment.objects.exists()


def test_a_full_country_refuses_another_nominee_with_the_reason(client, cohort, latvia):
    client.force_login(latvia)
    for n in range(2):
        client.post(nominate_url(cohort), nominee_form(email=f"lv{n}@example.lv"))

    response = client.post(nominate_url(cohort), nominee_form(email="third@example.lv"))

    assert "the places for Latvia are taken (2 of 2)" in visible_text(response)
    assert Enrolment.objects.filter(cohort=cohort).count() == 2


def test_bad_form_input_is_explained_and_kept(client, cohort, latvia):
    client.force_login(latvia)

    response = client.post(
        nominate_url(cohort), nominee_form(email="not-an-address", sector="<x>", full_name=" ")
    )

    text = visible_text(response)
    assert "Enter a valid email address" in text
    assert "Select a valid choice" in text
    assert "This field is required" in text
    assert 'value="not-an-address"' in response.content.decode()
    assert not Enrolment.objects.exists()


def test_substituting_passes_the_place_directly(client, cohort, latvia):
    client.force_login(latvia)
    client.post(nominate_url(cohort), nominee_form())
    first = Enrolment.objects.get(cohort=cohort)
    url = reverse("cohorts:substitute", args=[cohort.slug, first.pk])

    page = client.get(url)
    response = client.post(
        url,
        nominee_form(email="zydrunas@example.lt", full_name="Žydrūnas Šimkus", country="EE"),
        follow=True,
    )

    assert "Substitute Jānis Bērziņš" in visible_text(page)
    first.refresh_from_db()
    second = Enrolment.objects.exclude(pk=first.pk).get(cohort=cohort)
    assert first.state == EnrolmentState.WITHDRAWN
    assert second.state == EnrolmentState.NOMINATED
    assert str(second.country) == "LV", "the place stays with the country"
    assert "Žydrūnas Šimkus takes the place of Jānis Bērziņš" in visible_text(response)
    assert "Latvia: 1 place left (1 of 2 taken)" in visible_text(response)


def test_another_countrys_nominee_cannot_be_substituted(client, cohort, latvia, make_focal_point):
    estonia = make_focal_point("EE", programme=cohort.programme)
    client.force_login(estonia)
    client.post(nominate_url(cohort), nominee_form(country="EE", email="oie@example.ee"))
    estonian = Enrolment.objects.get(cohort=cohort)
    client.force_login(latvia)

    url = reverse("cohorts:substitute", args=[cohort.slug, estonian.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, nominee_form()).status_code == 404
    assert "oie@example.ee" not in client.get(nominate_url(cohort)).content.decode()
    estonian.refresh_from_db()
    assert estonian.state == EnrolmentState.NOMINATED


def test_after_the_deadline_nothing_can_be_nominated_or_substituted(client, cohort, latvia):
    client.force_login(latvia)
    client.post(nominate_url(cohort), nominee_form())
    first = Enrolment.objects.get(cohort=cohort)
    cohort.nomination_deadline = timezone.now() - timedelta(minutes=1)
    cohort.save()

    page = client.get(nominate_url(cohort))
    nominated = client.post(nominate_url(cohort), nominee_form(email="late@example.lv"))
    url = reverse("cohorts:substitute", args=[cohort.slug, first.pk])
    substituted = client.post(url, nominee_form(email="late@example.lv"))

    assert "The nomination deadline passed on" in visible_text(page)
    assert 'name="email"' not in page.content.decode()
    assert "The nomination deadline has passed" in visible_text(nominated)
    assert "The nomination deadline has passed" in visible_text(substituted)
    assert Enrolment.objects.filter(cohort=cohort).count() == 1
    first.refresh_from_db()
    assert first.state == EnrolmentState.NOMINATED


# --- The nominee's invitation -----------------------------------------------------------------


@pytest.fixture
def invitation(client, cohort, latvia):
    client.force_login(latvia)
    client.post(nominate_url(cohort), nominee_form())
    client.logout()
    enrolment = Enrolment.objects.get(cohort=cohort)
    token = services.nomination_token_issue(enrolment=enrolment)
    return enrolment, reverse("cohorts:nomination", args=[token])


def test_a_new_nominee_completes_the_profile_sets_a_password_and_is_logged_in(
    client, invitation, django_capture_on_commit_callbacks
):
    enrolment, url = invitation

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "full_name": "Jānis Bērziņš-Ozols",
                "organisation_name": "State Fire and Rescue Service",
                "sector": Sector.FIRE_RESCUE,
                "level": Level.NATIONAL,
                "password1": "Baltic-Sea-2026!",
                "password2": "Baltic-Sea-2026!",
            },
        )

    text = visible_text(page)
    assert "You are nominated for BEP 2026 — Lithuanian presidency" in text
    assert "for Latvia" in text
    assert "Choose a password" in text
    assert page["Referrer-Policy"] == "same-origin"
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACCEPTED
    assert response["Location"] == reverse("cohorts:place", args=[enrolment.pk])
    user = User.objects.get(pk=enrolment.user_id)
    assert user.profile.full_name == "Jānis Bērziņš-Ozols"
    assert user.check_password("Baltic-Sea-2026!")
    followed = client.get(response["Location"])
    assert followed.status_code == 200, "logged in as the nominee"
    assert "your place in BEP 2026 — Lithuanian presidency is confirmed" in visible_text(followed)
    client.logout()
    used = client.get(url)
    assert used.status_code == 404
    assert "This link no longer works" in visible_text(used)


def test_mismatched_passwords_are_explained_and_the_details_kept(client, invitation):
    enrolment, url = invitation

    response = client.post(
        url,
        {
            "full_name": "Jānis Bērziņš",
            "organisation_name": "VUGD",
            "sector": Sector.FIRE_RESCUE,
            "level": Level.NATIONAL,
            "password1": "Baltic-Sea-2026!",
            "password2": "Baltic-Sea-2027!",
        },
    )

    assert "The two passwords do not match" in visible_text(response)
    assert 'value="VUGD"' in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED
    assert "_auth_user_id" not in client.session


def _nominate_existing(client, cohort, focal_point, email, **form) -> tuple[Enrolment, str]:
    client.force_login(focal_point)
    client.post(nominate_url(cohort), nominee_form(email=email, **form))
    client.logout()
    enrolment = Enrolment.objects.get(cohort=cohort)
    token = services.nomination_token_issue(enrolment=enrolment)
    return enrolment, reverse("cohorts:nomination", args=[token])


CONFIRM_FORM = {
    "full_name": "Mallory",
    "organisation_name": "Nowhere",
    "sector": Sector.CIVIL_PROTECTION,
    "level": Level.REGIONAL,
    "password1": "Baltic-Sea-2026!",
    "password2": "Baltic-Sea-2026!",
}


def test_a_link_never_logs_into_an_existing_account(client, cohort, latvia, make_person):
    existing = make_person("LV", full_name="Søren Ærø")
    enrolment, url = _nominate_existing(client, cohort, latvia, existing.email)

    page = client.get(url)
    posted = client.post(url, CONFIRM_FORM)

    text = visible_text(page)
    assert "Log in to confirm" in text
    assert "Søren Ærø" not in page.content.decode(), "nothing of the account is shown"
    assert 'name="password1"' not in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert "Log in to confirm" in visible_text(posted)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED
    existing.refresh_from_db()
    assert existing.check_password("Correct-Horse-42"), "the password is left alone"
    assert existing.profile.full_name == "Søren Ærø"
    assert client.get(reverse("my_learning")).status_code == 302


def test_an_existing_account_confirms_after_logging_in_as_itself(
    client, cohort, latvia, make_person
):
    existing = make_person("LV", full_name="Søren Ærø")
    enrolment, url = _nominate_existing(client, cohort, latvia, existing.email)
    login_link = reverse("login") + "?next=" + reverse("cohorts:place", args=[enrolment.pk])

    page = client.get(url)
    client.force_login(existing)
    confirmed = client.post(reverse("cohorts:place_confirm", args=[enrolment.pk]), follow=True)

    assert login_link.replace("/", "%2F").split("%2F", 1)[0] in page.content.decode()
    assert "You have confirmed your place" in visible_text(confirmed)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACCEPTED


def test_a_logged_in_nominee_with_an_account_confirms_by_the_link(
    client, cohort, latvia, make_person
):
    existing = make_person("LV", full_name="Søren Ærø")
    enrolment, url = _nominate_existing(client, cohort, latvia, existing.email)
    client.force_login(existing)

    page = client.get(url)
    client.post(url, {k: v for k, v in CONFIRM_FORM.items() if "password" not in k})

    assert 'name="password1"' not in page.content.decode()
    assert 'value="Søren Ærø"' in page.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACCEPTED
    existing.refresh_from_db()
    assert existing.check_password("Correct-Horse-42")


def test_the_admin_account_cannot_be_taken_over_by_a_nomination(client, cohort, latvia):
    """The attack: a focal point nominates the administrator's address, opens the link logged
    out, submits the form, and tries the admin's user list."""
    admin = UserFactory(email="admin@bsr-academy.local", is_staff=True, is_superuser=True)

    client.force_login(latvia)
    refused = client.post(nominate_url(cohort), nominee_form(email="Admin@BSR-Academy.local"))
    client.logout()

    assert services.NOT_NOMINABLE.format(email="admin@bsr-academy.local") in visible_text(refused)
    assert "staff" not in visible_text(refused).split("Nominate a participant")[-1].lower()
    assert not Enrolment.objects.filter(user=admin).exists()
    # Even a nomination that got in before (an older release, a database edit) gives nothing.
    enrolment = Enrolment.objects.create(
        cohort=cohort, user=admin, state=EnrolmentState.NOMINATED, country="LV"
    )
    url = reverse("cohorts:nomination", args=[services.nomination_token_issue(enrolment=enrolment)])
    client.get(url)
    client.post(url, CONFIRM_FORM)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/users/").status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("Correct-Horse-42")
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED


@pytest.mark.parametrize("kind", ["staff", "group", "focal_point"])
def test_accounts_with_staff_rights_cannot_be_nominated(client, cohort, latvia, kind):
    from django.contrib.auth.models import Group

    person = UserFactory(is_staff=kind == "staff")
    if kind == "group":
        person.groups.add(Group.objects.create(name="Check-in staff: x"))
    if kind == "focal_point":
        from cohorts.models import FocalPoint

        FocalPoint.objects.create(user=person, country="EE")
    client.force_login(latvia)

    response = client.post(nominate_url(cohort), nominee_form(email=person.email))

    assert f"{person.email} cannot be nominated" in visible_text(response)
    assert not Enrolment.objects.filter(user=person).exists()


def test_the_list_shows_the_name_typed_not_the_accounts_profile(
    client, cohort, latvia, make_person
):
    existing = make_person("LV", full_name="Søren Ærø")
    client.force_login(latvia)

    client.post(
        nominate_url(cohort),
        nominee_form(email=existing.email, full_name="J. Doe", organisation_name="Typed Org"),
    )
    page = client.get(nominate_url(cohort))

    text = visible_text(page)
    assert "J. Doe" in text and "Typed Org" in text
    assert "Søren Ærø" not in text
    assert existing.profile.organisation.name not in text


def test_the_link_expires(client, invitation, clock):
    enrolment, url = invitation
    clock.advance(days=15)

    response = client.get(url)

    assert response.status_code == 404
    assert "This invitation link has expired" in visible_text(response)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED


def test_the_link_stops_at_the_nomination_deadline(cohort, latvia):
    expiry = services.nomination_link_expiry(cohort=cohort)

    assert expiry == cohort.nomination_deadline


def test_a_focal_point_sends_the_invitation_again(
    client, invitation, latvia, django_capture_on_commit_callbacks
):
    from lms.models import OutgoingEmail

    enrolment, old_url = invitation
    client.force_login(latvia)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:nomination_resend", args=[enrolment.cohort.slug, enrolment.pk]),
            follow=True,
        )

    assert "We have sent" in visible_text(response)
    sent = OutgoingEmail.objects.filter(
        recipient=enrolment.user.email, reason__contains=":again:"
    ).get()
    new_path = sent.body_text.split("/cohorts/nomination/")[1].split()[0]
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(f"/cohorts/nomination/{new_path}").status_code == 200


def test_a_nominee_logged_in_as_someone_else_is_told_so(client, invitation, make_person):
    enrolment, url = invitation
    someone = make_person("EE")
    client.force_login(someone)

    page = client.get(url)
    client.post(url, {"full_name": "x", "organisation_name": "x", "sector": "police"})

    text = visible_text(page)
    assert "This invitation is for someone else" in text
    assert someone.email in text and enrolment.user.email in text
    assert "Log out and continue" in text
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED


def test_a_logged_in_nominee_can_confirm_from_the_status_page(client, invitation):
    enrolment, _ = invitation
    client.force_login(enrolment.user)

    page = client.get(reverse("cohorts:place", args=[enrolment.pk]))
    response = client.post(reverse("cohorts:place_confirm", args=[enrolment.pk]), follow=True)

    assert "Nominated." in visible_text(page) and "Confirm my place" in visible_text(page)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACCEPTED
    assert "You have confirmed your place" in visible_text(response)


@pytest.mark.parametrize("token", ["unknown", "x" * 300])
def test_an_unknown_invitation_gives_a_clear_page(client, db, token):
    response = client.get(reverse("cohorts:nomination", args=[token]))

    assert response.status_code == 404
    assert "This link no longer works" in visible_text(response)


# --- Who nominated, and declining ---------------------------------------------------------------


def test_a_nominee_imported_by_staff_reads_that_the_staff_nominated_them(
    client, cohort, staff, django_capture_on_commit_callbacks
):
    from lms.models import OutgoingEmail

    nominee = services.Nominee(
        email="ruta@policija.example.lt", full_name="Rūta Žemaitytė", country="LT"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.enrolments_import(cohort=cohort, rows=[(1, nominee)], actor=staff)
    enrolment = outcome.imported[1]
    email = OutgoingEmail.objects.get(recipient="ruta@policija.example.lt")
    path = email.body_text.split(settings_base())[1].split()[0]

    page = visible_text(client.get(path))

    assert "the staff of BEP 2026 — Lithuanian presidency (Õie Täht) have nominated you" in (
        " ".join(email.body_text.split())
    )
    assert "national focal point" not in email.body_text
    assert "The staff of BEP 2026 — Lithuanian presidency have nominated you" in page
    assert "focal point" not in page
    enrolment.refresh_from_db()
    client.force_login(enrolment.user)
    place = visible_text(client.get(reverse("cohorts:place", args=[enrolment.pk])))
    assert "Nominated on" in place and "Applied on" not in place
    assert "The staff of BEP 2026 — Lithuanian presidency have nominated you" in place


def settings_base() -> str:
    from django.conf import settings

    return settings.BASE_URL.rstrip("/")


def test_a_new_nominee_declines_by_the_link_and_the_focal_point_is_told(
    client, invitation, latvia, django_capture_on_commit_callbacks
):
    from lms.models import OutgoingEmail

    enrolment, url = invitation

    asked = client.post(url, {"decline": "ask"})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"decline": "yes"}, follow=True)

    assert "Decline the nomination for BEP 2026 — Lithuanian presidency?" in visible_text(asked)
    assert "You have declined the nomination" in visible_text(done)
    assert "_auth_user_id" not in client.session
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.WITHDRAWN
    assert enrolment.claims.count() == 0
    assert "declined" in events_of(enrolment)
    told = OutgoingEmail.objects.get(recipient=latvia.email, reason__contains="declined")
    assert "Jānis Bērziņš" in told.subject and "declined" in told.subject
    assert "You can nominate someone else" in told.body_text
    assert client.get(url).status_code == 404
    # The place is Latvia's again: the focal point nominates someone else.
    client.force_login(latvia)
    client.post(nominate_url(cohort=enrolment.cohort), nominee_form(email="karlis@vugd.lv"))
    assert Enrolment.objects.filter(
        cohort=enrolment.cohort, state=EnrolmentState.NOMINATED
    ).exists()


def test_a_logged_in_nominee_declines_from_the_place_page(client, invitation):
    enrolment, _ = invitation
    client.force_login(enrolment.user)

    page = visible_text(client.get(reverse("cohorts:place", args=[enrolment.pk])))
    confirm = visible_text(client.get(reverse("cohorts:withdraw", args=[enrolment.pk])))
    done = client.post(
        reverse("cohorts:withdraw", args=[enrolment.pk]), {"confirm": "yes"}, follow=True
    )

    assert "Decline the nomination…" in page
    assert "your national focal point will be told" in confirm
    assert "You declined the nomination." in visible_text(done)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.WITHDRAWN
    assert enrolment.decision_reason == "declined the nomination"


def test_my_learning_links_a_focal_point_to_their_nomination_pages(
    client, make_cohort, make_focal_point, programme
):
    cohort = make_cohort(
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=timezone.now() + timedelta(days=10),
    )
    make_cohort(enrolment_mode=EnrolmentMode.OPEN)
    focal = make_focal_point("LV", programme=programme)
    client.force_login(focal)

    page = client.get(reverse("my_learning")).content.decode()
    nominate_url = reverse("cohorts:nominate", args=[cohort.slug])

    assert f'href="{nominate_url}"' in page
    assert page.count("/nominate/") == 1
    assert client.get(nominate_url).status_code == 200


def test_my_learning_of_someone_who_is_no_focal_point_has_no_nomination_links(
    client, make_cohort, make_person
):
    make_cohort(enrolment_mode=EnrolmentMode.NOMINATION)
    client.force_login(make_person("LV"))

    assert "/nominate/" not in client.get(reverse("my_learning")).content.decode()
