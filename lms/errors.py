"""The one base of the domain errors: each app raises one subclass of `DomainError`, whose `codes`
table lists every code the app uses with the message shown when a call site gives none."""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A domain failure: `code` is stable (views and tests match on it), `message` is shown to
    people. A call site may pass a message that says more than the table's."""

    # Codes every app shares; each subclass adds its own and inherits these.
    codes: ClassVar[dict[str, str]] = {
        "busy": _("The site is busy right now. Nothing was changed; please try again."),
        "conflict": _(
            "Someone changed this at the same moment. Nothing was changed; please retry."
        ),
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
        # The tables hold lazy translations: the message is read in the language active where
        # the error is raised (the request's), and carried on as plain text.
        message = str(message)
        super().__init__(message)
        self.code = code
        self.message = message


class LmsError(DomainError):
    """A domain failure of the kernel (accounts, consent, privacy, sign-in)."""

    codes: ClassVar[dict[str, str]] = {
        "bad_purpose": _("Unknown purpose of consent."),
        "device_last": _(
            "Your role needs a second factor: add another authenticator app or "
            "passkey before you remove this one."
        ),
        "device_unknown": _("There is no such device on your account."),
        "email_taken": _("An account with this e-mail address already exists."),
        "email_not_unknown": _(
            "Only an e-mail whose delivery is unknown can be sent again here. Nothing was changed."
        ),
        "expired": _("This link has expired."),
        "export_running": _(
            "Your data is already being prepared. This page shows when it is "
            "ready; there is no need to ask again."
        ),
        "guardian_email_bad": _("Enter a valid e-mail address."),
        "guardian_email_missing": _("A parent's or guardian's e-mail address is needed."),
        "guardian_is_self": _("Enter your parent's or guardian's own e-mail address, not yours."),
        "guardian_required": _(
            "A parent's or guardian's e-mail address is needed to approve this account."
        ),
        "last_administrator": _(
            "This is the only administrator account: make someone else an "
            "administrator before erasing it."
        ),
        "last_leader": _(
            "This is the last leader of a group: give the group another leader first."
        ),
        "malformed": _("This confirmation page has expired or its address is incomplete."),
        "name_missing": _("Please type your full name to give consent. Nothing was changed."),
        "no_decision": _("Choose one of the buttons below. Nothing was changed."),
        "no_notice": _(
            "Consent cannot be recorded now: no privacy notice is published. Please "
            "write to the organiser. Nothing was changed."
        ),
        "not_open": _("This request is no longer open."),
        "not_pending": _("Your account is not waiting for a guardian."),
        "notice_changed": _(
            "The privacy notice was updated while this page was open. Please read "
            "the new version below and answer again. Nothing was changed."
        ),
        "other_consent": _("This link belongs to another consent."),
        "subject_gone": _("The place this consent was for no longer exists."),
        "too_many": _("Too many attempts; please wait a little and try again."),
        "too_soon": _(
            "We sent the guardian a new link only a few minutes ago. Please wait ten "
            "minutes before sending it again."
        ),
        "unknown": _("This link does not work."),
        "used": _("This link has already been used."),
        "wrong_link": _("This link is not for this page."),
    }
