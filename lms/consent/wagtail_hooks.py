"""The audit-log actions of guardian consent, so Wagtail's history and reports name them in
words. Imported from lms/wagtail_hooks.py."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

CONSENT_ACTIONS = {
    "request": (_("Ask for consent"), _("Asked a guardian for consent")),
    "resend": (_("Resend consent link"), _("Sent the guardian a new consent link")),
    "remind": (_("Remind guardian"), _("Reminded the guardian")),
    "give": (_("Give consent"), _("The guardian gave consent")),
    "refuse": (_("Refuse consent"), _("The guardian refused consent")),
    "withdraw": (_("Withdraw consent"), _("The guardian withdrew consent")),
    "cancel": (_("Cancel consent request"), _("Consent no longer needed")),
}


@hooks.register("register_log_actions")
def register_consent_actions(actions):
    for action, (label, message) in CONSENT_ACTIONS.items():
        actions.register_action(f"lms.consent.{action}", label, message)
