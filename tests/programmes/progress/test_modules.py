"""Working through a module: steps, the server-marked knowledge check, reflections, the
completion rule, prerequisites, and tampered input."""

import re

import pytest
from django.core import signing

from lms.models import Event
from programmes.errors import ProgrammesError
from programmes.models import ModuleProgress, QuizAttempt, StepProgress
from programmes.progress.services import (
    progress_step_complete,
    quiz_nonce,
    quiz_submit,
)
from tests.factories import UserFactory
from tests.programmes.modules import make_module, quiz_ids, right_answers, step_ids, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(make_programme):
    return make_module(make_programme())


def complete_all_but_quiz(user, module):
    ids = step_ids(module)
    progress_step_complete(user=user, module=module, step_id=ids["section"])
    progress_step_complete(user=user, module=module, step_id=ids["scenario"])
    progress_step_complete(
        user=user, module=module, step_id=ids["reflection"], reflection="The Latvian duty officer."
    )


def submit(user, module, answers):
    ids = step_ids(module)
    nonce = quiz_nonce(user=user, module=module, step_id=ids["quiz"])
    return quiz_submit(user=user, module=module, step_id=ids["quiz"], answers=answers, nonce=nonce)


def completed_events():
    return Event.objects.filter(name="programmes.module.completed")


def test_module_completes_when_every_step_is_done_and_the_quiz_is_failed_then_passed(user, module):
    complete_all_but_quiz(user, module)
    failed = submit(user, module, wrong_answers(module))

    assert failed.score == 0
    assert not failed.passed
    progress = ModuleProgress.objects.get(user=user, module=module)
    assert progress.completed_at is None
    assert not completed_events().exists()

    passed = submit(user, module, right_answers(module))

    assert passed.score == 100
    assert passed.passed
    progress.refresh_from_db()
    assert progress.completed_at is not None
    event = completed_events().get()
    assert event.payload == {"user_id": user.pk, "module_id": module.pk}
    assert QuizAttempt.objects.filter(progress=progress).count() == 2


def test_completion_is_emitted_once_when_reached_twice(user, module):
    complete_all_but_quiz(user, module)
    submit(user, module, right_answers(module))
    submit(user, module, right_answers(module))
    complete_all_but_quiz(user, module)

    assert completed_events().count() == 1


def test_partly_right_multiple_choice_scores_half_and_feedback_only_for_chosen(user, module):
    (q1, o1), (q2, o2) = quiz_ids(module)
    attempt = submit(user, module, {q1: [o1["Sendai Framework"]], q2: [o2["Rescue services"]]})

    assert attempt.score == 50
    assert attempt.results[q1]["right"] is True
    assert attempt.results[q2]["right"] is False
    assert attempt.results[q2]["feedback"] == {o2["Rescue services"]: "Right."}


def test_reflection_needs_text_and_stays_private(user, module):
    ids = step_ids(module)
    with pytest.raises(ProgrammesError) as error:
        progress_step_complete(user=user, module=module, step_id=ids["reflection"], reflection=" ")
    assert error.value.code == "reflection_empty"
    assert not StepProgress.objects.exists()

    progress_step_complete(
        user=user, module=module, step_id=ids["reflection"], reflection="Mans pārdomas: Bērziņš"
    )
    assert StepProgress.objects.get().reflection == "Mans pārdomas: Bērziņš"


@pytest.mark.parametrize(
    "tamper",
    ["unknown_option", "unknown_question", "two_for_single", "other_module", "other_user", "junk"],
)
def test_tampered_quiz_submissions_are_rejected_and_change_nothing(
    user, module, make_programme, tamper
):
    ids = step_ids(module)
    answers = right_answers(module)
    nonce = quiz_nonce(user=user, module=module, step_id=ids["quiz"])
    (q1, o1), _ = quiz_ids(module)
    if tamper == "unknown_option":
        answers[q1] = ["not-an-option"]
    elif tamper == "unknown_question":
        answers["made-up"] = ["x"]
    elif tamper == "two_for_single":
        answers[q1] = list(o1.values())
    elif tamper == "other_module":
        other = make_module(make_programme(), title="Other module")
        nonce = quiz_nonce(user=user, module=other, step_id=step_ids(other)["quiz"])
    elif tamper == "other_user":
        nonce = quiz_nonce(user=UserFactory(), module=module, step_id=ids["quiz"])
    elif tamper == "junk":
        nonce = "junk:" + signing.dumps({"u": user.pk})

    with pytest.raises(ProgrammesError):
        quiz_submit(user=user, module=module, step_id=ids["quiz"], answers=answers, nonce=nonce)

    assert not QuizAttempt.objects.exists()
    assert not StepProgress.objects.exists()


