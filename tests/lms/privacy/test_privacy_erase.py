"""Erase my account: the person's data is removed or pseudonymised in every table (the test
walks every text and JSON field of every installed app, Wagtail's and django-q2's included),
the numbers programmes report stay the same, and only a POST with the right confirmation
erases."""

import io

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from openpyxl import load_workbook

from certificates.models import Certificate, CertificateState
from cohorts.models import Enrolment, EnrolmentState, GroupMember
from lms.errors import LmsError
from lms.models import DataExport, GuardianConsent, OutgoingEmail, User
from lms.privacy import services as privacy
from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    clock,
    home,
    make_activity,
    make_cohort,
    make_programme,
    programme,
    programme_index,
)
from tests.factories import UserFactory
from tests.lms.privacy_world import (
    JANIS_EMAIL,
    NOTES_THORUNN,
    SURVEY_TEXT_THORUNN,
    World,
    export_of,
    sessions_of,
    statistics,
    traces_of,
    world,  # noqa: F401 (fixture)
)
from tests.programmes.builders import local
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def erase(user, capture, *, actor=None) -> bool:
    """Erase as the page does: commit, then what runs after the commit (files, sessions,
    the events' handlers)."""
    with capture(execute=True):
        return privacy.person_erase(user=user, actor=actor or user)


@pytest.mark.parametrize("who", ["janis", "oie"])
def test_erasure_leaves_no_personal_data_in_any_table(
    world: World,  # noqa: F811
    who,
    client,
    django_capture_on_commit_callbacks,
):
    person = getattr(world, who)
    secrets = world.secrets_of(who)
    client.force_login(person)
    export = export_of(person, django_capture_on_commit_callbacks)
    kept_files = [
        (c.pdf.storage, c.pdf.name) for c in Certificate.objects.filter(user=person) if c.pdf
    ] + [(export.file.storage, export.file.name)]
    assert traces_of(secrets), "the world holds the person's data before the erasure"
    others = world.secrets_of("thorunn")
    assert sessions_of(person) == 1

    assert erase(person, django_capture_on_commit_callbacks) is True

    assert traces_of(secrets) == []
    # Nobody else lost anything of their own.
    assert traces_of(others) != [] and all(traces_of([s]) for s in others)
    for storage, name in kept_files:
        assert not storage.exists(name)
    assert sessions_of(person) == 0
    person.refresh_from_db()
    assert person.email == f"erased-{person.pk}@erased.invalid"
    assert (person.first_name, person.last_name, person.is_active) == ("", "", False)
    assert not person.has_usable_password() and person.erased_at is not None
    assert not DataExport.objects.filter(user=person).exists()


