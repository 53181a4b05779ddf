"""Thin django-q2 task of cohorts' retention job."""

from cohorts import privacy


def care_notes_purge_task() -> int:
    return privacy.care_notes_purge()
