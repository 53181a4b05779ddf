"""A leader adds a class or troop from a CSV file: the same reading as the nominee import
(UTF-8, a size limit, a row-by-row report), nothing added unless every row is valid, unless
"add the valid rows" is chosen."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.models import GroupMember
from tests.cohorts.groups.test_groups_views import main_text

pytestmark = pytest.mark.django_db

GOOD = (
    "first_name;family_name;birth_year;guardian_email\n"
    "Elza;Liepiņa;2014;inese@example.lv\n"
    "Jānis;Bērziņš;2013;anna@example.lv\n"
)


def upload(client, group, text: str | bytes, mode: str = "all"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        reverse("groups:members_import", args=[group.pk]),
        {"file": SimpleUploadedFile("class.csv", data, "text/csv"), "mode": mode},
        follow=True,
    )


def test_a_valid_class_list_adds_every_member(client, group, leader):
    client.force_login(leader)

    response = upload(client, group, GOOD)

    assert "2 members added to Cēsu jaunie glābēji" in main_text(response)
    assert sorted(GroupMember.objects.values_list("first_name", flat=True)) == ["Elza", "Jānis"]
    elza = GroupMember.objects.get(first_name="Elza")
    assert elza.guardian_email == "inese@example.lv" and elza.person.email.endswith(".invalid")


def test_one_bad_row_adds_nobody_and_the_report_says_which(client, group, leader):
    client.force_login(leader)
    text = GOOD + "Līva;Ozola;20x4;\nMārtiņš;Kalniņš;2012;\n"

    response = upload(client, group, text)

    report = main_text(response)
    assert response.status_code == 400
    assert "Nothing was added" in report
    assert "“20x4” is not a year of birth" in report
    assert "Mārtiņš Kalniņš is under 18: please enter a parent's or guardian's" in report
    assert not GroupMember.objects.exists()

    partial = upload(client, group, text, mode="valid")

    assert "2 members added; the rows with a problem were left out" in main_text(partial)
    assert GroupMember.objects.count() == 2


def test_a_file_not_in_utf8_or_without_columns_is_refused(client, group, leader):
    client.force_login(leader)

    latin = upload(client, group, GOOD.encode("cp1257"))
    headless = upload(client, group, "Elza;Liepiņa;2014\n")

    assert "The file is not in UTF-8" in main_text(latin)
    assert "Missing: first_name, family_name, birth_year" in main_text(headless)
    assert not GroupMember.objects.exists()


def test_only_the_groups_leaders_can_import(client, group, other_leader):
    client.force_login(other_leader)

    response = upload(client, group, GOOD)

    assert response.status_code == 404
    assert not GroupMember.objects.exists()
