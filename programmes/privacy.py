"""Programmes' part of a person's data: learning progress with reflections and quiz attempts,
survey answers given under their name, their calendar feed; and how it is erased. Registered
in ProgrammesConfig.ready()."""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from lms.privacy.services import Erasure, personal_data_register
from programmes.calendar.models import CalendarFeed
from programmes.pages.selectors import step_title
from programmes.progress.models import ModuleProgress, QuizAttempt, StepProgress
from programmes.surveys.models import SurveyAnswer, SurveyResponse


def _step_titles(module) -> dict[str, str]:
    return {child.id: step_title(child) for child in module.lessons}


def learning_export(user) -> dict:
    progress = list(
        ModuleProgress.objects.filter(user=user).select_related("module").order_by("started_at")
    )
    steps = defaultdict(list)
    for step in StepProgress.objects.filter(progress__in=progress).order_by("done_at", "pk"):
        steps[step.progress_id].append(step)
    attempts = defaultdict(list)
    for attempt in QuizAttempt.objects.filter(progress__in=progress).order_by("created_at", "pk"):
        attempts[attempt.progress_id].append(attempt)
    modules = []
    for row in progress:
        titles = _step_titles(row.module.specific)
        modules.append(
            {
                "module": row.module.title,
                "started_at": row.started_at,
                "completed_at": row.completed_at,
                "last_step": titles.get(row.last_step_id, row.last_step_id),
                "steps_done": [
                    {
                        "step": titles.get(step.step_id, step.step_id),
                        "done_at": step.done_at,
                        "reflection": step.reflection,
                    }
                    for step in steps[row.pk]
                ],
                "knowledge_checks": [
                    {
                        "step": titles.get(attempt.step_id, attempt.step_id),
                        "at": attempt.created_at,
                        "score_percent": attempt.score,
                        "passed": attempt.passed,
                        "answers": attempt.answers,
                    }
                    for attempt in attempts[row.pk]
                ],
            }
        )
    responses = list(
        SurveyResponse.objects.filter(user=user).select_related("survey").order_by("submitted_at")
    )
    answers = defaultdict(list)
    for answer in (
        SurveyAnswer.objects.filter(response__in=responses)
        .select_related("field")
        .order_by("field__sort_order", "item")
    ):
        answers[answer.response_id].append(answer)
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "modules": modules,
        "survey_answers_under_your_name": [
            {
                "survey": response.survey.title,
                "submitted_at": response.submitted_at,
                "answers": [
                    {
                        "question": answer.field.label,
                        "item": answer.item,
                        "value": answer.value,
                        "text": answer.text,
                    }
                    for answer in answers[response.pk]
                ],
            }
            for response in responses
        ],
        "calendar_feed": {"created_at": feed.created_at} if feed else None,
    }


def learning_erase(user, erasure: Erasure) -> None:
    """Progress stays (module completion counts), without reflections; named survey responses
    stay in the results, without free text and without the link to the person."""
    StepProgress.objects.filter(progress__user=user).exclude(reflection="").update(reflection="")
    CalendarFeed.objects.filter(user=user).delete()
    SurveyAnswer.objects.filter(response__user=user).exclude(text="").update(text="")
    # Like an anonymous survey's answer: the country is kept for the breakdown (groups under
    # five are never shown), the sector goes with the link to the person.
    SurveyAnswer.objects.filter(response__user=user).update(sector="")
    SurveyResponse.objects.filter(user=user).update(user=None, sector="")


def register_all() -> None:
    personal_data_register(
        "learning",
        label=_("your learning and survey answers"),
        export=learning_export,
        erase=learning_erase,
    )
