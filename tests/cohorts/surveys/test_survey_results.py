"""Survey results in the admin as staff see them: their own cohorts' answers only, the response
rate, charts with a table alternative, a breakdown whose small cells are hidden (so a
two-person delegation stays anonymous), exports safe from formulas, the printable summary and
publishing a lessons-learned page."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cohorts.models import SurveyInvitation, SurveyTarget, SurveyTrigger
from cohorts.places import services
from cohorts.surveys import services as surveys
from lms.models import Event
from programmes.models import LessonsLearnedPage
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text
from tests.programmes.survey_builders import full_answers, make_survey, names

pytestmark = pytest.mark.django_db


def answer(invitation, survey, **overrides):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in {**full_answers(survey), **overrides}.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    outcome = surveys.survey_invitation_submit(invitation_id=invitation.pk, data=data, user=None)
    assert outcome.ok, outcome.form.errors


@pytest.fixture
def world(programme, make_cohort, make_person):
    """A survey sent to two cohorts: in BEP 2026, six Latvians and two Icelanders answer (the
    Icelandic delegation is two people); in BEP 2027 three Danes answer."""
    survey = make_survey(programme, title="Module feedback")
    mine = make_cohort(title="BEP 2026 — Finnish presidency")
    other = make_cohort(title="BEP 2027 — Danish presidency")
    services.cohort_staff_group_ensure(cohort=mine)
    staff = UserFactory(is_staff=True, profile__full_name="Helmi Väänänen")
    staff.groups.add(mine.staff_group)
    n = names(survey)
    people = [(mine, "LV", "4", '=HYPERLINK("http://evil.example")')] * 6
    people += [(mine, "IS", "1", "Þórunn thinks so")] * 2 + [(other, "DK", "5", "+45 cmd")] * 3
    for cohort, country, likert, text in people:
        target, _ = SurveyTarget.objects.get_or_create(
            survey=survey, cohort=cohort, trigger=SurveyTrigger.MANUAL
        )
        person = make_person(country)
        services.enrolment_apply(user=person, cohort=cohort, answers={})
        surveys.survey_target_send(target=target, actor=None)
        invitation = SurveyInvitation.objects.get(user=person)
        answer(
            invitation,
            survey,
            **{n["The module met my needs"]: likert, n["What should change"]: text},
        )
    # One more member of mine who has not answered.
    late = make_person("LV")
    services.enrolment_apply(user=late, cohort=mine, answers={})
    surveys.survey_target_send(
        target=SurveyTarget.objects.get(survey=survey, cohort=mine), actor=None
    )
    return survey, mine, other, staff


def results_url(survey, **query):
    from urllib.parse import urlencode

    url = reverse("cohorts_survey_results", args=[survey.pk])
    return f"{url}?{urlencode(query)}" if query else url


def test_staff_see_their_cohorts_answers_only(client, world):
    survey, mine, other, staff = world
    client.force_login(staff)

    response = client.get(results_url(survey))

    assert response.status_code == 200
    text = visible_text(response)
    assert "8 of 9 invited people have answered (88.9%)" in text
    assert "8 responses in BEP 2026 — Finnish presidency" in text
    # Asking for the other cohort changes nothing: staff stay in their own.
    text = visible_text(client.get(results_url(survey, cohort=other.pk)))
    assert "8 responses in BEP 2026" in text and "BEP 2027" not in text
    # The index and the cohort desk lead here; another survey is a 404.
    index = visible_text(client.get(reverse("cohorts_survey_index")))
    assert "Module feedback" in index
    desk = client.get(reverse("cohorts_desk", args=[mine.pk]))
    assert results_url(survey, cohort=mine.pk) in desk.content.decode()
    hidden = make_survey(survey.get_parent(), title="Someone else's survey")
    assert client.get(results_url(hidden)).status_code == 404
    assert client.get(reverse("cohorts_survey_export_csv", args=[hidden.pk])).status_code == 404


def test_participants_and_strangers_see_nothing(client, world):
    survey, *_ = world
    assert client.get(results_url(survey)).status_code == 302  # to the admin login
    client.force_login(UserFactory(is_staff=True))
    # Without admin access: the page that says so (403), never the results.
    assert client.get(results_url(survey)).status_code in (403, 404)
    assert client.get(reverse("cohorts_survey_index")).status_code in (302, 403)


def test_charts_are_svg_with_a_text_alternative(client, world):
    survey, mine, _, staff = world
    client.force_login(staff)
    body = client.get(results_url(survey)).content.decode()
    assert body.count('<svg class="survey-chart" role="img"') == 8
    assert '<title id="chart-r' in body and '<desc id="chart-r' in body
    assert "Figures as a table" in body
    # Likert counts: six "4 Agree", two "1 Strongly disagree"
    text = visible_text(client.get(results_url(survey)))
    assert "4 Agree 6 75.0%" in text and "1 Strongly disagree 2 25.0%" in text
    assert "mean 3.25 on a scale of 1 to 5" in text


def test_the_breakdown_hides_a_two_person_delegation(client, world):
    survey, mine, _, staff = world
    client.force_login(staff)
    text = visible_text(client.get(results_url(survey, by="country")))
    # Two Icelanders are fewer than 5, and showing the six Latvians alone would give the two
    # away by subtraction from the total: no breakdown at all.
    assert "Too few respondents for a breakdown" in text
    assert "Iceland" not in text and "Latvia (6)" not in text


def test_the_breakdown_shows_groups_of_five_and_more(client, world, make_person):
    survey, mine, _, staff = world
    target = SurveyTarget.objects.get(survey=survey, cohort=mine)
    for _ in range(5):
        person = make_person("EE")
        services.enrolment_apply(user=person, cohort=mine, answers={})
        surveys.survey_target_send(target=target, actor=None)
        answer(SurveyInvitation.objects.get(user=person), survey)
    client.force_login(staff)
    text = visible_text(client.get(results_url(survey, by="country")))
    # The two Icelanders are combined with the next smallest group, so that the hidden part
    # is never fewer than 5 people.
    assert "Latvia (6)" in text and "Other groups, combined (7)" in text
    assert "Iceland" not in text and "Estonia (5)" not in text


def test_exports_hide_small_cells_and_neutralise_formulas(client, world):
    survey, mine, _, staff = world
    client.force_login(staff)
    response = client.get(reverse("cohorts_survey_export_csv", args=[survey.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert ["Summary"] in rows and ["By country"] in rows and ["Free text"] in rows
    flat = "\n".join(",".join(row) for row in rows)
    assert "Iceland" not in flat
    assert "'=HYPERLINK" in flat and "\n=HYPERLINK" not in flat
    assert "Þórunn thinks so" in flat
    assert "+45 cmd" not in flat  # the other cohort's answer

    response = client.get(reverse("cohorts_survey_export_xlsx", args=[survey.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "By country", "By sector", "Free text"]
    values = [c.value for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    assert "Iceland" not in [v for v in values if isinstance(v, str)]
    assert Event.objects.filter(name__startswith="cohorts.survey").exists()


def test_printable_summary(client, world):
    survey, _, _, staff = world
    client.force_login(staff)
    response = client.get(reverse("cohorts_survey_print", args=[survey.pk]))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Module feedback" in text and "No figure describes fewer than 5 people" in text
    assert "Iceland" not in text


def test_staff_publish_lessons_learned_with_aggregates_only(client, world):
    survey, mine, _, staff = world
    client.force_login(staff)
    url = reverse("cohorts_survey_lessons", args=[survey.pk])
    assert client.get(url).status_code == 200
    form = {
        "title": "What BEP 2026 taught us",
        "summary": "Participants want more cross-border scenarios.",
        "findings": "Shorter days.\n\nMore scenarios — ask Jānis Bērziņš's team.",
    }
    response = client.post(url, form)
    double_click = client.post(url, form)
    assert response.status_code == 302, visible_text(response)[-3000:]
    assert double_click.status_code == 302
    page = LessonsLearnedPage.objects.get()  # one page, not two
    assert page.get_parent().specific == survey.get_parent().specific
    assert page.scope == "BEP 2026 — Finnish presidency"
    # Presidency staff cannot publish a public page: a programme admin approves it first.
    assert not page.live
    assert not page.permissions_for_user(staff).can_publish()
    assert "sent to the programme admins for approval" in visible_text(client.get(response.url))
    assert client.get(page.url).status_code == 404
    approver = UserFactory(is_staff=True, is_superuser=True)
    page.current_workflow_task_state.task.specific.on_action(
        page.current_workflow_task_state, approver, "approve"
    )
    page.refresh_from_db()
    assert page.live
    public = client.get(page.url)
    text = visible_text(public)
    assert "Participants want more cross-border scenarios." in text
    assert "Jānis Bērziņš" in text
    assert "8 respondents" in text
    assert "HYPERLINK" not in text and "Þórunn thinks so" not in text  # no free text
    assert public.content.decode().count('class="survey-chart"') == 8
    assert Event.objects.filter(name="programmes.lessons_learned.submitted").count() == 1
    programme_page = visible_text(client.get(survey.get_parent().url))
    assert "Lessons learned" in programme_page and "What BEP 2026 taught us" in programme_page


def test_lessons_learned_needs_five_respondents(client, programme, make_cohort, staff):
    survey = make_survey(programme, title="Empty survey")
    SurveyTarget.objects.create(survey=survey, cohort=make_cohort(), trigger=SurveyTrigger.MANUAL)
    client.force_login(staff)
    response = client.post(
        reverse("cohorts_survey_lessons", args=[survey.pk]),
        {"title": "Too early", "summary": "Nothing yet."},
    )
    assert response.status_code == 200
    assert "at least 5 people" in visible_text(response)
    assert not LessonsLearnedPage.objects.exists()


def test_sending_by_hand_from_the_results_page(client, world, make_person):
    survey, mine, _, staff = world
    newcomer = make_person("FI")
    services.enrolment_apply(user=newcomer, cohort=mine, answers={})
    target = SurveyTarget.objects.get(survey=survey, cohort=mine)
    client.force_login(staff)
    response = client.post(reverse("cohorts_survey_send", args=[target.pk]), follow=True)
    assert "Sent 1 invitation" in visible_text(response)
    other_target = SurveyTarget.objects.exclude(cohort=mine).get()
    assert client.post(reverse("cohorts_survey_send", args=[other_target.pk])).status_code == 404


def test_programme_admins_set_up_targets_in_the_admin(client, programme, make_cohort, staff):
    survey = make_survey(programme, title="Pre-programme needs")
    cohort = make_cohort()
    client.force_login(staff)
    assert client.get(reverse("survey_targets:index")).status_code == 200
    response = client.post(
        reverse("survey_targets:add"),
        {
            "survey": survey.pk,
            "cohort": cohort.pk,
            "activity": "",
            "module": "",
            "trigger": "activity_ended",
            "days_after": "2",
            "active": "on",
            "reminder_interval_days": "7",
            "max_reminders": "2",
        },
    )
    assert response.status_code == 200
    assert "Choose the activity whose end triggers the survey." in response.content.decode()
    assert not SurveyTarget.objects.exists()
    response = client.post(
        reverse("survey_targets:add"),
        {
            "survey": survey.pk,
            "cohort": cohort.pk,
            "activity": "",
            "module": "",
            "trigger": "accepted",
            "days_after": "1",
            "active": "on",
            "reminder_interval_days": "7",
            "max_reminders": "2",
        },
    )
    assert response.status_code == 302
    assert SurveyTarget.objects.get().trigger == "accepted"


def test_csv_free_text_with_a_semicolon_formula_stays_text(client, world, make_person):
    survey, mine, _, staff = world
    target = SurveyTarget.objects.get(survey=survey, cohort=mine)
    person = make_person("PL")
    services.enrolment_apply(user=person, cohort=mine, answers={})
    surveys.survey_target_send(target=target, actor=None)
    attack = "I lead a team;=cmd|' /C calc'!A0"
    answer(
        SurveyInvitation.objects.get(user=person),
        survey,
        **{names(survey)["What should change"]: attack},
    )
    client.force_login(staff)

    body = client.get(reverse("cohorts_survey_export_csv", args=[survey.pk])).content
    text = body.decode("utf-8-sig")

    assert "I lead a team;'=cmd|' /C calc'!A0" in [
        cell for row in csv.reader(io.StringIO(text)) for cell in row
    ]
    # A spreadsheet in Polish, German or Latvian splits on ";": still no formula cell.
    for delimiter in (";", ","):
        cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
        assert not [c for c in cells if c.lstrip(' "').startswith(("=", "+", "-", "@"))]


def test_responses_without_an_invitation_are_shown_apart_from_the_response_rate(
    client, world, make_person
):
    """The NEEDS demo read "0 of 1 invited (0.0%) · 36 responses": answers recorded without an
    invitation must not be compared with the invited."""
    from django.db import transaction

    from programmes.surveys.answering import survey_form, survey_response_record

    survey, mine, _, staff = world
    with transaction.atomic():
        for _ in range(3):
            form = survey_form(survey, _post(full_answers(survey)))
            assert form.is_valid(), form.errors
            survey_response_record(
                survey=survey, cleaned_data=form.cleaned_data, cohort_id=mine.pk, country="SE"
            )
    client.force_login(staff)

    text = visible_text(client.get(results_url(survey)))

    assert "8 of 9 invited people have answered (88.9%)" in text
    assert "11 responses in BEP 2026 — Finnish presidency" in text
    assert "3 of the 11 responses came without an invitation of this survey" in text
    listing = visible_text(client.get(reverse("cohorts_survey_index")))
    assert "Responses without an invitation" in listing


def _post(values: dict):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def test_chart_labels_wrap_instead_of_being_cut():
    from programmes.surveys.results import chart_of

    label = "Risk and vulnerability assessment across borders and sectors"
    chart = chart_of(
        {
            "shown": True,
            "kind": "radio",
            "bars": [
                {"label": label, "count": 3, "percent": 60.0},
                {"label": "Other", "count": 2, "percent": 40.0},
            ],
            "rows": [],
        }
    )
    lines = [line["text"] for line in chart["rows"][0]["label_lines"]]
    assert " ".join(lines) == label and len(lines) > 1
    assert all(len(line) <= 34 for line in lines)
    assert "…" not in "".join(lines)
    # The next row starts below the wrapped label.
    assert float(chart["rows"][1]["y"]) >= len(lines) * 15
    assert float(chart["height"]) > 2 * 28


def test_the_programme_admin_approval_workflow_is_set_up_once(programme):
    from wagtail.models import GroupApprovalTask, Workflow

    from programmes.progress.services import APPROVAL_WORKFLOW, programme_workflow_ensure

    first = programme_workflow_ensure()
    second = programme_workflow_ensure()

    assert first.pk == second.pk
    assert Workflow.objects.filter(name=APPROVAL_WORKFLOW).count() == 1
    task = GroupApprovalTask.objects.get(name=APPROVAL_WORKFLOW)
    assert [g.name for g in task.groups.all()] == ["Programme admins"]
    assert programme.get_workflow() == first
