"""Site search as a visitor uses it: programmes, modules and activities found by what they say,
drafts and private pages never, odd input answered calmly, long result lists paged."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import PageViewRestriction

from programmes.models import ActivityKind, ActivityPage, ModulePage
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def lessons(text: str) -> str:
    return json.dumps(
        [
            {
                "type": "section",
                "value": {
                    "title": "Satellite maps in the first hours",
                    "content": [{"type": "paragraph", "value": f"<p>{text}</p>"}],
                },
            }
        ]
    )


def add_module(parent, **kwargs) -> ModulePage:
    kwargs.setdefault("summary", "How rescue services ask for and receive help across a border.")
    page = ModulePage(**kwargs)
    parent.add_child(instance=page)
    return page


def add_activity(parent, **kwargs) -> ActivityPage:
    starts = datetime(2026, 9, 14, 9, 0, tzinfo=ZoneInfo("Europe/Vilnius"))
    kwargs.setdefault("kind", ActivityKind.WORKSHOP)
    kwargs.setdefault("summary", "Three days on shared situational awareness.")
    kwargs.setdefault("starts_at", starts)
    kwargs.setdefault("ends_at", starts + timedelta(days=3))
    kwargs.setdefault("time_zone", "Europe/Vilnius")
    page = ActivityPage(**kwargs)
    parent.add_child(instance=page)
    return page


@pytest.fixture
def programme(make_programme):
    return make_programme(
        title="Baltic Excellence Programme",
        summary="A yearly leadership course where icebreaker captains meet fire chiefs.",
    )


def search(client, query, **params):
    response = client.get(reverse("search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def found(client, query) -> str:
    return visible_text(search(client, query))


# --- Finding pages ------------------------------------------------------------------------------


def test_a_module_is_found_by_a_word_of_its_lesson_text(client, programme):
    module = add_module(
        programme,
        title="Cross-border assistance",
        lessons=lessons("The Copernicus emergency service delivers maps within hours."),
    )

    response = search(client, "Copernicus")

    text = visible_text(response)
    assert "1 result for “Copernicus”" in text
    assert "Module" in text
    assert module.title in text
    assert module.summary in text
    assert f'href="{module.url}"' in response.content.decode()


def test_an_activity_is_found_by_its_city(client, programme):
    activity = add_activity(
        programme, title="Shared Awareness Workshop", venue_city="Klaipėda", venue_country="LT"
    )

    text = found(client, "Klaipėda")

    assert "Activity" in text
    assert activity.title in text
    assert "Workshop · 14 September 2026 · Klaipėda, Lithuania" in text
    assert activity.summary in text


def test_a_programme_is_found_by_its_summary(client, programme):
    text = found(client, "icebreaker")

    assert "Programme" in text
    assert programme.title in text
    assert programme.summary in text


def test_several_words_narrow_the_results(client, programme):
    add_activity(programme, title="Flood Workshop", venue_city="Tartu")
    add_activity(programme, title="Forest Fire Workshop", venue_city="Kuopio")

    text = found(client, "workshop Tartu")

    assert "Flood Workshop" in text
    assert "Forest Fire Workshop" not in text


def test_a_page_published_later_is_found_without_rebuilding_the_index(client, programme):
    module = add_module(programme, title="Host-nation support", live=False)
    assert "Host-nation support" not in found(client, "Host-nation")

    module.save_revision().publish()

    assert "Host-nation support" in found(client, "Host-nation")


def test_rebuilding_the_index_changes_nothing_for_visitors(client, programme):
    add_module(programme, title="Volunteers and local authorities")
    before = found(client, "volunteers")

    call_command("update_index", verbosity=0)

    assert found(client, "volunteers") == before
    assert "Volunteers and local authorities" in before


# --- Diacritics ---------------------------------------------------------------------------------


def test_a_name_with_diacritics_finds_the_page_that_contains_it(client, programme):
    add_activity(
        programme,
        title="Riga Study Visit",
        summary="Hosted by Jānis Bērziņš of the State Fire and Rescue Service.",
        venue_city="Riga",
    )

    assert "Riga Study Visit" in found(client, "Bērziņš")
    assert "Riga Study Visit" in found(client, "bērziņš")


def test_a_name_typed_without_its_diacritics_also_finds_the_page(client, programme):
    # SQLite's full-text tokenizer folds diacritics; on PostgreSQL a configuration made by a
    # migration does (unaccent before stemming).
    add_activity(
        programme,
        title="Riga Study Visit",
        summary="Hosted by Jānis Bērziņš of the State Fire and Rescue Service.",
        venue_city="Riga",
    )

    assert "Riga Study Visit" in found(client, "Berzins")


# --- What stays hidden --------------------------------------------------------------------------


def test_unpublished_and_private_pages_are_not_found(client, programme):
    add_module(programme, title="Draft: Saaremaa ferry evacuation", live=False)
    private = add_module(programme, title="Staff only: Saaremaa ferry logistics")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    add_module(programme, title="Saaremaa coastal flooding")

    text = found(client, "Saaremaa")

    assert "1 result for “Saaremaa”" in text
    assert "Saaremaa coastal flooding" in text
    assert "ferry" not in text


def test_quiz_feedback_is_never_shown_in_results(client, programme):
    quiz = [
        {
            "type": "quiz",
            "value": {
                "title": "Knowledge check",
                "pass_mark": 70,
                "questions": [
                    {
                        "prompt": "Who activates the Mechanism?",
                        "options": [
                            {"text": "The affected state", "correct": True, "feedback": "Right."},
                            {"text": "A municipality", "correct": False, "feedback": "No."},
                        ],
                    }
                ],
            },
        }
    ]
    add_module(programme, title="The Mechanism", lessons=json.dumps(quiz))

    text = found(client, "Mechanism")

    assert "The Mechanism" in text
    assert "affected state" not in text
    assert "Right." not in text


# --- Empty, odd and hostile queries -------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", '""'])
def test_an_empty_query_shows_a_prompt(client, programme, query):
    text = found(client, query)

    assert "Type a word or two" in text
    assert "result" not in text


def test_the_search_page_without_parameters_shows_a_prompt(client, programme):
    response = client.get("/search/")

    assert response.status_code == 200
    assert "Type a word or two" in visible_text(response)


@pytest.mark.parametrize(
    "query",
    [
        "%00",
        "a" * 5000,
        "flood " * 1000,
        "'\"<script>alert(1)</script>",
        '"unbalanced',
        "AND OR NOT",
        "NEAR(flood tallinn)",
        "title:flood",
        "*",
        "-",
        "^flood",
        "100%",
        "\\",
        "🌊 Ærø Þórunn",
    ],
)
def test_junk_queries_are_answered_calmly(client, programme, query):
    response = search(client, query)

    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ff%fe",
        "q=flood&page=99999999999999999999999",
        "q[]=x",
    ],
)
def test_junk_in_the_address_is_answered_calmly(client, programme, raw):
    assert client.get("/search/?" + raw).status_code == 200


def test_a_query_is_shown_back_escaped(client, programme):
    response = search(client, "'\"<script>alert(1)</script>")

    content = response.content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_a_very_long_query_is_shortened_and_the_reader_told(client, programme):
    text = found(client, "icebreaker " + "x" * 5000)

    assert "Your search was shortened to its first 200 characters" in text


def test_the_header_has_a_labelled_search_box(client, programme):
    content = client.get(programme.url).content.decode()

    assert 'role="search"' in content
    assert 'action="/search/"' in content
    assert '<label for="site-search-q"' in content
    assert 'id="site-search-q" name="q"' in content


# --- Pagination ---------------------------------------------------------------------------------


def test_results_are_paged_ten_at_a_time(client, programme):
    for n in range(23):
        add_module(programme, title=f"Tabletop drill {n:02d}", slug=f"tabletop-drill-{n}")

    first = search(client, "drill")
    third = search(client, "drill", page=3)
    beyond = search(client, "drill", page=99)
    junk = search(client, "drill", page="abc")

    first_text = visible_text(first)
    assert "23 results for “drill”, page 1 of 3" in first_text
    assert first_text.count("Tabletop drill") == 10
    assert 'href="?q=drill&amp;page=2"' in first.content.decode()
    assert visible_text(third).count("Tabletop drill") == 3
    assert "page 3 of 3" in visible_text(beyond)
    assert "page 1 of 3" in visible_text(junk)
    pages = [visible_text(search(client, "drill", page=n)) for n in (1, 2, 3)]
    titles = {f"Tabletop drill {n:02d}" for n in range(23)}
    assert all(any(title in page for page in pages) for title in titles)


def test_post_is_not_allowed(client, programme):
    assert client.post("/search/", {"q": "flood"}).status_code == 405


# --- Hyphenated words ---------------------------------------------------------------------------


def test_tabletop_finds_a_table_top_exercise(client, programme):
    add_activity(programme, title="Storm table-top exercise", summary="Leaders decide together.")
    add_activity(programme, title="Flood Workshop", venue_city="Tartu")

    text = found(client, "tabletop")

    assert "1 result for “tabletop”" in text
    assert "Storm table-top exercise" in text


def test_table_top_finds_a_tabletop_exercise_and_a_table_top_one(client, programme):
    add_activity(programme, title="Storm tabletop exercise", summary="Leaders decide together.")
    add_activity(programme, title="Flood exercise", summary="A table-top exercise on floods.")
    add_activity(programme, title="Flood Workshop", venue_city="Tartu")

    text = found(client, "table-top exercise")

    assert "2 results for “table-top exercise”" in text
    assert "Storm tabletop exercise" in text
    assert "Flood exercise" in text
    assert "Flood Workshop" not in text
