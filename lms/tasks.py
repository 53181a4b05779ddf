"""The queued entry points of the kernel: thin django-q2 tasks that load by id and call a service.
Their dotted paths (`lms.tasks.<name>`) are stored in queue rows and schedules, so they stay here
whatever capability does the work; `lms.__getattr__` maps paths of earlier releases."""

from lms import events
from lms.accounts import consent as account
from lms.accounts import services
from lms.consent import services as consent
from lms.mail import services as mail
from lms.privacy import services as privacy


def event_dispatch_task(event_id: int) -> None:
    events.event_dispatch(event_id=event_id)


def event_sweep_task() -> int:
    return events.event_sweep()


def email_send_task(email_id: int) -> None:
    mail.email_send(email_id=email_id)


def email_sweep_task() -> int:
    return mail.email_sweep()


def emails_redact_task() -> int:
    return mail.emails_redact()


def signups_unconfirmed_purge_task() -> int:
    return services.signups_unconfirmed_purge()


def consent_reminders_send_task() -> int:
    return consent.consent_reminders_send()


def data_export_task(export_id: int) -> None:
    privacy.data_export_build(export_id=export_id)


def data_exports_sweep_task() -> int:
    return privacy.data_exports_sweep()


def data_exports_expire_task() -> int:
    return privacy.data_exports_expire()


def closed_accounts_erase_task() -> int:
    return account.closed_accounts_erase()
