"""The queued entry points of cohorts: thin django-q2 tasks that load by id and call a service.
Their dotted paths (`cohorts.tasks.<name>`) are stored in queue rows and schedules, so they stay
here whatever capability does the work; `cohorts.__getattr__` maps paths of earlier releases."""

from cohorts import privacy
from cohorts.groups import consent
from cohorts.matching import services as matching
from cohorts.places import services as places
from cohorts.surveys import services as surveys


def offers_expire_task() -> int:
    return places.offers_expire()


def pending_consents_release_task() -> int:
    return consent.pending_consents_release()


def matching_run_task(run_id: int) -> None:
    matching.matching_run_execute(run_id=run_id)


def matching_runs_sweep_task() -> int:
    return matching.matching_runs_sweep()


def care_notes_purge_task() -> int:
    return privacy.care_notes_purge()


def survey_drafts_purge_task() -> int:
    return privacy.survey_drafts_purge()


def survey_invitations_send_task() -> int:
    return surveys.survey_invitations_send()


def survey_reminders_send_task() -> int:
    return surveys.survey_reminders_send()
