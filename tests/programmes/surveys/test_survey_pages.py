"""Editors build surveys as Wagtail form pages under a programme: the admin form with the extra
question types, a preview of the questions, and guards that keep answers safe (an answered
question cannot be deleted, an answered survey cannot change its anonymity)."""

import pytest
from django.http import QueryDict
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from lms.models import HomePage
from programmes.models import (
    ActivityPage,
    LessonsLearnedPage,
    ModulePage,
    ProgrammePage,
    SurveyPage,
)
from programmes.surveys.answering import survey_form, survey_response_record
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text
from tests.programmes.survey_builders import full_answers, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def question(label, field_type, **extra):
    return {
        "label": label,
        "help_text": "",
        "required": "on",
        "field_type": field_type,
        "choices": "",
        "scale_points": "5",
        "scale_labels": "",
        "rows": "",
        **extra,
    }


def survey_form_data(questions, **overrides):
    data = {
        "title": "Knowledge needs 2027",
        "slug": "knowledge-needs-2027",
        "intro": rich_text("<p>What should NEEDS teach next?</p>"),
        "estimated_minutes": "8",
        "form_fields": inline_formset(questions),
        "thank_you_text": rich_text("<p>Kiitos!</p>"),
        "anonymous": "on",
        "anonymous_breakdown": "country",
        "closes_at": "",
    }
    data.update(overrides)
    return nested_form_data(data)


QUESTIONS = [
    question("About you", "section", required=""),
    question("Cross-border cooperation works", "likert", scale_points="7"),
    question("How prepared is your organisation", "rating"),
    question("Rate each need", "matrix", rows="Risk analysis\nCrisis communication"),
    question("Rank these topics", "ranking", choices="Floods\nFires\nCyber"),
]


def test_survey_pages_live_under_programmes_only(wagtail_page_asserts):
    wagtail_page_asserts.assertCanCreateAt(ProgrammePage, SurveyPage)
    wagtail_page_asserts.assertCanCreateAt(ProgrammePage, LessonsLearnedPage)
    wagtail_page_asserts.assertCanNotCreateAt(HomePage, SurveyPage)
    wagtail_page_asserts.assertCanNotCreateAt(ModulePage, SurveyPage)
    wagtail_page_asserts.assertCanNotCreateAt(ActivityPage, LessonsLearnedPage)
    wagtail_page_asserts.assertAllowedSubpageTypes(SurveyPage, [])


def test_editor_builds_a_survey_with_the_new_question_types(
    editor, wagtail_page_asserts, make_programme
):
    programme = make_programme()
    wagtail_page_asserts.assertCanCreate(programme, SurveyPage, survey_form_data(QUESTIONS))
    survey = SurveyPage.objects.get(slug="knowledge-needs-2027")
    assert survey.anonymous and survey.anonymous_breakdown == "country"
    assert [f.field_type for f in survey.get_form_fields()] == [
        "section",
        "likert",
        "rating",
        "matrix",
        "ranking",
    ]
    form = survey_form(survey)
    assert len(form.fields) == 4  # the section heading is no question
    wagtail_page_asserts.assertPageIsRoutable(survey)
    wagtail_page_asserts.assertPageIsRenderable(survey)


def test_a_question_set_up_wrongly_is_refused(client, editor, make_programme):
    programme = make_programme()
    response = client.post(
        f"/admin/pages/add/programmes/surveypage/{programme.pk}/",
        survey_form_data([question("Rate each need", "matrix", rows="")]),
    )
    assert response.status_code == 200
    assert "Give the statements to rate" in response.content.decode()
    assert not SurveyPage.objects.exists()


def test_the_preview_shows_the_questions(client, editor, make_programme):
    programme = make_programme()
    url = f"/admin/pages/add/programmes/surveypage/{programme.pk}/preview/"
    assert client.post(url, survey_form_data(QUESTIONS)).json()["is_valid"] is True
    shown = client.get(url)
    assert shown.status_code == 200
    text = visible_text(shown)
    assert "Preview" in text and "Cross-border cooperation works" in text
    assert "Somewhat agree" in text and "Crisis communication" in text


def answer_once(survey):
    data = QueryDict(mutable=True)
    for key, value in full_answers(survey).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    form = survey_form(survey, data)
    assert form.is_valid(), form.errors
    survey_response_record(survey=survey, cleaned_data=form.cleaned_data)


def edit_data(survey, *, delete_label=None, **overrides):
    questions = []
    for field in survey.form_fields.all():
        row = question(
            field.label,
            field.field_type,
            choices=field.choices,
            rows=field.rows,
            scale_points=str(field.scale_points),
            scale_labels=field.scale_labels,
            required="on" if field.required else "",
        )
        row["id"] = str(field.pk)
        row["clean_name"] = field.clean_name
        if field.label == delete_label:
            row["DELETE"] = "on"
        questions.append(row)
    fields = {
        "title": survey.title,
        "slug": survey.slug,
        "anonymous": "on" if survey.anonymous else "",
        "anonymous_breakdown": "",
        **overrides,
    }
    data = survey_form_data(questions, **fields)
    data["form_fields-INITIAL_FORMS"] = str(len(questions))
    return data


def test_an_answered_question_cannot_be_deleted(client, editor, make_programme):
    survey = make_survey(make_programme(), title="Module feedback")
    answer_once(survey)
    response = client.post(
        f"/admin/pages/{survey.pk}/edit/", edit_data(survey, delete_label="Your role")
    )
    assert response.status_code == 200
    assert "already has answers and cannot be deleted" in response.content.decode()
    assert survey.form_fields.filter(label="Your role").exists()


def test_an_answered_survey_keeps_its_anonymity(client, editor, make_programme):
    survey = make_survey(make_programme(), title="Module feedback")
    answer_once(survey)
    response = client.post(f"/admin/pages/{survey.pk}/edit/", edit_data(survey, anonymous="on"))
    assert response.status_code == 200
    assert "cannot change any more" in response.content.decode()
    survey.refresh_from_db()
    assert survey.anonymous is False


def test_survey_pages_are_not_wagtail_form_submissions(client, editor, make_programme):
    make_survey(make_programme(), title="Module feedback")
    response = client.get("/admin/forms/")
    assert "Module feedback" not in response.content.decode()
