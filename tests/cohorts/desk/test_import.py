"""CSV import of nominees in the cohort desk: a row-by-row report, nothing imported unless the
whole file is valid (or staff choose the valid rows), the same place rules as every path."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cohorts.models import Enrolment, EnrolmentMode, EnrolmentSource, EnrolmentState
from cohorts.places import services
from lms.models import Event, OutgoingEmail, User
from tests.cohorts.desk.test_desk import messages_of, staff_of

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,country,organisation,sector,level\n"
GOOD = (
    HEADER
    + "janis@example.lv,Jānis Bērziņš,LV,Valsts ugunsdzēsības dienests,fire_rescue,national\n"
    + "zydrunas@example.lt,Žydrūnas Šimkus,lt,"
    + "Priešgaisrinės apsaugos departamentas,Fire and rescue,\n"
    + "thorunn@example.is,Þórunn Guðmundsdóttir,Iceland,Almannavarnir,civil_protection,regional\n"
)


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(enrolment_mode=EnrolmentMode.NOMINATION, capacity=30, country_cap=2)


@pytest.fixture
def staff_client(client, cohort):
    client.force_login(staff_of(cohort))
    return client


def upload(client, cohort, content, *, mode="all", name="nominees.csv", encoding="utf-8-sig"):
    data = content if isinstance(content, bytes) else content.encode(encoding)
    return client.post(
        reverse("cohorts_desk_import", args=[cohort.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode},
    )


def report(response) -> dict[int, list[str]]:
    """Row number → problems, as the report shows them."""
    return {row.number: row.errors for row in response.context["parsed"].rows}


def test_the_import_page_explains_the_columns(staff_client, cohort):
    page = staff_client.get(reverse("cohorts_desk_import", args=[cohort.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "email, full_name, country, organisation, sector, level" in html
    assert "10 MB" in html


def test_a_good_file_nominates_everyone_and_invites_them(
    staff_client, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, cohort, GOOD)

    assert response.status_code == 200
    assert report(response) == {2: [], 3: [], 4: []}
    assert "Imported 3 nominees" in messages_of(response)[0]
    enrolments = Enrolment.objects.filter(cohort=cohort).select_related("user__profile")
    assert {(e.user.profile.full_name, e.country.code, e.state, e.source) for e in enrolments} == {
        ("Jānis Bērziņš", "LV", EnrolmentState.NOMINATED, EnrolmentSource.IMPORT),
        ("Žydrūnas Šimkus", "LT", EnrolmentState.NOMINATED, EnrolmentSource.IMPORT),
        ("Þórunn Guðmundsdóttir", "IS", EnrolmentState.NOMINATED, EnrolmentSource.IMPORT),
    }
    lithuanian = enrolments.get(country="LT")
    assert (lithuanian.sector, lithuanian.organisation.name) == (
        "fire_rescue",
        "Priešgaisrinės apsaugos departamentas",
    )
    assert Event.objects.filter(name="cohorts.enrolment.nominated").count() == 3
    assert ModelLogEntry.objects.filter(action="cohorts.enrolment.import").count() == 3
    invited = set(OutgoingEmail.objects.values_list("recipient", flat=True))
    assert invited == {"janis@example.lv", "zydrunas@example.lt", "thorunn@example.is"}
    assert "Imported" in response.content.decode()


BAD = (
    HEADER
    + "not-an-email,Søren Ærø,DK,,,\n"  # row 2
    + "anna@example.fi,Anna Virtanen,FI,,police,\n"  # 3
    + "olli@example.fi,Olli Mäkinen,XX,,,\n"  # 4
    + "ANNA@example.fi,Anna Again,FI,,,\n"  # 5
    + "piotr@example.pl,Piotr Nowak,PL,,astronaut,\n"  # 6
    + "aino@example.fi,Aino Ärmä,FI,,,\n"  # 7
    + "\n"  # 8: blank lines are skipped
    + "eero@example.fi,Eero Leino,FI,,,\n"  # 9: FI already has two places by now
    + "enrolled@example.ee,Õie Täht,EE,,,\n"  # 10
)


@pytest.fixture
def already_enrolled(cohort):
    services.enrolments_import(
        cohort=cohort,
        rows=[(1, services.Nominee(email="enrolled@example.ee", full_name="Õie", country="EE"))],
        actor=None,
    )
    return Enrolment.objects.get(cohort=cohort)


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(
    staff_client, cohort, already_enrolled
):
    users_before = User.objects.count()

    response = upload(staff_client, cohort, BAD)

    problems = report(response)
    assert problems[2] == ["“not-an-email” is not a valid e-mail address"]
    assert problems[3] == []
    assert problems[4] == ["unknown country “XX” (use a two-letter code such as FI)"]
    assert problems[5] == ["the same e-mail address as row 3"]
    assert problems[6][0].startswith("unknown sector “astronaut” (one of: fire_rescue, police")
    assert problems[7] == []
    assert problems[9] == ["no place left: the places for Finland are taken (2 of 2)"]
    assert problems[10] == ["already in this cohort (nominated, awaiting confirmation)"]
    assert 8 not in problems
    assert messages_of(response) == [
        "Nothing was imported: 6 of 8 rows have problems. Correct them and upload the file "
        "again, or choose to import the valid rows only."
    ]
    html = response.content.decode()
    assert "the places for Finland are taken (2 of 2)" in html
    assert Enrolment.objects.filter(cohort=cohort).count() == 1
    assert User.objects.count() == users_before


def test_import_valid_rows_only_skips_the_others(staff_client, cohort, already_enrolled):
    response = upload(staff_client, cohort, BAD, mode="valid")

    assert messages_of(response)[0].startswith("Imported 2 nominees; 6 rows skipped.")
    imported = set(
        Enrolment.objects.filter(cohort=cohort, source=EnrolmentSource.IMPORT)
        .exclude(pk=already_enrolled.pk)
        .values_list("user__email", flat=True)
    )
    assert imported == {"anna@example.fi", "aino@example.fi"}
    assert sorted(response.context["imported"]) == [3, 7]


def test_check_only_imports_nothing(staff_client, cohort):
    response = upload(staff_client, cohort, GOOD, mode="check")
    assert report(response) == {2: [], 3: [], 4: []}
    assert "Nothing was imported" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_place_taken_between_check_and_import_rolls_the_file_back(cohort):
    fins = [
        (n, services.Nominee(email=f"fi{n}@example.fi", full_name=f"Fin {n}", country="FI"))
        for n in (2, 3, 4)
    ]

    outcome = services.enrolments_import(cohort=cohort, rows=fins, actor=None)

    assert outcome.imported == {}
    assert outcome.failed == {
        4: "Fin 4 cannot be nominated: the places for Finland are taken (2 of 2)."
    }
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(email__startswith="fi").exists()

    partial = services.enrolments_import(cohort=cohort, rows=fins, actor=None, all_or_nothing=False)
    assert sorted(partial.imported) == [2, 3] and list(partial.failed) == [4]
    assert Enrolment.objects.filter(state=EnrolmentState.NOMINATED).count() == 2


def test_wrong_encoding_is_explained_and_nothing_imported(staff_client, cohort):
    latin = (HEADER + "soren@example.dk,Søren Ærø,DK,,,\n").encode("cp1252")

    response = upload(staff_client, cohort, latin)

    message = messages_of(response)[0]
    assert "not in UTF-8" in message and "line 2" in message and "CSV UTF-8" in message
    assert "parsed" not in response.context
    assert not Enrolment.objects.exists()


def test_excel_unicode_text_and_semicolons_are_read(staff_client, cohort):
    tabbed = GOOD.replace(",", "\t").encode("utf-16")
    response = upload(staff_client, cohort, tabbed, mode="check")
    assert report(response) == {2: [], 3: [], 4: []}
    assert [row.full_name for row in response.context["parsed"].rows][0] == "Jānis Bērziņš"

    semicolons = GOOD.replace(",", ";")
    response = upload(staff_client, cohort, semicolons, mode="check")
    assert report(response) == {2: [], 3: [], 4: []}


def test_formula_cells_are_kept_as_plain_text(staff_client, cohort):
    content = (
        HEADER
        + 'mal@example.ee,"=HYPERLINK(""http://evil.example"",""x"")",EE,@SUM(A1),,\n'
        + "plus@example.ee,+Mari Tamm,EE,-Org,,\n"
    )

    response = upload(staff_client, cohort, content)

    assert report(response) == {2: [], 3: []}
    people = {
        e.user.email: (e.user.profile.full_name, e.organisation.name)
        for e in Enrolment.objects.select_related("user__profile", "organisation")
    }
    assert people == {
        "mal@example.ee": ('=HYPERLINK("http://evil.example","x")', "@SUM(A1)"),
        "plus@example.ee": ("+Mari Tamm", "-Org"),
    }
    # ... and an export of them is neutralised.
    export = staff_client.get(reverse("cohorts_desk_export_csv", args=[cohort.pk]))
    assert "'=HYPERLINK" in export.content.decode("utf-8-sig")


def test_a_file_over_10_mb_is_refused_with_a_message(staff_client, cohort):
    big = GOOD.encode() + b"x" * (10 * 1024 * 1024)

    response = upload(staff_client, cohort, big)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        "The file is 10.0 MB; the limit is 10 MB. Split it into smaller files and import "
        "them one after another."
    ]
    assert "the limit is 10 MB" in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name;mail\nx;y\n", "Missing: email, country."),
        (HEADER, "no rows to import"),
        ("\n\n", "The file is empty"),
        (b"\x00\x01binary", "binary data"),
    ],
)
def test_unreadable_files_get_a_clear_message(staff_client, cohort, content, expected):
    response = upload(staff_client, cohort, content)
    assert response.status_code == 200
    assert expected in messages_of(response)[0]
    assert not Enrolment.objects.exists()


def test_junk_posts_do_not_fail(staff_client, cohort):
    url = reverse("cohorts_desk_import", args=[cohort.pk])
    assert staff_client.post(url, {}).status_code == 200
    assert staff_client.post(url, {"mode": "<x>", "file": "not a file"}).status_code == 200
    empty = upload(staff_client, cohort, b"")
    assert "The submitted file is empty." in empty.content.decode()
    assert upload(staff_client, cohort, GOOD, mode="everything").status_code == 200
    assert not Enrolment.objects.exists()


def test_staff_of_another_cohort_cannot_import(client, cohort, make_cohort):
    client.force_login(staff_of(make_cohort()))
    response = upload(client, cohort, GOOD)
    assert response.status_code == 404
    assert not Enrolment.objects.exists()
