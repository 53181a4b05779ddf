"""The one base of the domain errors: each app raises one subclass of `DomainError`, whose `codes`
table lists every code the app uses with the message shown when a call site gives none."""

from typing import ClassVar


class DomainError(Exception):
    """A domain failure: `code` is stable (views and tests match on it), `message` is shown to
    people. A call site may pass a message that says more than the table's."""

    # Codes every app shares; each subclass adds its own and inherits these.
    codes: ClassVar[dict[str, str]] = {
        "busy": "The site is busy right now. Nothing was changed; please try again.",
        "conflict": "Someone changed this at the same moment. Nothing was changed; please retry.",
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        inherited = {}
        for base in reversed(cls.__mro__[1:]):
            inherited.update(getattr(base, "codes", {}))
        cls.codes = {**inherited, **cls.__dict__.get("codes", {})}

    def __init__(self, code: str, message: str | None = None):
        if code not in self.codes:
            # A code missing from the table is a programming slip, not a reason to fail a
            # person's request: the error still carries its code and message.
            message = message or code
        elif message is None:
            message = self.codes[code]
        super().__init__(message)
        self.code = code
        self.message = message


class LmsError(DomainError):
    """A domain failure of the kernel (accounts, consent, privacy, sign-in)."""

    codes: ClassVar[dict[str, str]] = {
        "bad_purpose": "Unknown purpose of consent.",
        "device_last": "Your role needs a second factor: add another authenticator app or "
        "passkey before you remove this one.",
        "device_unknown": "There is no such device on your account.",
        "email_taken": "An account with this e-mail address already exists.",
        "email_not_unknown": "Only an e-mail whose delivery is unknown can be sent again here. "
        "Nothing was changed.",
        "expired": "This link has expired.",
        "export_running": "Your data is already being prepared. This page shows when it is "
        "ready; there is no need to ask again.",
        "guardian_email_bad": "Enter a valid e-mail address.",
        "guardian_email_missing": "A parent's or guardian's e-mail address is needed.",
        "guardian_is_self": "Enter your parent's or guardian's own e-mail address, not yours.",
        "guardian_required": "A parent's or guardian's e-mail address is needed to approve "
        "this account.",
        "last_administrator": "This is the only administrator account: make someone else an "
        "administrator before erasing it.",
        "last_leader": "This is the last leader of a group: give the group another leader first.",
        "malformed": "This confirmation page has expired or its address is incomplete.",
        "name_missing": "Please type your full name to give consent. Nothing was changed.",
        "no_decision": "Choose one of the buttons below. Nothing was changed.",
        "no_notice": "Consent cannot be recorded now: no privacy notice is published. Please "
        "write to the organiser. Nothing was changed.",
        "not_open": "This request is no longer open.",
        "not_pending": "Your account is not waiting for a guardian.",
        "notice_changed": "The privacy notice was updated while this page was open. Please read "
        "the new version below and answer again. Nothing was changed.",
        "other_consent": "This link belongs to another consent.",
        "subject_gone": "The place this consent was for no longer exists.",
        "too_many": "Too many attempts; please wait a little and try again.",
        "too_soon": "We sent the guardian a new link only a few minutes ago. Please wait ten "
        "minutes before sending it again.",
        "unknown": "This link does not work.",
        "used": "This link has already been used.",
        "wrong_link": "This link is not for this page.",
    }