def test_replayed_quiz_post_is_rejected(user, module):
    ids = step_ids(module)
    nonce = quiz_nonce(user=user, module=module, step_id=ids["quiz"])
    quiz_submit(
        user=user, module=module, step_id=ids["quiz"], answers=wrong_answers(module), nonce=nonce
    )
    with pytest.raises(ProgrammesError) as error:
        quiz_submit(
            user=user,
            module=module,
            step_id=ids["quiz"],
            answers=right_answers(module),
            nonce=nonce,
        )
    assert error.value.code == "replayed"
    assert QuizAttempt.objects.count() == 1
    assert not StepProgress.objects.filter(step_id=ids["quiz"]).exists()


def test_prerequisite_locks_the_module_until_finished(user, module, make_programme):
    second = make_module(module.get_parent(), title="Leading a joint response", requires=module)
    with pytest.raises(ProgrammesError) as error:
        progress_step_complete(user=user, module=second, step_id=step_ids(second)["section"])
    assert error.value.code == "locked"
    assert "Cross-border cooperation" in error.value.message

    complete_all_but_quiz(user, module)
    submit(user, module, right_answers(module))
    progress_step_complete(user=user, module=second, step_id=step_ids(second)["section"])
    assert ModuleProgress.objects.get(user=user, module=second).steps.count() == 1


# --- pages ---------------------------------------------------------------------------------


def test_anonymous_visitor_sees_the_module_and_is_asked_to_log_in(client, module):
    page = client.get(module.url).content.decode()
    assert "Log in to start this module" in page
    assert "Why cooperate across borders?" in page
    response = client.get(f"{module.url}step/{step_ids(module)['section']}/")
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_quiz_page_never_sends_the_correct_answers(client, user, module):
    client.force_login(user)
    page = client.get(f"{module.url}step/{step_ids(module)['quiz']}/").content.decode()
    assert "Sendai Framework" in page
    assert "Yes: 2015–2030." not in page, "feedback appears only after answering"
    assert "correct" not in page.lower()


def _form_answers(answers):
    return {f"q-{qid}": options for qid, options in answers.items()}


def test_participant_works_through_the_module_in_the_browser_flow(client, user, module):
    client.force_login(user)
    ids = step_ids(module)
    overview = client.get(module.url).content.decode()
    assert "Start the module" in overview

    response = client.post(f"{module.url}step/{ids['section']}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"step/{ids['scenario']}/")
    assert "Continue: Storm surge" in client.get(module.url).content.decode(), "resumes"

    client.post(f"{module.url}step/{ids['scenario']}/")
    quiz_url = f"{module.url}step/{ids['quiz']}/"
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get(quiz_url).content.decode())[1]
    wrong = client.post(quiz_url, {"nonce": nonce, **_form_answers(wrong_answers(module))})
    text = wrong.content.decode()
    assert "Your score: 0%" in text
    assert "That is climate." in text
    replay = client.post(quiz_url, {"nonce": nonce, **_form_answers(right_answers(module))})
    assert replay.status_code == 400
    assert "already submitted" in replay.content.decode()

    nonce = re.search(r'name="nonce" value="([^"]+)"', text)[1]
    right = client.post(quiz_url, {"nonce": nonce, **_form_answers(right_answers(module))})
    assert "You passed" in right.content.decode()
    assert "75%" in client.get(module.url).content.decode()

    empty = client.post(f"{module.url}step/{ids['reflection']}/", {"reflection": ""})
    assert "Write a few words" in empty.content.decode()
    done = client.post(
        f"{module.url}step/{ids['reflection']}/", {"reflection": "Þórunn at the coast guard"}
    )
    assert done.status_code == 302
    overview = client.get(module.url).content.decode()
    assert "Completed" in overview
    assert "100%" in overview
    assert completed_events().count() == 1


def test_tampered_quiz_post_shows_a_message(client, user, module):
    client.force_login(user)
    quiz_url = f"{module.url}step/{step_ids(module)['quiz']}/"
    response = client.post(quiz_url, {"nonce": "forged", "q-x": "y"})
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_locked_module_explains_what_to_finish_first(client, user, module):
    second = make_module(module.get_parent(), title="Leading a joint response", requires=module)
    client.force_login(user)
    overview = client.get(second.url).content.decode()
    assert "This module is locked" in overview
    assert "Cross-border cooperation" in overview
    response = client.get(f"{second.url}step/{step_ids(second)['section']}/")
    assert response.status_code == 403
    assert "Cross-border cooperation" in response.content.decode()


def test_unknown_step_is_404(client, user, module):
    client.force_login(user)
    assert client.get(f"{module.url}step/nope/").status_code == 404
    assert client.post(f"{module.url}step/%00/").status_code == 400, "NUL: a bad request"
