"""A survey from the invitation e-mail to the staff's chart, in a real browser: the participant
opens the link from the e-mail on a phone, sends too little and is told what is missing, saves
and comes back, answers; the presidency's staff member sees the chart change. axe-core checks
every page on the way, the survey pages included."""

import datetime as dt
import re

import pytest
from django.http import QueryDict
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Cohort, EnrolmentMode, SurveyInvitation, SurveyTarget, SurveyTrigger
from cohorts.places import services
from cohorts.surveys import services as surveys
from lms.models import OutgoingEmail, Sector
from programmes.models import LessonsLearnedPage
from tests.browser.conftest import log_in as shared_log_in
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.programmes.survey_builders import make_survey

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUESTIONS = [
    {"field_type": "section", "label": "The module", "required": False},
    {"field_type": "likert", "label": "The module met my needs", "scale_points": 5},
    {
        "field_type": "rating",
        "label": "How likely are you to recommend it",
        "scale_labels": "Not at all likely\nExtremely likely",
    },
    {"field_type": "matrix", "label": "How useful were these parts", "rows": "Lessons\nScenarios"},
    {
        "field_type": "ranking",
        "label": "Rank what you need to learn",
        "choices": "Risk assessment\nCrisis communication",
    },
    {"field_type": "multiline", "label": "What should change", "required": False},
]


def answers(survey, likert: str) -> QueryDict:
    names = {f.label: f.clean_name for f in survey.get_form_fields()}
    data = QueryDict(mutable=True)
    data.update(
        {
            names["The module met my needs"]: likert,
            names["How likely are you to recommend it"]: "8",
            f"{names['How useful were these parts']}_0": "4",
            f"{names['How useful were these parts']}_1": "5",
            f"{names['Rank what you need to learn']}_0": "1",
            f"{names['Rank what you need to learn']}_1": "2",
        }
    )
    return data


@pytest.fixture
def scene():
    from lms.models import HomePage

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    programme = ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        programme=programme,
        title="BEP 2026 — Finnish presidency",
        slug="bep-2026",
        presidency_country="FI",
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=200),
        enrolment_mode=EnrolmentMode.OPEN,
        capacity=20,
    )
    services.cohort_staff_group_ensure(cohort=cohort)
    survey = make_survey(programme, title="Module feedback", questions=QUESTIONS)
    target = SurveyTarget.objects.create(survey=survey, cohort=cohort, trigger=SurveyTrigger.MANUAL)
    # Five colleagues have answered already: results are shown from five respondents.
    for _ in range(5):
        person = UserFactory(profile__country="LV")
        services.enrolment_apply(user=person, cohort=cohort, answers={})
    participant = UserFactory(
        email="janis@example.lv",
        profile__full_name="Jānis Bērziņš",
        profile__country="LV",
        profile__sector=Sector.FIRE_RESCUE,
        profile__organisation=OrganisationFactory(name="Valsts ugunsdzēsības dienests"),
    )
    services.enrolment_apply(user=participant, cohort=cohort, answers={})
    surveys.survey_target_send(target=target, actor=None)
    for invitation in SurveyInvitation.objects.exclude(user=participant):
        outcome = surveys.survey_invitation_submit(
            invitation_id=invitation.pk, data=answers(survey, "4"), user=None
        )
        assert outcome.ok
    staff = UserFactory(email="helmi@presidency.fi", profile__full_name="Helmi Väänänen")
    staff.groups.add(cohort.staff_group)
    return survey, cohort, participant, staff


def log_in(page, visit, follow, *, email: str, next_url: str):
    shared_log_in(page, visit, follow, email=email, next_url=next_url)


def strongly_agree_count(page) -> str:
    table = page.locator("section.survey-result", has_text="The module met my needs").locator(
        "table"
    )
    # The table sits in a closed <details>: read it as text, as a screen reader would on opening.
    row = table.locator("tr").filter(has=desk_th("5 Strongly agree", page))
    return row.locator("td").first.text_content()


def desk_th(text: str, page):
    return page.locator("th", has_text=text)


