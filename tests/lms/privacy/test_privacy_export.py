"""Download my data: a job builds a ZIP with everything about the person (data.json and their
files) and nothing about anyone else; the page shows its progress and offers the download to
its owner only; archives expire."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from lms.models import DataExport, DataExportState
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
    ANSWER_JANIS,
    DRAFT_JANIS,
    JANIS_EMAIL,
    NOTES_JANIS,
    NOTES_OIE,
    REFLECTION_JANIS,
    SURVEY_TEXT_JANIS,
    World,
    archive_of,
    export_of,
    pdf_words,
    world,  # noqa: F401 (fixture)
)
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

# Everyone else in Jānis's world: peers, staff, the focal point who nominated him, the desk.
STRANGERS = [
    "Þórunn",
    "Guðmundsdóttir",
    "thorunn.gudmundsdottir@example.is",
    "Søren",
    "Ærø",
    "soren.aero@example.dk",
    "Małgorzata",
    "Wąsowska",
    "Helmi",
    "Väänänen",
    "Ilze",
    "Kalniņa",
    "Kristīne",
    "Ozoliņa",
    "Õie",
    "Täht",
    "maarja.taht@example.ee",
    "Kadri",
    "Avalanche",
    "volcanic ash",
    "Lactose",
]


def everything_in(archive: dict[str, bytes]) -> str:
    """The archive as a person reads it: the JSON's text and the words of every PDF."""
    parts = []
    for name, content in archive.items():
        parts.append(pdf_words(content) if name.endswith(".pdf") else content.decode())
    return "\n".join(parts)


