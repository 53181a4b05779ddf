"""A participant's learning journey in a real browser: log in, open a module, work through its
steps, fail the knowledge check, pass it, and watch the progress bar move on My learning."""

import re

import pytest
from playwright.sync_api import expect

from programmes.models import ModuleProgress
from tests.factories import UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.programmes.modules import make_module

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def module():
    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    return make_module(ProgrammePageFactory(parent=index, title="Baltic Excellence Programme"))


def module_progress_text(page, title: str) -> str:
    item = page.locator("li, article, section, tr").filter(has_text=title).last
    return item.inner_text()


def test_participant_fails_then_passes_the_quiz_and_sees_progress(page, visit, follow, module):
    user = UserFactory(email="janis@example.lv")
    visit(page, f"/account/login/?next={module.url}")
    page.get_by_label("E-mail address").fill("janis@example.lv")
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)

    follow(page, page.get_by_role("link", name="Start the module"))
    follow(page, page.get_by_role("button", name="Mark as done and continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Storm surge in the Gulf of Riga")
    follow(page, page.get_by_role("button", name="Mark as done and continue"))

    # Wrong answers first: the score and the feedback on what was chosen, no pass.
    page.get_by_label("Kyoto Protocol").check()
    page.get_by_label("Rescue services").check()
    follow(page, page.get_by_role("button", name="Check my answers"))
    expect(page.get_by_role("status").filter(has_text="Your score")).to_contain_text("0%")
    expect(page.get_by_text("That is climate.")).to_be_visible()

    visit(page, "/my-learning/")
    expect(page.locator("body")).to_contain_text(module.title)
    expect(page.locator("body")).to_contain_text("50%")

    visit(page, module.url)
    follow(page, page.get_by_role("link", name=re.compile("^Continue")))
    page.get_by_label("Sendai Framework").check()
    page.get_by_label("Rescue services").check()
    page.get_by_label("Volunteers").check()
    follow(page, page.get_by_role("button", name="Check my answers"))
    expect(page.get_by_role("status").filter(has_text="Your score")).to_contain_text("You passed")

    visit(page, "/my-learning/")
    expect(page.locator("body")).to_contain_text("75%")

    visit(page, module.url)
    follow(page, page.get_by_role("link", name=re.compile("^Continue")))
    page.get_by_label("Whom would you call first?").fill("Þórunn at the coast guard")
    follow(page, page.get_by_role("button", name="Save and continue"))
    expect(page.locator("body")).to_contain_text("Completed")

    visit(page, "/my-learning/")
    expect(page.locator("body")).to_contain_text("100%")
    assert ModuleProgress.objects.get(user=user).completed_at is not None


def test_activity_pages_search_and_my_learning_pass_axe_on_a_phone(phone_page, visit, follow):
    from io import StringIO

    from django.core.management import call_command

    from programmes.models import ActivityPage

    call_command("load_demo", stdout=StringIO())
    UserFactory(email="oie@example.ee")
    activity = ActivityPage.objects.live().order_by("starts_at").first()

    visit(phone_page, "/activities/")
    follow(phone_page, phone_page.get_by_role("link", name=activity.title).first, tap=True)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text(activity.title)
    visit(phone_page, "/activities/?month=2026-13&country=ZZ")
    visit(phone_page, "/search/?q=flood")
    visit(phone_page, "/account/login/?next=/my-learning/")
    phone_page.get_by_label("E-mail address").fill("oie@example.ee")
    phone_page.get_by_label("Password").fill("Correct-Horse-42")
    follow(phone_page, phone_page.get_by_role("button", name="Log in"), tap=True)
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("My learning")
