"""Each survey field type validates what a person sends and stores it as answer rows that
results can count and average; editors get a clear message for a question set up wrongly."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from lms.models import Event
from programmes.models import SurveyAnswer, SurveyField, SurveyResponse
from programmes.surveys.answering import (
    survey_draft_data,
    survey_draft_from,
    survey_form,
    survey_items,
    survey_response_record,
)
from tests.programmes.survey_builders import full_answers, make_survey, names

pytestmark = pytest.mark.django_db


def qd(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


@pytest.fixture
def survey(make_programme):
    return make_survey(make_programme(), title="Module feedback")


def errors_for(survey, **changes) -> dict:
    form = survey_form(survey, qd({**full_answers(survey), **changes}))
    form.is_valid()
    return form.errors


def stored(survey, user) -> dict[str, list[tuple]]:
    form = survey_form(survey, qd(full_answers(survey)))
    assert form.is_valid(), form.errors
    response = survey_response_record(
        survey=survey, cleaned_data=form.cleaned_data, user=user, country="LV", sector="police"
    )
    rows: dict[str, list[tuple]] = {}
    for answer in SurveyAnswer.objects.filter(response=response).select_related("field"):
        rows.setdefault(answer.field.label, []).append((answer.item, answer.value, answer.text))
    return {label: sorted(values) for label, values in rows.items()}


def test_every_field_type_is_stored_as_rows(survey, user):
    rows = stored(survey, user)
    assert rows["The module met my needs"] == [("", 4.0, "")]
    assert rows["How likely are you to recommend it to a colleague"] == [("", 9.0, "")]
    assert rows["How useful were these parts"] == [
        ("Knowledge checks", 5.0, ""),
        ("Lessons", 6.0, ""),
        ("Scenarios, with decision points", 7.0, ""),
    ]
    assert rows["Rank what you need to learn"] == [
        ("Crisis communication", 1.0, ""),
        ("Cross-border cooperation", 3.0, ""),
        ("Risk assessment", 2.0, ""),
    ]
    assert rows["Your role"] == [("Operational", None, "")]
    assert rows["Topics you want more of"] == [
        ("Cyber incidents", None, ""),
        ("Flooding", None, ""),
    ]
    assert rows["Language you work in"] == [("Latviešu", None, "")]
    assert rows["What should change"] == [
        ("", None, "More cross-border scenarios — Žydrūnas Šimkus agrees.")
    ]
    assert rows["Years in the service"] == [("", 12.0, "")]
    assert rows["I would take part again"] == [("", 1.0, "")]
    response = SurveyResponse.objects.get()
    assert response.user == user and str(response.country) == "LV"
    assert set(SurveyAnswer.objects.values_list("country", flat=True)) == {"LV"}
    assert [e.name for e in Event.objects.all()] == ["programmes.survey.responded"]


def test_optional_questions_may_stay_empty(survey, user):
    n = names(survey)
    data = full_answers(survey)
    for label in ("Topics you want more of", "Language you work in", "What should change"):
        data.pop(n[label])
    data.pop(n["Years in the service"])
    form = survey_form(survey, qd(data))
    assert form.is_valid(), form.errors
    survey_response_record(survey=survey, cleaned_data=form.cleaned_data, user=user)
    labels = set(SurveyAnswer.objects.values_list("field__label", flat=True))
    assert "What should change" not in labels and "Topics you want more of" not in labels


@pytest.mark.parametrize(
    ("label", "sub", "value", "message"),
    [
        ("The module met my needs", None, "6", "Select a valid choice"),
        ("The module met my needs", None, "", "This field is required."),
        ("How likely are you to recommend it to a colleague", None, "-1", "Select a valid choice"),
        (
            "How likely are you to recommend it to a colleague",
            None,
            "10.5",
            "Select a valid choice",
        ),
        ("How useful were these parts", 2, "", "Answer every row."),
        ("How useful were these parts", 0, "8", "Choose one of the offered answers."),
        ("Rank what you need to learn", 1, "2", "Give each item a different rank."),
        ("Rank what you need to learn", 0, "4", "Choose one of the offered answers."),
        ("Rank what you need to learn", 2, "", "Give every item a rank."),
        ("Your role", None, "General", "Select a valid choice"),
        ("What should change", None, "x" * 5001, "at most 5000 characters"),
        ("Years in the service", None, "12 years", "Enter a number."),
    ],
)
def test_each_field_type_refuses_bad_answers(survey, label, sub, value, message):
    name = names(survey)[label]
    key = f"{name}_{sub}" if sub is not None else name
    errors = errors_for(survey, **{key: value})
    assert list(errors) == [name]
    assert message in " ".join(errors[name])


def test_the_rating_and_likert_keep_their_labels(survey):
    form = survey_form(survey)
    items = {item.label: item for item in survey_items(survey, form)}
    likert = items["The module met my needs"]
    assert [o.label for o in likert.options] == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    rating = items["How likely are you to recommend it to a colleague"]
    assert [o.value for o in rating.options] == [str(n) for n in range(11)]
    assert (rating.low_label, rating.high_label) == ("Not at all likely", "Extremely likely")
    matrix = items["How useful were these parts"]
    assert [row.label for row in matrix.rows] == [
        "Lessons",
        "Scenarios, with decision points",
        "Knowledge checks",
    ]
    assert len(matrix.rows[0].options) == 7
    assert items["About the module"].kind == "section"


def test_a_draft_keeps_only_this_surveys_answers_cut_to_size(survey):
    n = names(survey)
    data = qd(
        {
            n["What should change"]: "ø" * 30_000,
            f"{n['How useful were these parts']}_1": "3",
            "csrfmiddlewaretoken": "secret",
            "someone_elses_field": "x",
        }
    )
    draft = survey_draft_from(survey, data)
    assert set(draft) == {n["What should change"], f"{n['How useful were these parts']}_1"}
    assert len(draft[n["What should change"]][0]) == 20_000
    form = survey_form(survey, survey_draft_data(draft))
    items = {item.label: item for item in survey_items(survey, form, show_errors=False)}
    assert items["How useful were these parts"].rows[1].selected == "3"
    assert items["The module met my needs"].errors == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"field_type": "radio", "choices": "Only one"}, "choices"),
        ({"field_type": "ranking", "choices": "\n".join(str(n) for n in range(11))}, "choices"),
        ({"field_type": "matrix", "rows": ""}, "rows"),
        ({"field_type": "likert", "scale_points": 5, "scale_labels": "Low\nHigh"}, "scale_labels"),
        ({"field_type": "rating", "scale_labels": "Only one label"}, "scale_labels"),
    ],
)
def test_editors_get_a_message_for_a_question_set_up_wrongly(spec, field):
    with pytest.raises(ValidationError) as error:
        SurveyField(label="A question", **spec).clean()
    assert field in error.value.message_dict
