"""The audit-log actions of guardian consent, so Wagtail's history and reports name them in
words. Imported from lms/wagtail_hooks.py."""

from wagtail import hooks

CONSENT_ACTIONS = {
    "request": ("Ask for consent", "Asked a guardian for consent"),
    "resend": ("Resend consent link", "Sent the guardian a new consent link"),
    "remind": ("Remind guardian", "Reminded the guardian"),
    "give": ("Give consent", "The guardian gave consent"),
    "refuse": ("Refuse consent", "The guardian refused consent"),
    "withdraw": ("Withdraw consent", "The guardian withdrew consent"),
    "cancel": ("Cancel consent request", "Consent no longer needed"),
}


@hooks.register("register_log_actions")
def register_consent_actions(actions):
    for action, (label, message) in CONSENT_ACTIONS.items():
        actions.register_action(f"lms.consent.{action}", label, message)