def test_the_numbers_programmes_report_stay_the_same(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    before = statistics()

    erase(world.janis, django_capture_on_commit_callbacks)
    erase(world.oie, django_capture_on_commit_callbacks)

    assert statistics() == before
    # The rows are there, with what is counted and without what was personal.
    place = Enrolment.objects.get(user=world.janis, cohort=world.cohort)
    assert place.state == EnrolmentState.COMPLETED and str(place.country) == "LV"
    assert place.answers == {} and place.care_notes == ""
    minor = Enrolment.objects.get(user=world.oie)
    assert minor.attended_at is not None and minor.care_notes == ""
    assert minor.care_notes_purged_at is not None
    assert not GroupMember.objects.filter(person=world.oie).exists()
    consent = GuardianConsent.objects.get(person=world.oie)
    assert (consent.guardian_email, consent.guardian_name, consent.state) == ("", "", "given")
    assert world.leader in world.group.leaders.all()
    assert set(Certificate.objects.filter(user=world.janis).values_list("state", flat=True)) == {
        CertificateState.WITHDRAWN
    }


def test_someone_else_keeps_their_answers_notes_and_mail(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    thorunn = world.thorunn
    peer_mail = OutgoingEmail.objects.get(
        recipient=thorunn.email, reason__startswith="cohorts.peergroups."
    )
    assert "Jānis Bērziņš" in peer_mail.body_text

    erase(world.janis, django_capture_on_commit_callbacks)

    peer_mail.refresh_from_db()
    assert "Jānis" not in peer_mail.body_text and "[erased]" in peer_mail.body_text
    assert peer_mail.body_text.startswith("Dear Þórunn Guðmundsdóttir,")
    assert Enrolment.objects.get(user=thorunn, activity=world.activity).care_notes == (
        NOTES_THORUNN
    )
    assert traces_of([SURVEY_TEXT_THORUNN]) != []
    thorunn.refresh_from_db()
    assert thorunn.email == "thorunn.gudmundsdottir@example.is" and thorunn.is_active


def test_erasing_twice_changes_nothing_more(world: World, django_capture_on_commit_callbacks):  # noqa: F811
    assert erase(world.janis, django_capture_on_commit_callbacks) is True
    before = statistics()
    user = User.objects.get(pk=world.janis.pk)

    assert erase(user, django_capture_on_commit_callbacks) is False

    assert statistics() == before


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def janis_client(client, world):  # noqa: F811
    client.force_login(world.janis)
    return client


def test_opening_the_erase_page_erases_nothing(janis_client, world):  # noqa: F811
    response = janis_client.get(reverse("account_erase"))

    assert response.status_code == 200
    text = visible_text(response)
    assert "This cannot be undone" in text and "withdrawn at the holder's request" in text
    world.janis.refresh_from_db()
    assert world.janis.email == JANIS_EMAIL and world.janis.erased_at is None
    assert janis_client.get(reverse("my_data")).status_code == 200


@pytest.mark.parametrize(
    "typed",
    [None, "", " ", "someone.else@example.lv", JANIS_EMAIL, "Wrong-Password-1", "x" * 5000],
)
def test_a_wrong_confirmation_says_so_and_changes_nothing(janis_client, world, typed):  # noqa: F811
    before = statistics()

    data = {} if typed is None else {"confirmation": typed}
    response = janis_client.post(reverse("account_erase"), data)

    assert response.status_code == 200
    text = visible_text(response)
    assert any(
        message in text
        for message in ("Nothing was erased", "This field is required", "at most 254 characters")
    )
    world.janis.refresh_from_db()
    assert world.janis.email == JANIS_EMAIL and world.janis.is_active
    assert statistics() == before
    assert janis_client.get(reverse("my_data")).status_code == 200


@pytest.mark.parametrize("typed", ["Correct-Horse-42"])
def test_the_right_confirmation_erases_logs_out_and_confirms(
    janis_client,
    world,  # noqa: F811
    typed,
    client,
    django_capture_on_commit_callbacks,
):
    elsewhere = type(client)()
    elsewhere.force_login(world.janis)  # another browser, still logged in

    with django_capture_on_commit_callbacks(execute=True):
        response = janis_client.post(reverse("account_erase"), {"confirmation": typed})

    assert response.status_code == 302 and response["Location"] == reverse("account_erased")
    page = janis_client.get(response["Location"])
    assert "Your account has been erased" in visible_text(page)
    for browser in (janis_client, elsewhere):
        assert browser.get(reverse("my_data"))["Location"].startswith(reverse("login"))
    world.janis.refresh_from_db()
    assert world.janis.erased_at is not None
    assert not janis_client.login(username=JANIS_EMAIL, password="Correct-Horse-42")


def test_the_pages_need_a_login(client, world):  # noqa: F811
    for name in ("account_erase", "my_data"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(reverse("account_erase"), {"confirmation": JANIS_EMAIL})
    assert response.status_code == 302
    world.janis.refresh_from_db()
    assert world.janis.erased_at is None


def test_the_only_administrator_cannot_erase_themselves(client, db):
    admin = UserFactory(email="admin@example.fi", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(reverse("account_erase"), {"confirmation": "Correct-Horse-42"})

    assert response.status_code == 200
    assert "only administrator account" in visible_text(response)
    admin.refresh_from_db()
    assert admin.is_active and admin.erased_at is None
    with pytest.raises(LmsError):
        privacy.person_erase(user=admin, actor=admin)


# --- places still open are given up ----------------------------------------------------------


def test_a_place_still_to_come_goes_to_the_next_person_waiting(
    db,
    clock,  # noqa: F811
    make_activity,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from cohorts.places import services

    clock.now = local("2030-01-01 10:00")
    activity = make_activity(title="Ice Rescue Webinar", slug="ice-rescue", capacity=1)
    holder = UserFactory(email="first@example.lt", profile__full_name="Žydrūnas Šimkus")
    waiting = UserFactory(email="second@example.dk", profile__full_name="Søren Ærø")
    with django_capture_on_commit_callbacks(execute=True):
        held = services.registration_create(user=holder, activity=activity)
        queued = services.registration_create(user=waiting, activity=activity)
    assert (held.state, queued.state) == ("accepted", "waitlisted")

    erase(holder, django_capture_on_commit_callbacks)

    held.refresh_from_db()
    queued.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN
    assert queued.state == EnrolmentState.OFFERED
    assert traces_of(["Žydrūnas", "Šimkus", "first@example.lt"]) == []
    assert storages["private"] is not None


def test_what_is_kept_after_erasure_does_not_single_the_person_out(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
    client,
):
    """A sent peer-group e-mail kept "[erased], Latvia, VUGD Zemgale", and exports showed the
    pseudonymous address as a full name."""
    janis = world.janis
    peer_mail = OutgoingEmail.objects.get(
        recipient=world.thorunn.email, reason__startswith="cohorts.peergroups."
    )
    assert "VUGD Zemgale" in peer_mail.body_text and "VUGD Zemgale" in peer_mail.body_html

    erase(janis, django_capture_on_commit_callbacks)

    peer_mail.refresh_from_db()
    for body in (peer_mail.body_text, peer_mail.body_html):
        assert "VUGD Zemgale" not in body
        assert "[erased]" in body
        assert "[erased]," not in body, "nothing stands beside the erased name"
    assert "\n- [erased]\n" in peer_mail.body_text
    assert "<li>[erased]</li>" in peer_mail.body_html
    for place in Enrolment.objects.filter(user=janis):
        assert (place.organisation_id, place.sector, place.level, place.gender) == (
            None,
            "",
            "",
            "",
        )
        assert str(place.country) == "LV", "per-country counts stay right"
    profile = User.objects.get(pk=janis.pk).profile
    assert (str(profile.country), profile.organisation_id, profile.sector, profile.level) == (
        "",
        None,
        "",
        "",
    )

    client.force_login(world.staff)
    csv_text = client.get(
        reverse("cohorts_desk_export_csv", args=[world.cohort.pk])
    ).content.decode("utf-8-sig")
    assert "Erased participant" in csv_text
    assert "erased.invalid" not in csv_text and "VUGD Zemgale" not in csv_text
    workbook = load_workbook(
        io.BytesIO(
            client.get(reverse("cohorts:attendance_export", args=[world.activity.pk])).content
        )
    )
    cells = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert "Erased participant" in cells
    assert not [c for c in cells if "erased.invalid" in c]
