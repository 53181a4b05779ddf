"""Answering a survey in the browser's place: the invitation link opens the questions without a
login, says whether the survey is anonymous before the first question, keeps a saved draft,
and turns bad input (missing answers, tampered options, out-of-range ratings, oversized text,
a double submission) into a clear message with nothing counted twice and never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from cohorts.models import SurveyInvitation, SurveyTarget, SurveyTrigger
from cohorts.places import services
from cohorts.privacy import survey_drafts_purge
from cohorts.surveys import services as surveys
from cohorts.tasks import survey_drafts_purge_task
from programmes.models import AnonymousSurveyResponse, SurveyAnswer, SurveyResponse
from tests.programmes.conftest import visible_text
from tests.programmes.survey_builders import full_answers, make_survey, names

pytestmark = pytest.mark.django_db


def invite(survey, cohort, user) -> SurveyInvitation:
    """Accept `user` into the cohort and send the survey by hand, as staff would."""
    services.enrolment_apply(user=user, cohort=cohort, answers={})
    target, _ = SurveyTarget.objects.get_or_create(
        survey=survey, cohort=cohort, trigger=SurveyTrigger.MANUAL
    )
    surveys.survey_target_send(target=target, actor=None)
    return SurveyInvitation.objects.get(target=target, user=user)


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(title="BEP 2026 — Finnish presidency")


@pytest.fixture
def setup(programme, cohort, make_person):
    survey = make_survey(programme, title="Module feedback")
    person = make_person("LT", full_name="Žydrūnas Šimkus")
    invitation = invite(survey, cohort, person)
    url = reverse("cohorts:survey_answer", args=[surveys.survey_token(invitation)])
    return survey, person, invitation, url


def test_the_link_opens_the_questions_without_logging_in(client, setup):
    survey, _, _, url = setup
    response = client.get(url)
    assert response.status_code == 200
    text = visible_text(response)
    assert "Your answers are not anonymous" in text
    assert text.index("Your answers are not anonymous") < text.index("The module met my needs")
    assert "Strongly agree" in text and "Not at all likely" in text
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_anonymity_is_announced_before_the_first_question(client, programme, cohort, make_person):
    survey = make_survey(programme, title="Knowledge needs", anonymous=True)
    invitation = invite(survey, cohort, make_person("DK"))
    url = reverse("cohorts:survey_answer", args=[surveys.survey_token(invitation)])
    text = visible_text(client.get(url))
    assert text.index("This survey is anonymous") < text.index("The module met my needs")
    assert "without your name" in text


def test_answer_then_the_link_only_thanks(client, setup):
    survey, _, invitation, url = setup
    data = {**full_answers(survey), "action": "submit"}

    response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "cohorts:survey_thanks", args=[surveys.survey_token(invitation)]
    )
    assert "counted once" in visible_text(client.get(response["Location"]))
    assert SurveyResponse.objects.count() == 1
    answers = SurveyAnswer.objects.count()
    # The back button and a second click: thanked, refused, counted nowhere.
    assert client.get(url).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 409
    assert "already been answered" in visible_text(again)
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == answers
    text = SurveyAnswer.objects.get(field__label="What should change").text
    assert text == "More cross-border scenarios — Žydrūnas Šimkus agrees."


def test_save_and_come_back(client, setup):
    survey, _, invitation, url = setup
    n = names(survey)
    response = client.post(
        url, {n["The module met my needs"]: "5", n["What should change"]: "Ærø", "action": "save"}
    )
    assert response.status_code == 302
    page = client.get(url)
    body = page.content.decode()
    assert "You saved answers on" in visible_text(page)
    assert f'name="{n["The module met my needs"]}" value="5" id=' in body
    assert 'value="5" id="q-' in body and " checked" in body
    assert "Ærø</textarea>" in body
    assert not SurveyResponse.objects.exists()


def test_a_saved_draft_is_deleted_once_the_survey_has_closed(client, setup, clock):
    survey, _, invitation, url = setup
    n = names(survey)
    client.post(url, {n["What should change"]: "Ærø", "action": "save"})
    survey.closes_at = clock.now + dt.timedelta(days=2)
    survey.save()

    # While the survey is open the draft waits for its author, whatever day it is.
    assert survey_drafts_purge(now=clock.now + dt.timedelta(days=1)) == 0
    invitation.refresh_from_db()
    assert invitation.draft and invitation.draft_saved_at is not None

    clock.now += dt.timedelta(days=2)
    assert survey_drafts_purge_task() == 1
    assert survey_drafts_purge() == 0  # a second run finds nothing
    invitation.refresh_from_db()
    assert invitation.draft == {} and invitation.draft_saved_at is None
    assert invitation.answered_at is None  # still counted as not answered
    assert "has closed" in visible_text(client.get(url))


BAD = {
    "missing": lambda n: {n["Your role"]: ""},
    "tampered option": lambda n: {n["Your role"]: "Commander-in-chief"},
    "rating out of range": lambda n: {n["How likely are you to recommend it to a colleague"]: "11"},
    "likert out of range": lambda n: {n["The module met my needs"]: "0"},
    "matrix out of range": lambda n: {f"{n['How useful were these parts']}_1": "8"},
    "ranking repeated": lambda n: {f"{n['Rank what you need to learn']}_2": "1"},
    "ranking junk": lambda n: {f"{n['Rank what you need to learn']}_0": "first"},
    "oversized text": lambda n: {n["What should change"]: "ø" * 5001},
    "number junk": lambda n: {n["Years in the service"]: "'\"<script>"},
    "tampered checkbox": lambda n: {n["Topics you want more of"]: ["Flooding", "Earthquakes"]},
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_clear_message_and_keeps_the_answers(client, setup, case):
    survey, _, invitation, url = setup
    n = names(survey)
    data = {**full_answers(survey), **BAD[case](n), "action": "submit"}

    response = client.post(url, data)

    assert response.status_code == 200
    text = visible_text(response)
    assert "Some answers need attention" in text
    assert "Nothing has been counted yet" in text
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    # What was typed is kept, on the page and in the draft.
    assert n["What should change"] in invitation.draft
    assert response.content.decode().count(" checked") >= 3


def test_bad_input_to_an_anonymous_survey_keeps_the_answers_on_the_page_only(
    client, programme, cohort, make_person
):
    survey = make_survey(programme, title="Knowledge needs", anonymous=True)
    invitation = invite(survey, cohort, make_person("DK"))
    url = reverse("cohorts:survey_answer", args=[surveys.survey_token(invitation)])
    n = names(survey)
    data = {**full_answers(survey), n["Your role"]: "", "action": "submit"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Some answers need attention" in visible_text(response)
    assert "More cross-border scenarios" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.draft == {}  # nothing stored beside the person without being asked
    assert not AnonymousSurveyResponse.objects.exists()


def test_someone_elses_link_and_junk_links(client, setup, make_person):
    survey, _, _, url = setup
    client.force_login(make_person("PL"))
    response = client.get(url)
    assert response.status_code == 403
    assert "sent to someone else" in visible_text(response)
    assert client.post(url, full_answers(survey)).status_code == 403
    client.logout()
    for junk in ("0" * 64, "Žydrūnas", "x" * 3000, "'\"<script>"):
        response = client.get(reverse("cohorts:survey_answer", args=[junk]))
        assert response.status_code == 404
        response = client.post(reverse("cohorts:survey_answer", args=[junk]), {"action": "save"})
        assert response.status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_closed_survey_refuses_answers(client, setup, clock):
    survey, _, _, url = setup
    survey.closes_at = clock.now
    survey.save()
    response = client.post(url, {**full_answers(survey), "action": "submit"})
    assert response.status_code == 410
    assert "has closed" in visible_text(response)
    assert not AnonymousSurveyResponse.objects.exists() and not SurveyResponse.objects.exists()


def test_the_public_survey_page_introduces_it(client, setup):
    survey, _, _, _ = setup
    response = client.get(survey.url)
    assert response.status_code == 200
    text = visible_text(response)
    assert "personal link in your invitation" in text
    assert "10 questions" in text
    assert client.post(survey.url, full_answers(survey)).status_code == 200
    assert not SurveyResponse.objects.exists()


def test_my_learning_lists_the_surveys_waiting_for_me(client, setup):
    survey, person, invitation, url = setup
    client.force_login(person)
    page = client.get(reverse("my_learning"))
    assert "Surveys waiting for your answers" in visible_text(page)
    assert url in page.content.decode()
    client.post(url, {**full_answers(survey), "action": "submit"})
    page = client.get(reverse("my_learning"))
    assert "Surveys waiting for your answers" not in visible_text(page)


def test_a_cohorts_survey_closes_on_the_cohorts_time_written_readably(client, setup):
    survey, person, invitation, url = setup
    survey.closes_at = dt.datetime(2030, 1, 15, 16, 0, tzinfo=dt.UTC)
    survey.save()
    text = visible_text(client.get(url))
    assert "Open until Tuesday 15 January 2030, 18:00 Helsinki time (EET, UTC+2)." in text
    email = surveys._email_context(invitation)
    assert email["closes_text"] == "Tuesday 15 January 2030, 18:00 Helsinki time (EET, UTC+2)"