def test_the_archive_holds_everything_about_the_person(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    export = export_of(world.janis, django_capture_on_commit_callbacks)

    assert export.state == DataExportState.DONE and export.progress == 100
    assert export.expires_at - export.finished_at == dt.timedelta(days=7)
    archive = archive_of(export)
    assert {"README.txt", "data.json"} <= set(archive)
    pdfs = sorted(name for name in archive if name.endswith(".pdf"))
    assert [name.split("/")[1] for name in pdfs] == ["certificates", "certificates", "passes"]
    data = json.loads(archive["data.json"])

    account = data["account"]
    assert account["account"]["email"] == JANIS_EMAIL
    assert account["profile"]["full_name"] == "Jānis Bērziņš"
    assert account["profile"]["organisation"] == "VUGD Zemgale"
    about = {mail["about"] for mail in account["emails_sent_to_you"]}
    assert {"cohorts.peergroups.published", "certificates.certificate.issued"} <= about
    assert all(mail["sent_at"] for mail in account["emails_sent_to_you"])
    assert account["your_actions"], "his own actions (confirming the nomination ...)"

    places = data["places"]
    by_target = {p["in"]: p for p in places["places_and_applications"]}
    assert by_target["BEP 2030 — Latvian presidency"]["state"] == "Completed"
    assert by_target["BEP 2030 — Latvian presidency"]["answers"] == [
        {"question": "Which exercise would you bring to the group?", "answer": ANSWER_JANIS}
    ]
    assert by_target["NEEDS 2030 — societal security"]["how"] == "Nomination"
    assert by_target["Storm Surge Table-top: Rīga"]["dietary_or_medical_notes"] == NOTES_JANIS
    assert [a["status"] for a in places["attendance"]] == ["Present"] * 3
    assert places["peer_groups"] == [
        {"cohort": "BEP 2030 — Latvian presidency", "group": "Peer group 1"}
    ]
    drafts = [i["draft_answers"] for i in places["survey_invitations"] if i["draft_answers"]]
    assert DRAFT_JANIS in json.dumps(drafts, ensure_ascii=False)

    learning = data["learning"]
    (module,) = learning["modules"]
    assert module["module"] == "Cross-border cooperation" and module["completed_at"]
    assert REFLECTION_JANIS in [step["reflection"] for step in module["steps_done"]]
    assert module["knowledge_checks"][0]["passed"] is True
    (named,) = learning["survey_answers_under_your_name"]
    texts = {answer["question"]: answer["text"] for answer in named["answers"]}
    assert texts["What do you hope to learn"] == SURVEY_TEXT_JANIS
    assert texts["Where to reach you afterwards"] == JANIS_EMAIL

    certificates = data["certificates"]
    assert {c["name_printed"] for c in certificates} == {"Jānis Bērziņš"}
    assert {c["state"] for c in certificates} == {"Valid"}
    for name in pdfs:
        assert "Jānis Bērziņš" in " ".join(pdf_words(archive[name]).split())


def test_the_archive_holds_nothing_about_anyone_else(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    export = export_of(world.janis, django_capture_on_commit_callbacks)

    text = everything_in(archive_of(export)).casefold()

    assert [s for s in STRANGERS if s.casefold() in text] == []
    # His anonymous answers cannot be tied to him, so they are not there either.
    assert "Keep the exercises" not in text


def test_a_minor_without_an_account_has_her_group_guardian_and_notes(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    export = export_of(world.oie, django_capture_on_commit_callbacks)

    data = json.loads(archive_of(export)["data.json"])
    (membership,) = data["places"]["youth_group_memberships"]
    assert membership["group"] == "Pärnu Young Rescuers"
    assert (membership["first_name"], membership["family_name"]) == ("Õie", "Täht")
    assert membership["guardian_email"] == "maarja.taht@example.ee"
    (consent,) = data["account"]["guardian_consents_about_you"]
    assert consent["state"] == "Given" and consent["guardian_name"] == "Maarja Täht"
    (place,) = data["places"]["places_and_applications"]
    assert place["dietary_or_medical_notes"] == NOTES_OIE
    assert place["booked_by_group"] == "Pärnu Young Rescuers"
    text = everything_in(archive_of(export))
    assert "Jānis" not in text and "Kadri" not in text


def test_the_job_reports_its_progress_step_by_step(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    seen = []

    def watch(user):
        row = DataExport.objects.get(user=user)
        seen.append((row.state, row.progress, row.step))
        return {"watched": True}

    saved = dict(privacy._providers)
    privacy.personal_data_register("watch", label="a watcher", export=watch)
    try:
        export = export_of(world.thorunn, django_capture_on_commit_callbacks)
    finally:
        privacy._providers.clear()
        privacy._providers.update(saved)

    ((state, progress, step),) = seen
    assert state == DataExportState.RUNNING and 0 < progress < 100
    assert step == "Collecting: a watcher"
    assert export.state == DataExportState.DONE and export.progress == 100


# --- the page ---------------------------------------------------------------------------------


# The person confirms the request with their password.
CONFIRMED = {"confirmation": "Correct-Horse-42"}


@pytest.fixture
def person(db):
    return UserFactory(email="zydrunas@example.lt", profile__full_name="Žydrūnas Šimkus")


def test_asking_shows_a_progress_bar_that_works_without_javascript(client, person):
    client.force_login(person)
    page = client.get(reverse("my_data"))
    assert "Prepare a copy of my data" in visible_text(page)

    # The job has not started yet (it runs after the commit).
    response = client.post(reverse("my_data_export"), CONFIRMED, follow=True)

    html = response.content.decode()
    assert "We are preparing a copy of your data" in visible_text(response)
    # A native progress bar (role progressbar), readable without JavaScript.
    assert '<progress class="data-progress" id="export-progress" max="100" value="0"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    export = DataExport.objects.get(user=person)
    status = client.get(reverse("my_data_status", args=[export.pk])).json()
    assert status == {
        "state": "requested",
        "label": "Waiting to start",
        "progress": 0,
        "step": "Waiting to start",
        "finished": False,
        "download_url": "",
    }


def test_a_second_request_while_one_runs_is_refused_clearly(client, person):
    client.force_login(person)
    client.post(reverse("my_data_export"), CONFIRMED)

    response = client.post(reverse("my_data_export"), CONFIRMED, follow=True)

    assert "already being prepared" in visible_text(response)
    assert DataExport.objects.filter(user=person).count() == 1


def test_a_request_whose_job_was_lost_can_be_made_again(client, person):
    client.force_login(person)
    client.post(reverse("my_data_export"), CONFIRMED)
    DataExport.objects.update(requested_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    client.post(reverse("my_data_export"), CONFIRMED)

    states = sorted(DataExport.objects.values_list("state", flat=True))
    assert states == ["failed", "requested"]


def test_an_export_whose_job_was_lost_is_built_by_the_sweeper(client, person):
    client.force_login(person)
    client.post(reverse("my_data_export"), CONFIRMED)  # its job never ran: nothing committed
    export = DataExport.objects.get(user=person)

    assert privacy.data_exports_sweep() == 0, "a fresh request is left to its own job"
    later = export.requested_at + privacy.EXPORT_SWEEP_AFTER + dt.timedelta(seconds=1)
    assert privacy.data_exports_sweep(now=later) == 1

    export.refresh_from_db()
    assert export.state == DataExportState.DONE
    assert privacy.data_exports_sweep(now=later) == 0


def test_only_the_owner_can_follow_and_download(client, person, django_capture_on_commit_callbacks):
    export = export_of(person, django_capture_on_commit_callbacks)
    status_url = reverse("my_data_status", args=[export.pk])
    download_url = reverse("my_data_download", args=[export.pk])

    client.force_login(person)
    page = client.get(reverse("my_data"))
    assert "Download my data (ZIP)" in visible_text(page)
    assert client.get(status_url).json()["download_url"] == download_url
    response = client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"PK"

    other = UserFactory(email="intruder@example.se")
    client.force_login(other)
    assert client.get(download_url).status_code == 404
    assert client.get(status_url).status_code == 404
    client.logout()
    assert client.get(download_url)["Location"].startswith(reverse("login"))
    assert client.get(reverse("my_data_download", args=[10**17])).status_code == 302


def test_archives_expire_and_are_deleted(client, person, django_capture_on_commit_callbacks):
    export = export_of(person, django_capture_on_commit_callbacks)
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)

    # The day before it expires, it is still there.
    assert privacy.data_exports_expire(now=export.expires_at - dt.timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.data_exports_expire(now=export.expires_at) == 1

    assert not storage.exists(name)
    assert not DataExport.objects.filter(pk=export.pk).exists()
    client.force_login(person)
    assert client.get(reverse("my_data_download", args=[export.pk])).status_code == 404


def test_a_new_copy_replaces_the_previous_one(person, django_capture_on_commit_callbacks):
    first = export_of(person, django_capture_on_commit_callbacks)
    second = export_of(person, django_capture_on_commit_callbacks)

    assert list(DataExport.objects.filter(user=person)) == [second]
    assert not first.file.storage.exists(first.file.name)


def test_the_expiry_job_is_scheduled(db):
    from lms import jobs

    names = {job.name: job for job in jobs.periodic_jobs()}
    assert names["lms.data_exports_expire"].func == "lms.tasks.data_exports_expire_task"
    assert names["lms.data_exports_sweep"].func == "lms.tasks.data_exports_sweep_task"
    assert names["cohorts.matching_runs_sweep"].func == "cohorts.tasks.matching_runs_sweep_task"
    assert names["cohorts.care_notes_purge"].minutes == 24 * 60


def test_the_page_links_from_profile_and_my_learning(client, person):
    client.force_login(person)
    for name in ("profile", "my_learning"):
        assert reverse("my_data") in client.get(reverse(name)).content.decode()
