"""Results aggregated in the database, the small-cell rule in every breakdown, and the schema
of anonymous answers: nothing in the database joins an anonymous answer to a person or an
invitation — no foreign key, no timestamp, no sequential id."""

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import ForeignKey, OneToOneField
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from programmes.models import AnonymousSurveyResponse, SurveyAnswer
from programmes.surveys.answering import survey_form, survey_response_record
from programmes.surveys.results import suppressed, survey_breakdown, survey_results
from tests.programmes.survey_builders import full_answers, make_survey, names

pytestmark = pytest.mark.django_db


def qd(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def respond(survey, *, country="LV", sector="police", cohort_id=None, **changes):
    form = survey_form(survey, qd({**full_answers(survey), **changes}))
    assert form.is_valid(), form.errors
    survey_response_record(
        survey=survey,
        cleaned_data=form.cleaned_data,
        cohort_id=cohort_id,
        country=country,
        sector=sector,
    )


# --- the small-cell rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"LV": 6, "EE": 7}, set()),
        ({"LV": 6, "IS": 2}, {"LV", "IS"}),  # the 2 would follow from the total: hide all
        ({"LV": 6, "EE": 9, "IS": 2}, {"LV", "IS"}),  # hide the next smallest as well
        ({"LV": 6, "IS": 2, "DK": 3}, {"IS", "DK"}),  # 2 + 3 hidden together are 5
        ({"LV": 1}, {"LV"}),
        ({}, set()),
    ],
)
def test_the_hidden_part_is_never_fewer_than_five(counts, hidden):
    assert suppressed(counts) == hidden


# --- aggregation ---------------------------------------------------------------------------------


@pytest.fixture
def survey(make_programme):
    return make_survey(make_programme(), title="Module feedback")


def test_counts_and_means_are_aggregated_in_a_few_queries(survey):
    n = names(survey)
    for likert in ("1", "2", "4", "4", "5", "5"):
        respond(survey, **{n["The module met my needs"]: likert})
    with CaptureQueriesContext(connection) as captured:
        results = survey_results(survey)
    assert len(captured.captured_queries) <= 8
    questions = {q["label"]: q for q in results["questions"]}
    likert = questions["The module met my needs"]
    assert likert["answered"] == 6 and likert["mean"] == pytest.approx(21 / 6)
    assert [bar["count"] for bar in likert["bars"]] == [1, 1, 0, 2, 2]
    ranking = {
        row["label"]: row["mean"] for row in questions["Rank what you need to learn"]["rows"]
    }
    assert ranking == {
        "Risk assessment": 2.0,
        "Crisis communication": 1.0,
        "Cross-border cooperation": 3.0,
    }
    assert (
        questions["What should change"]["texts"]
        == ["More cross-border scenarios — Žydrūnas Šimkus agrees."] * 6
    )
    topics = {bar["label"]: bar["count"] for bar in questions["Topics you want more of"]["bars"]}
    assert topics == {"Flooding": 6, "Forest fires": 0, "Cyber incidents": 6}


def test_nothing_is_shown_for_fewer_than_five(survey):
    for _ in range(4):
        respond(survey)
    results = survey_results(survey)
    assert results["respondents"] == 4 and not results["shown"]
    assert all(not q["shown"] and not q["bars"] and not q["texts"] for q in results["questions"])


def test_an_optional_question_few_answered_stays_hidden(survey):
    n = names(survey)
    for index in range(6):
        respond(survey, **({n["What should change"]: ""} if index >= 2 else {}))
    questions = {q["label"]: q for q in survey_results(survey)["questions"]}
    assert questions["What should change"]["answered"] == 2
    assert questions["What should change"]["texts"] == []
    assert questions["The module met my needs"]["shown"]


