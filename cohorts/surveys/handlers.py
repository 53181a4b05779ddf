"""Handlers that invite people to surveys when a trigger's event happens, declared in the event
catalogue (cohorts/event_types.py). A second run finds the invitation made and sends nothing."""

from cohorts.surveys import services as surveys
from lms.models import Event


def survey_invite_on_accepted(event: Event) -> None:
    """A place accepted: the cohort's (or activity's) pre-programme surveys."""
    enrolment_id = event.payload.get("enrolment_id")
    if enrolment_id:
        surveys.survey_invite_on_accepted(enrolment_id=enrolment_id)


def survey_invite_on_module_completed(event: Event) -> None:
    """A module completed: its feedback surveys."""
    user_id, module_id = event.payload.get("user_id"), event.payload.get("module_id")
    if user_id and module_id:
        surveys.survey_invite_on_module_completed(user_id=user_id, module_id=module_id)
