"""Cohorts (editions of a programme) and what happens in them, one package per capability:
`places` (the locking kernel: applications, registrations, decisions, waitlist and offers,
nominations), `desk` (the cohort desk of presidency staff), `groups` (youth and volunteer groups
with guardian consent), `attendance` (sessions, passes, check-in), `matching` (peer groups) and
`surveys` (who is asked, invitations, results). Models are gathered in `cohorts.models`, queued
entry points in `cohorts.tasks`."""

from lms.moved import moved_module

# Task paths of earlier releases (see lms.moved).
_MOVED = {"tasks_privacy": "cohorts.tasks", "tasks_surveys": "cohorts.tasks"}


def __getattr__(name: str):
    return moved_module(__name__, name, _MOVED)
