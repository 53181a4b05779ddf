"""The read-only catalogue API as a partner website meets it: programmes, modules and activities
are listed; answers to knowledge checks, private pages and anything about people are not."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from wagtail.models import PageViewRestriction

from programmes.models import ActivityKind, ActivityPage, ModulePage, ModulePrerequisite
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT_FEEDBACK = "Right: only the affected state can ask the Mechanism for assistance."
WRONG_FEEDBACK = "Not quite: municipalities go through their national contact point."
REFLECTION_TEXT = "Our harbour has no agreed channel to the Estonian side."

LESSONS = [
    {
        "type": "section",
        "id": "5b1c2a3e-0000-4000-8000-000000000001",
        "value": {
            "title": "Why cooperate across borders?",
            "content": [
                {
                    "type": "paragraph",
                    "id": "5b1c2a3e-0000-4000-8000-000000000002",
                    "value": "<p>Storms, floods and forest fires do not stop at borders.</p>",
                }
            ],
        },
    },
    {
        "type": "quiz",
        "id": "5b1c2a3e-0000-4000-8000-000000000003",
        "value": {
            "title": "Knowledge check",
            "pass_mark": 70,
            "questions": [
                {
                    "prompt": "Who activates the Union Civil Protection Mechanism?",
                    "multiple": False,
                    "options": [
                        {
                            "text": "The affected state's contact point",
                            "correct": True,
                            "feedback": RIGHT_FEEDBACK,
                        },
                        {
                            "text": "Any neighbouring municipality",
                            "correct": False,
                            "feedback": WRONG_FEEDBACK,
                        },
                    ],
                }
            ],
        },
    },
    {
        "type": "reflection",
        "id": "5b1c2a3e-0000-4000-8000-000000000004",
        "value": {
            "title": "Reflection",
            "prompt": "Which neighbouring authority would you call first, and why?",
        },
    },
]


def add_module(parent, **kwargs) -> ModulePage:
    kwargs.setdefault("title", "Cross-border assistance")
    kwargs.setdefault("summary", "How rescue services ask for and receive help across a border.")
    kwargs.setdefault("lessons", json.dumps(LESSONS))
    page = ModulePage(**kwargs)
    parent.add_child(instance=page)
    return page


def add_activity(parent, **kwargs) -> ActivityPage:
    riga = ZoneInfo("Europe/Riga")
    starts = datetime.now(riga).replace(microsecond=0) + timedelta(days=60)
    kwargs.setdefault("title", "Spring Flood Table-top Exercise")
    kwargs.setdefault("kind", ActivityKind.TABLETOP)
    kwargs.setdefault(
        "summary", "Four days on the Daugava: ice jams, evacuation and host-nation support."
    )
    kwargs.setdefault("starts_at", starts)
    kwargs.setdefault("ends_at", starts + timedelta(days=4))
    kwargs.setdefault("time_zone", "Europe/Riga")
    kwargs.setdefault("venue_city", "Daugavpils")
    kwargs.setdefault("venue_country", "LV")
    kwargs.setdefault("online_url", "https://meet.example.org/secret-room-4711")
    kwargs.setdefault("capacity", 30)
    kwargs.setdefault("places_per_country", 3)
    page = ActivityPage(**kwargs)
    parent.add_child(instance=page)
    return page


@pytest.fixture
def catalogue(make_programme):
    programme = make_programme(title="Baltic Excellence Programme", short_name="BEP")
    module = add_module(programme)
    activity = add_activity(programme)
    draft = add_module(programme, title="Draft: CBRNE decontamination", live=False)
    private = add_module(programme, title="Presidency staff briefing")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    ModulePrerequisite.objects.create(module=module, prerequisite=draft)
    return {
        "programme": programme,
        "module": module,
        "activity": activity,
        "draft": draft,
        "private": private,
    }


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response, response.json()


def titles(data) -> list[str]:
    return [item["title"] for item in data["items"]]


def assert_no_answers(response):
    body = response.content.decode()
    assert '"correct"' not in body
    assert '"feedback"' not in body
    assert "correct&quot;" not in body and "feedback&quot;" not in body
    assert RIGHT_FEEDBACK not in body
    assert WRONG_FEEDBACK not in body
    # The pieces of those strings that JSON escaping could not hide either.
    assert "only the affected state can ask" not in body
    assert "go through their national contact point" not in body


# --- Listing the catalogue ----------------------------------------------------------------------


def test_modules_are_listed_with_their_catalogue_fields(client, catalogue):
    response, data = get_json(
        client,
        "/api/v2/pages/?type=programmes.ModulePage"
        "&fields=summary,estimated_minutes,learning_outcomes,lessons",
    )

    assert titles(data) == ["Cross-border assistance"]
    item = data["items"][0]
    assert item["meta"]["type"] == "programmes.ModulePage"
    assert item["summary"] == catalogue["module"].summary
    assert item["estimated_minutes"] == 30
    assert [step["type"] for step in item["lessons"]] == ["section", "quiz", "reflection"]
    assert item["lessons"][0]["title"] == "Why cooperate across borders?"
    quiz = item["lessons"][1]
    assert quiz["questions"] == [
        {
            "prompt": "Who activates the Union Civil Protection Mechanism?",
            "options": ["The affected state's contact point", "Any neighbouring municipality"],
        }
    ]
    assert_no_answers(response)


def test_activities_are_listed_with_dates_venue_and_places(client, catalogue):
    _, data = get_json(
        client,
        "/api/v2/pages/?type=programmes.ActivityPage"
        "&fields=kind,starts_at,ends_at,time_zone,venue_city,venue_country,capacity,"
        "places_per_country,is_online",
    )

    assert titles(data) == ["Spring Flood Table-top Exercise"]
    item = data["items"][0]
    assert item["kind"] == "tabletop"
    assert item["venue_city"] == "Daugavpils"
    assert item["venue_country"] == "LV"
    assert item["time_zone"] == "Europe/Riga"
    assert item["capacity"] == 30
    assert item["places_per_country"] == 3
    assert item["is_online"] is False
    starts = datetime.fromisoformat(item["starts_at"])
    assert starts == catalogue["activity"].starts_at


def test_programmes_and_their_children_can_be_listed(client, catalogue):
    programme = catalogue["programme"]
    _, data = get_json(client, "/api/v2/pages/?type=programmes.ProgrammePage&fields=summary")
    assert titles(data) == ["Baltic Excellence Programme"]
    assert data["items"][0]["summary"] == programme.summary

    _, data = get_json(client, f"/api/v2/pages/?child_of={programme.pk}")
    assert sorted(titles(data)) == ["Cross-border assistance", "Spring Flood Table-top Exercise"]


def test_the_online_link_of_an_activity_is_not_published(client, catalogue):
    activity = catalogue["activity"]
    for url in [
        "/api/v2/pages/?type=programmes.ActivityPage&fields=*",
        f"/api/v2/pages/{activity.pk}/",
    ]:
        response, _ = get_json(client, url)
        assert "secret-room-4711" not in response.content.decode(), url


# --- Quiz answers never leave the server --------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?type=programmes.ModulePage",
        "?type=programmes.ModulePage&fields=*",
        "?type=programmes.ModulePage&fields=lessons",
        "?type=programmes.ModulePage&fields=*&search=Mechanism",
        "?type=programmes.ModulePage,programmes.ActivityPage&fields=*",
        "?type=programmes.ModulePage&fields=*&format=api",
    ],
)
def test_module_listings_never_contain_answers_or_feedback(client, catalogue, query):
    response = client.get("/api/v2/pages/" + query)

    assert response.status_code == 200
    assert "Cross-border assistance" in response.content.decode()
    assert_no_answers(response)


@pytest.mark.parametrize("fields", ["", "?fields=*", "?fields=lessons", "?fields=_,id,lessons"])
def test_module_detail_never_contains_answers_or_feedback(client, catalogue, fields):
    module = catalogue["module"]

    response, data = get_json(client, f"/api/v2/pages/{module.pk}/{fields}")

    assert data["id"] == module.pk
    assert [step["title"] for step in data["lessons"]] == [
        "Why cooperate across borders?",
        "Knowledge check",
        "Reflection",
    ]
    assert_no_answers(response)


def test_lesson_sub_fields_cannot_be_requested(client, catalogue):
    module = catalogue["module"]

    response = client.get(f"/api/v2/pages/{module.pk}/?fields=lessons(correct,feedback)")

    assert response.status_code == 400
    assert_no_answers(response)


def test_lessons_cannot_be_filtered_or_ordered_to_probe_answers(client, catalogue):
    for query in [
        "?type=programmes.ModulePage&lessons=true",
        "?type=programmes.ModulePage&order=lessons",
        "?type=programmes.ActivityPage&sectors=[]",
    ]:
        assert client.get("/api/v2/pages/" + query).status_code == 400, query


# --- Only what is public ------------------------------------------------------------------------


def test_unpublished_and_private_pages_are_not_listed(client, catalogue):
    for query in ["", "?type=programmes.ModulePage", "?search=CBRNE", "?search=briefing"]:
        _, data = get_json(client, "/api/v2/pages/" + query)
        assert "Draft: CBRNE decontamination" not in titles(data), query
        assert "Presidency staff briefing" not in titles(data), query


def test_private_pages_stay_hidden_from_a_signed_in_browser(client, catalogue):
    client.force_login(UserFactory())

    _, data = get_json(client, "/api/v2/pages/?type=programmes.ModulePage")

    assert titles(data) == ["Cross-border assistance"]
    assert client.get(f"/api/v2/pages/{catalogue['private'].pk}/").status_code == 404


def test_unpublished_and_private_pages_have_no_detail(client, catalogue):
    for page in (catalogue["draft"], catalogue["private"]):
        assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404
        assert client.get(f"/api/v2/pages/find/?id={page.pk}").status_code == 404


def test_an_unpublished_prerequisite_is_not_named(client, catalogue):
    module = catalogue["module"]

    _, data = get_json(client, f"/api/v2/pages/{module.pk}/?fields=prerequisite_modules")

    assert data["prerequisite_modules"] == []


def test_a_published_prerequisite_is_named(client, catalogue):
    module, first = catalogue["module"], add_module(catalogue["programme"], title="Sendai basics")
    ModulePrerequisite.objects.create(module=module, prerequisite=first)

    _, data = get_json(client, f"/api/v2/pages/{module.pk}/")

    assert data["prerequisite_modules"] == [{"id": first.pk, "title": "Sendai basics"}]


def test_only_catalogue_pages_are_listed(client, catalogue):
    _, data = get_json(client, "/api/v2/pages/?limit=20")

    assert {item["meta"]["type"] for item in data["items"]} <= {
        "programmes.ProgrammeIndexPage",
        "programmes.ProgrammePage",
        "programmes.ModulePage",
        "programmes.ActivityPage",
    }


# --- People and their progress are out of reach -------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/users/",
        "/api/v2/progress/",
        "/api/v2/images/",
        "/api/v2/documents/",
        "/api/v2/pages/?type=lms.User",
        "/api/v2/pages/?type=programmes.ModuleProgress",
        "/api/v2/pages/?type=programmes.QuizAttempt",
        "/api/v2/pages/?type=programmes.StepProgress",
        "/api/v2/pages/?type=programmes.ModulePage&fields=progress",
        "/api/v2/pages/?type=programmes.ModulePage&fields=owner",
        "/api/v2/pages/?type=programmes.ModulePage&fields=owner(password)",
        "/api/v2/pages/?fields=password",
        "/api/v2/pages/?order=password",
        "/api/v2/pages/?order=owner",
        "/api/v2/pages/?owner=1",
    ],
)
def test_people_and_progress_are_not_reachable(client, catalogue, url):
    user = UserFactory()
    user.set_password("Þórunn-Guðmundsdóttir-2026")
    user.save()

    response = client.get(url)

    assert 400 <= response.status_code < 500, (url, response.status_code)
    body = response.content.decode()
    assert user.email not in body
    assert user.password not in body


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?type=lms.User",
        "?type=nonsense",
        "?type=a.b.c",
        "?type=programmes.ModulePage,",
        "?fields=password",
        "?fields=*,password",
        "?fields=((",
        "?fields=title(id)",
        "?limit=-1",
        "?limit=abc",
        "?limit=100000",
        "?offset=abc",
        "?offset=-5",
        "?offset=²",
        "?limit=²",
        "?order=password",
        "?order=-",
        "?order=random,title",
        "?child_of=abc",
        "?child_of=-1",
        "?child_of=999999",
        "?descendant_of=%00",
        "?ancestor_of=1e9",
        "?translation_of=x",
        "?locale=xx",
        "?site=nonsense",
        "?id=abc",
        "?title=%00",
        "?search=%00",
        "?search=" + "a" * 5000,
        "?search=flood&search_operator=xor",
        "?search=flood&order=summary",
        "?rich_text_format=junk",
        "?junk=1",
        "?type=programmes.ActivityPage&starts_at=yesterday",
        "?type=programmes.ActivityPage&capacity=many",
        "?type=programmes.ActivityPage&venue_country=%00",
        "?type=programmes.ModulePage&estimated_minutes=1.5",
    ],
)
def test_junk_parameters_are_refused_not_crashed_on(client, catalogue, query):
    response = client.get("/api/v2/pages/" + query)

    assert 400 <= response.status_code < 500, (query, response.status_code, response.content)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/pages/99999999/",
        "/api/v2/pages/99999999999999999999999/",
        "/api/v2/pages/find/?id=99999999999999999999999",
        "/api/v2/pages/?child_of=99999999999999999999999",
        "/api/v2/pages/?descendant_of=99999999999999999999999",
        "/api/v2/pages/?ancestor_of=99999999999999999999999",
        "/api/v2/pages/?translation_of=99999999999999999999999",
        "/api/v2/pages/?offset=99999999999999999999999",
        "/api/v2/pages/find/?html_path=%00",
        "/api/v2/pages/find/?html_path=/programmes/../../etc/passwd",
        "/api/v2/pages/find/?id=abc",
        "/api/v2/pages/find/?id=²",
    ],
)
def test_junk_lookups_are_refused_not_crashed_on(client, catalogue, url):
    assert 400 <= client.get(url).status_code < 500


@pytest.mark.parametrize(
    "query",
    [
        "?id=99999999999999999999999",
        "?type=programmes.ActivityPage&capacity=99999999999999999999999",
        "?offset=2147483647",
    ],
)
def test_numbers_out_of_range_find_nothing(client, catalogue, query):
    response = client.get("/api/v2/pages/" + query)

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "?search='\"<script>alert(1)</script>",
        "?search=Bērziņš",
        "?search=AND OR NOT",
        "?search=*",
        '?search="unbalanced',
        "?search=(",
    ],
)
def test_odd_search_terms_do_not_crash_the_api(client, catalogue, query):
    response = client.get("/api/v2/pages/" + query)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
