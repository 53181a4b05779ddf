"""Thin django-q2 tasks of surveys: the scheduled invitation and reminder runs."""

from cohorts import surveys


def survey_invitations_send_task() -> int:
    return surveys.survey_invitations_send()


def survey_reminders_send_task() -> int:
    return surveys.survey_reminders_send()
