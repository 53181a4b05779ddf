"""Thin django-q2 tasks of cohorts' retention jobs."""

from cohorts import privacy


def care_notes_purge_task() -> int:
    return privacy.care_notes_purge()


def survey_drafts_purge_task() -> int:
    return privacy.survey_drafts_purge()