def test_every_breakdown_suppresses_small_cells(survey):
    n = names(survey)
    for _ in range(6):
        respond(survey, country="LV", sector="police")
    for _ in range(5):
        respond(survey, country="EE", sector="police")
    for _ in range(5):
        respond(survey, country="FI", sector="fire_rescue", **{n["What should change"]: ""})
    respond(survey, country="IS", sector="customs", **{n["The module met my needs"]: "1"})
    respond(survey, country="IS", sector="customs", **{n["The module met my needs"]: "1"})

    by_country = survey_breakdown(survey, by="country")
    groups = {g["label"]: g["respondents"] for g in by_country["groups"]}
    # Iceland (2) is combined with the smallest other group (Estonia or Finland, 5).
    assert "Iceland" not in groups and groups["Latvia"] == 6
    assert groups["Other groups, combined"] == 7
    by_sector = survey_breakdown(survey, by="sector")
    sectors = {g["label"]: g["respondents"] for g in by_sector["groups"]}
    assert sectors == {"Police": 11, "Other groups, combined": 7}
    for breakdown in (by_country, by_sector):
        for question in breakdown["questions"]:
            shown = [row for row in question["rows"] if not row["hidden"]]
            assert all(row["n"] >= 5 for row in shown)
            assert "Customs" not in [row["group"] for row in question["rows"]]
    likert = next(q for q in by_country["questions"] if q["label"] == "The module met my needs")
    combined = next(r for r in likert["rows"] if r["group"] == "Other groups, combined")
    assert combined["values"] == [pytest.approx((5 * 4 + 2 * 1) / 7, abs=0.01)]


def test_an_anonymous_survey_breaks_down_only_what_it_keeps(make_programme):
    survey = make_survey(
        make_programme(), title="Knowledge needs", anonymous=True, anonymous_breakdown="sector"
    )
    for _ in range(5):
        respond(survey, country="LV", sector="police")
    assert set(AnonymousSurveyResponse.objects.values_list("country", flat=True)) == {""}
    assert survey_breakdown(survey, by="country")["available"] is False
    sectors = survey_breakdown(survey, by="sector")
    assert [(g["label"], g["respondents"]) for g in sectors["groups"]] == [("Police", 5)]
    assert survey_results(survey)["respondents"] == 5


# --- the schema of anonymous answers --------------------------------------------------------------


def test_anonymous_answers_cannot_be_joined_to_people_or_invitations(make_programme):
    anonymous_models = {AnonymousSurveyResponse, SurveyAnswer}
    user_model = apps.get_model("lms", "User")
    invitation = apps.get_model("cohorts", "SurveyInvitation")

    # No column of an anonymous response points anywhere but at its survey; it has no time and
    # its id is random, so neither an id order nor a timestamp lines it up with an invitation.
    fields = AnonymousSurveyResponse._meta.concrete_fields
    assert [f.name for f in fields if f.is_relation] == ["survey"]
    assert not [f for f in fields if isinstance(f, models.DateField | models.TimeField)]
    assert isinstance(AnonymousSurveyResponse._meta.pk, models.UUIDField)
    assert isinstance(SurveyAnswer._meta.pk, models.UUIDField)
    assert not [f for f in SurveyAnswer._meta.concrete_fields if isinstance(f, models.DateField)]
    # Nothing in any app points at an anonymous response except its own answers, and no model
    # that names a person or an invitation points at an answer row.
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, ForeignKey | OneToOneField):
                if field.related_model is AnonymousSurveyResponse:
                    assert model is SurveyAnswer
                if field.related_model is SurveyAnswer:
                    pytest.fail(f"{model.__name__}.{field.name} points at an answer")
    related = {f.related_model for f in SurveyAnswer._meta.concrete_fields if f.is_relation}
    assert user_model not in related and invitation not in related
    assert not any(
        f.related_model in anonymous_models
        for f in invitation._meta.concrete_fields
        if f.is_relation
    )
    # The same, read back from the database's own catalogue.
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(
            cursor, AnonymousSurveyResponse._meta.db_table
        )
        invitation_relations = connection.introspection.get_relations(
            cursor, invitation._meta.db_table
        )
    assert {table for _, table in relations.values()} == {"programmes_surveypage"}
    assert AnonymousSurveyResponse._meta.db_table not in {
        table for _, table in invitation_relations.values()
    }
    assert SurveyAnswer._meta.db_table not in {table for _, table in invitation_relations.values()}
