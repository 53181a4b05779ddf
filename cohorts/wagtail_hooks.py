"""Cohort admin: the audit-log actions of enrolment decisions (the cohort desk registers here)."""

from wagtail import hooks

ENROLMENT_ACTIONS = {
    "accept": ("Accept", "Accepted"),
    "waitlist": ("Waitlist", "Waitlisted"),
    "reject": ("Reject", "Rejected"),
    "withdraw": ("Withdraw", "Withdrawn"),
    "offer": ("Offer a place", "Offered a place from the waitlist"),
    "offer_accept": ("Accept offer", "Accepted the offer"),
    "nominate": ("Nominate", "Nominated"),
    "substitute": ("Substitute", "Substituted by another nominee"),
    "confirm": ("Confirm nomination", "Confirmed the nomination"),
    "complete": ("Complete", "Completed the cohort"),
    "import": ("Import", "Imported from CSV"),
}


@hooks.register("register_log_actions")
def register_enrolment_actions(actions):
    for action, (label, message) in ENROLMENT_ACTIONS.items():
        actions.register_action(f"cohorts.enrolment.{action}", label, message)
