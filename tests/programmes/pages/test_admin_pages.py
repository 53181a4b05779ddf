"""Editors create and preview module and activity pages through the Wagtail admin forms."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from programmes.models import ActivityPage, ModulePage
from tests.factories import UserFactory
from tests.programmes.modules import make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_asserts(client, wagtail_page_asserts):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return wagtail_page_asserts


def _list(items):
    data = {
        str(i): {"value": value, "deleted": "", "order": str(i), "id": ""}
        for i, value in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def module_form(*, title, prerequisite=None):
    quiz = {
        "title": "Knowledge check",
        "pass_mark": "70",
        "questions": _list(
            [
                {
                    "prompt": "Which framework guides disaster risk reduction?",
                    "multiple": "",
                    "options": _list(
                        [
                            {"text": "Sendai Framework", "correct": "on", "feedback": "Yes."},
                            {"text": "Kyoto Protocol", "correct": "", "feedback": "No."},
                        ]
                    ),
                }
            ]
        ),
    }
    return nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "summary": "How neighbours help each other.",
            "learning_outcomes": rich_text("<ul><li>Name the contact points.</li></ul>"),
            "estimated_minutes": "20",
            "prerequisites": inline_formset(
                [{"prerequisite": str(prerequisite.pk)}] if prerequisite else []
            ),
            "lessons": streamfield(
                [
                    ("reflection", {"title": "Reflection", "prompt": "Whom would you call?"}),
                    ("quiz", quiz),
                ]
            ),
        }
    )


def activity_form(**overrides):
    data = {
        "title": "Table-top exercise in Riga",
        "slug": "table-top-exercise-in-riga",
        "kind": "tabletop",
        "summary": "Four days of a cross-border flood scenario.",
        "description": rich_text("<p>Bring your plans.</p>"),
        "starts_at": "2027-03-08 09:00",
        "ends_at": "2027-03-11 16:00",
        "time_zone": "Europe/Riga",
        "venue_name": "",
        "venue_city": "Rīga",
        "venue_country": "LV",
        "online_url": "",
        "language": "en",
        "capacity": "30",
        "places_per_country": "3",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "min_age": "",
        "max_age": "",
        "sectors": ["police", "fire_rescue"],
        "agenda": streamfield([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_editor_creates_a_module_with_a_quiz_and_a_prerequisite(editor_asserts, make_programme):
    programme = make_programme()
    first = make_module(programme)
    editor_asserts.assertCanCreate(
        programme, ModulePage, module_form(title="Leading together", prerequisite=first)
    )
    module = ModulePage.objects.get(slug="leading-together")
    assert [c.block_type for c in module.lessons] == ["reflection", "quiz"]
    assert module.prerequisites.get().prerequisite == first
    quiz = module.lessons[1].value
    assert quiz["questions"][0]["options"][0]["correct"] is True


def test_editor_creates_an_activity(editor_asserts, make_programme):
    programme = make_programme()
    editor_asserts.assertCanCreate(programme, ActivityPage, activity_form())
    activity = ActivityPage.objects.get(slug="table-top-exercise-in-riga")
    assert activity.venue_city == "Rīga"
    assert activity.local_starts_at.hour == 9


def test_activity_ending_before_it_starts_is_refused_by_the_admin_form(client, make_programme):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    programme = make_programme()
    response = client.post(
        f"/admin/pages/add/programmes/activitypage/{programme.pk}/",
        activity_form(ends_at="2027-03-01 09:00", max_age="10", min_age="15"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot end before it starts" in page
    assert not ActivityPage.objects.exists()


def test_module_and_activity_pages_have_a_live_preview(editor_asserts, make_programme):
    programme = make_programme()
    module = make_module(programme)
    editor_asserts.assertCanCreate(programme, ActivityPage, activity_form())
    activity = ActivityPage.objects.get()
    # (the preview assertion logs its own superuser out afterwards)
    editor_asserts.assertPageIsPreviewable(module, post_data=module_form(title=module.title))
    editor_asserts.assertPageIsPreviewable(activity, post_data=activity_form())


def test_new_module_preview_before_first_save(client, make_programme):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    programme = make_programme()
    url = f"/admin/pages/add/programmes/modulepage/{programme.pk}/preview/"
    response = client.post(url, module_form(title="Brand new"))
    assert response.status_code == 200
    assert response.json()["is_valid"] is True
    shown = client.get(url)
    assert shown.status_code == 200
    assert "Brand new" in shown.content.decode()


def test_new_programme_and_activity_preview_before_first_save(client, make_programme):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    programme = make_programme()
    index = programme.get_parent()
    cases = [
        (
            f"/admin/pages/add/programmes/programmepage/{index.pk}/preview/",
            nested_form_data(
                {
                    "title": "Nordic Youth Resilience",
                    "slug": "nordic-youth-resilience",
                    "short_name": "",
                    "summary": "Young volunteers prepare together.",
                    "audience": "youth",
                    "goals": rich_text("<p>Prepare.</p>"),
                    "partners": rich_text(""),
                    "contact": "",
                    "body": streamfield([]),
                }
            ),
            "Nordic Youth Resilience",
        ),
        (
            f"/admin/pages/add/programmes/activitypage/{programme.pk}/preview/",
            activity_form(),
            "Table-top exercise in Riga",
        ),
    ]
    for url, data, title in cases:
        assert client.post(url, data).json()["is_valid"] is True, url
        shown = client.get(url)
        assert shown.status_code == 200, url
        assert title in shown.content.decode()
