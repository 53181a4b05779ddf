"""Events of the kernel (accounts, guardian consent, privacy) and the kernel's handlers; see
lms.events.catalogue. Plain data: nothing here imports a service or a handler."""

from lms.events.catalogue import EventType, Handler

_CONSENT = ("consent_id", "subject_key")

EVENTS = [
    EventType(
        name="lms.user.registered",
        about="A usable account exists (made ready at once, or its sign-up confirmed).",
        payload=("user_id",),
        optional=("awaiting_guardian",),
        emitted_by=("lms.accounts: user_register, signup_confirm (_account_announce)",),
    ),
    EventType(
        name="lms.user.approved",
        about="A guardian gave consent to a young person's own account: it works from now on.",
        payload=("user_id", "consent_id"),
        emitted_by=("lms.accounts.consent: account_approved",),
    ),
    EventType(
        name="lms.user.closed",
        about="A guardian refused or withdrew consent to a young person's own account.",
        payload=("user_id", "consent_id"),
        emitted_by=("lms.accounts.consent: account_closed",),
    ),
    EventType(
        name="lms.consent.requested",
        about="A guardian is asked for consent (the e-mail with the link is queued).",
        payload=_CONSENT,
        emitted_by=("lms.consent: consent_request",),
    ),
    EventType(
        name="lms.consent.cancelled",
        about="An open consent request is no longer needed (e.g. the booking was withdrawn).",
        payload=_CONSENT,
        emitted_by=("lms.consent: consent_cancel",),
    ),
    EventType(
        name="lms.consent.given",
        about="The guardian gave consent by the link's form.",
        payload=_CONSENT,
        emitted_by=("lms.consent: consent_give",),
    ),
    EventType(
        name="lms.consent.refused",
        about="The guardian refused consent by the link's form.",
        payload=_CONSENT,
        emitted_by=("lms.consent: consent_refuse",),
    ),
    EventType(
        name="lms.consent.withdrawn",
        about="The guardian withdrew consent given earlier.",
        payload=_CONSENT,
        emitted_by=("lms.consent: consent_withdraw",),
    ),
    EventType(
        name="lms.person.erased",
        about="A person's account and personal data were erased.",
        payload=("user_id",),
        emitted_by=("lms.privacy: person_erase (person_erase_within)",),
    ),
]

HANDLERS = [
    Handler(
        event="lms.user.registered",
        name="lms.handlers.welcome_email_send",
        func="lms.accounts.handlers.welcome_email_send",
        does="E-mails the welcome message (template `lms.user.registered`).",
    ),
]