def test_invitation_email_to_answer_to_the_staff_chart(new_page, visit, follow, scene):
    survey, cohort, participant, staff = scene

    # The presidency's staff member looks at the results first.
    desk = new_page()
    log_in(desk, visit, follow, email=staff.email, next_url="/admin/cohorts/surveys/")
    follow(desk, desk.get_by_role("link", name="Module feedback"))
    expect(desk.locator("#survey-rate")).to_contain_text("5 of 6")
    assert strongly_agree_count(desk) == "0"

    # The participant opens the link in the invitation e-mail on a phone, without logging in.
    email = OutgoingEmail.objects.get(
        recipient=participant.email, reason__startswith="cohorts.survey.invitation:"
    )
    assert "Dear Jānis Bērziņš" in email.body_text
    link = re.search(r"https?://\S+(/cohorts/surveys/[0-9a-f]+/)", email.body_text).group(1)
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    visit(phone, link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Module feedback")
    expect(phone.locator("#survey-anonymity")).to_contain_text("not anonymous")

    # Too little: a clear message, nothing counted.
    likert = phone.get_by_role("group", name="The module met my needs")
    likert.get_by_role("radio", name="Strongly agree").check()
    phone.get_by_label("What should change").fill("More cross-border cases — Søren Ærø agrees.")
    follow(phone, phone.get_by_role("button", name="Send my answers"), tap=True)
    expect(phone.get_by_role("alert")).to_contain_text("Some answers need attention")
    expect(phone.get_by_role("alert")).to_contain_text("How likely are you to recommend it")
    assert SurveyInvitation.objects.get(user=participant).answered_at is None

    # Save, come back later: the answers are still there.
    follow(phone, phone.get_by_role("button", name="Save and finish later"), tap=True)
    expect(phone.get_by_role("status").first).to_contain_text("Your answers so far are saved")
    visit(phone, link)
    likert = phone.get_by_role("group", name="The module met my needs")
    expect(likert.get_by_role("radio", name="Strongly agree")).to_be_checked()
    expect(phone.get_by_label("What should change")).to_have_value(
        "More cross-border cases — Søren Ærø agrees."
    )

    # Finish and send.
    phone.get_by_role("group", name="How likely are you to recommend it").get_by_role(
        "radio", name="9", exact=True
    ).check()
    matrix = phone.get_by_role("group", name="How useful were these parts")
    matrix.get_by_role("group", name="Lessons").get_by_role(
        "radio", name="Agree", exact=True
    ).check()
    matrix.get_by_role("group", name="Scenarios").get_by_role(
        "radio", name="Strongly agree"
    ).check()
    phone.get_by_label("Risk assessment").select_option("2")
    phone.get_by_label("Crisis communication").select_option("1")
    follow(phone, phone.get_by_role("button", name="Send my answers"), tap=True)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(phone.locator("main")).to_contain_text("counted once")

    # The staff member reloads the results: the chart has changed.
    follow(desk, desk.get_by_role("button", name="Show"))
    expect(desk.locator("#survey-rate")).to_contain_text("6 of 6")
    assert strongly_agree_count(desk) == "1"
    chart = desk.locator("section.survey-result", has_text="The module met my needs").locator(
        "svg[role=img]"
    )
    expect(chart.locator("text").filter(has_text="1 (16.7%)")).to_have_count(1)

    # The printable summary, and a lessons-learned page published from the results.
    follow(desk, desk.get_by_role("link", name="Printable summary"))
    expect(desk.locator("main")).to_contain_text("No figure describes fewer than 5 people")
    follow(desk, desk.get_by_role("link", name="Back to the results"))
    follow(desk, desk.get_by_role("link", name="Publish lessons learned"))
    desk.get_by_label("Summary").fill("Participants want more cross-border cases.")
    follow(desk, desk.get_by_role("button", name="Publish the page"))
    # Presidency staff cannot publish a public page: a programme admin approves it first.
    expect(desk.locator("body")).to_contain_text("sent to the programme admins for approval")
    lessons = LessonsLearnedPage.objects.get()
    assert not lessons.live
    state = lessons.current_workflow_task_state
    state.task.specific.on_action(state, UserFactory(is_staff=True, is_superuser=True), "approve")
    lessons.refresh_from_db()
    visit(phone, lessons.url)
    expect(phone.locator("main")).to_contain_text("Participants want more cross-border cases.")

    # The survey's public page introduces it.
    visit(phone, survey.url)
    expect(phone.locator("main")).to_contain_text("personal link in your invitation")
