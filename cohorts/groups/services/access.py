"""Who may lead a group, and what every group service shares (limits, the audit log)."""

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.groups.models import GroupKind, YouthGroup
from cohorts.places.models import (
    EnrolmentState,
)
from cohorts.places.services.book import profile_of
from lms.ages import ADULT_AGE, age_on
from lms.models import Sector, undeliverable

MEMBER_DOMAIN = "members.invalid"
OLDEST_AGE = 100
NOTE_MAX = 2000
ALL, PARTIAL = "all", "partial"
MODES = (ALL, PARTIAL)
# The sector a group's bookings count under when the member's own profile names none.
GROUP_SECTORS = {
    GroupKind.YOUTH_ORGANISATION: Sector.YOUTH,
    GroupKind.SCHOOL_CLASS: Sector.YOUTH,
    GroupKind.SCOUT_GROUP: Sector.YOUTH,
    GroupKind.RESCUE_YOUTH: Sector.YOUTH,
    GroupKind.VOLUNTEER_UNIT: Sector.NGO,
    GroupKind.OTHER: Sector.OTHER,
}
LIVE = (EnrolmentState.PENDING_CONSENT, EnrolmentState.ACCEPTED, EnrolmentState.COMPLETED)


def date_text(value) -> str:
    """“15 January 2030”, in the active language's order and words."""
    # Translators: how a date is written, in Django's date format characters (j: day, F: month
    # name, Y: year), e.g. "15 January 2030". Reorder for your language.
    return dateformat.format(value, pgettext("date format", "j F Y"))


def actor_of(actor):
    """The person to name in the audit log: None for the system and for anonymous users."""
    return actor if actor is not None and actor.is_authenticated else None


def group_log(instance, action: str, actor, **data) -> None:
    """Record `cohorts.group.<action>` in the admin's audit log."""
    log(instance=instance, action=f"cohorts.group.{action}", user=actor_of(actor), data=data)


def leader_refusal(user) -> str | None:
    """Why `user` cannot lead a group, or None: leaders are adults with an account of their own
    (not one still waiting for a guardian's approval)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _("Please log in with your own account to lead a group.")
    if undeliverable(user.email):
        return _("This account cannot lead a group.")
    profile = profile_of(user)
    if profile is not None and profile.awaiting_guardian:
        return _("Group leaders must be adults; your account is waiting for a guardian's approval.")
    if profile is not None and profile.date_of_birth:
        today = timezone.localdate()
        if age_on(on=today, birth_date=profile.date_of_birth, birth_year=0) < ADULT_AGE:
            return _("Group leaders must be adults (%(age)s or over).") % {"age": ADULT_AGE}
    return None


def is_leader(user, group: YouthGroup) -> bool:
    return bool(
        user is not None and user.is_authenticated and group.leaders.filter(pk=user.pk).exists()
    )


def leader_check(actor, group: YouthGroup) -> None:
    """Refuse (CohortsError `forbidden`) anyone but the group's leaders."""
    if not is_leader(actor, group):
        raise CohortsError("forbidden", _("Only the group's leaders can do that."))
