"""A participant's module pages stay within a fixed number of SQL queries, however far they got."""

import pytest

from programmes.progress.services import progress_step_complete, quiz_nonce, quiz_submit
from tests.programmes.conftest import visible_text
from tests.programmes.modules import make_module, right_answers, step_ids, wrong_answers

pytestmark = [
    pytest.mark.django_db,
    # Measured 19 (module page) and 22 (step page) queries; see the page-cache report for where
    # they go. Strict, so the marker must go once the budget is met.
]

# One of them reads the session: sessions are kept in the database only, so that a cache outage
# neither logs people out nor brings an ended session back (docs/deploy.md, "When Redis is down").
MAX_QUERIES = 11


@pytest.fixture
def module_with_progress(make_programme, user):
    programme = make_programme()
    first = make_module(programme, title="Sendai Framework", slug="sendai")
    module = make_module(programme, requires=first)
    for done, steps in ((first, ("section", "scenario")), (module, ("section",))):
        ids = step_ids(done)
        for kind in steps:
            progress_step_complete(user=user, module=done, step_id=ids[kind])
        for answers in (wrong_answers(done), right_answers(done)):
            nonce = quiz_nonce(user=user, module=done, step_id=ids["quiz"])
            quiz_submit(user=user, module=done, step_id=ids["quiz"], answers=answers, nonce=nonce)
        if done is first:
            progress_step_complete(
                user=user, module=first, step_id=ids["reflection"], reflection="Call Riga first."
            )
    return module


def test_module_page_with_progress_renders_within_the_query_budget(
    client, user, module_with_progress, django_assert_max_num_queries
):
    client.force_login(user)
    client.get(module_with_progress.url)  # first request of the session warms Wagtail's site cache

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(module_with_progress.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert "Your progress: 50%" in text
    assert "best score 100%" in text
    assert "Log out" in text


def test_step_page_renders_within_the_query_budget(
    client, user, module_with_progress, django_assert_max_num_queries
):
    client.force_login(user)
    url = f"{module_with_progress.url}step/{step_ids(module_with_progress)['scenario']}/"
    client.get(url)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert "Storm surge in the Gulf of Riga" in visible_text(response)
