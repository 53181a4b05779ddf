"""The place kernel of cohorts: every path that takes or frees a place — an application, an
activity registration, a staff decision, an import, a nomination, a waitlist offer, a group
booking — runs inside `place_transaction`, takes `place_lock` on the cohort or activity, then
counts and claims through a `PlaceBook`. The steps here are shared by every use case."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.places.models import (
    HOLDING,
    Cohort,
    Enrolment,
    EnrolmentState,
    PlaceClaim,
    PlaceRule,
    RuleAttribute,
    RuleKind,
    WaitlistTicket,
)
from lms.events import emit
from lms.locking import busy_transaction
from lms.models import Profile

BUSY_MESSAGE = gettext_lazy(
    "Many people are applying right now. Nothing was changed; please try again."
)
CONFLICT_MESSAGE = gettext_lazy(
    "Someone took that place at the same moment. Nothing was changed; please retry."
)
# The first key of the advisory place locks, one per kind of target.
LOCK_NAMESPACE_COHORT = 7301
LOCK_NAMESPACE_ACTIVITY = 7302


# --- transactions and the lock ----------------------------------------------------------------


def place_transaction():
    """A durable transaction for an entry point that takes or frees places. A busy database
    becomes a friendly CohortsError; so does a unique-place collision (a path that forgot the
    lock), which for places means someone took it at the same moment. Nothing is changed."""
    return busy_transaction(
        error=CohortsError, message=BUSY_MESSAGE, collision=("conflict", CONFLICT_MESSAGE)
    )


def place_lock(target, *, shared: bool = False) -> None:
    """Take the target's place lock before any count. SQLite's immediate transactions already
    serialise writers; on PostgreSQL it is a transaction-scoped advisory lock whose wait is
    bounded by COHORTS_LOCK_TIMEOUT_MS, the timeout and the lock in one round trip (the lock is
    held for every application, so each round trip inside it counts). A shared lock lets many
    "no place for you" decisions run side by side while still excluding every path that takes or
    frees a place. Advisory locks queue fairly: a row lock taken FOR SHARE lets new sharers jump
    ahead of a waiting FOR UPDATE, so a steady stream of waitlist answers could starve someone
    about to get a place until their wait timed out."""
    if not getattr(settings, "COHORTS_PLACE_LOCKING", True):
        return
    if connection.vendor != "postgresql":
        return
    namespace = LOCK_NAMESPACE_COHORT if isinstance(target, Cohort) else LOCK_NAMESPACE_ACTIVITY
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    timeout = int(settings.COHORTS_LOCK_TIMEOUT_MS)
    with connection.cursor() as cursor:
        # Only integers go into the text: nothing from outside.
        cursor.execute(
            f"SET LOCAL lock_timeout = '{timeout}ms'; "
            f"SELECT {function}({namespace}, {int(target.pk)})"
        )


# --- the place book ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """One numbered pool of places an enrolment draws from (`scope`), of `limit` places."""

    scope: str
    limit: int
    label: str


def _prefix(target) -> str:
    return f"c:{target.pk}" if isinstance(target, Cohort) else f"a:{target.pk}"


def _attribute_value(enrolment: Enrolment, attribute: str) -> str:
    if attribute == RuleAttribute.ORGANISATION:
        return str(enrolment.organisation_id or "")
    return str(getattr(enrolment, attribute) or "")


def _value_label(attribute: str, value: str, enrolment: Enrolment) -> str:
    if attribute == RuleAttribute.COUNTRY:
        return enrolment.country.name if enrolment.country else value
    if attribute == RuleAttribute.ORGANISATION:
        return enrolment.organisation.name if enrolment.organisation else value
    field = Enrolment._meta.get_field(attribute)
    return dict(field.choices).get(value, value)


def _places_taken(label: str, limit: int) -> str:
    """Why a capped pool has no place: “the places for Finland are taken (2 of 2)”."""
    text = ngettext(
        "the places for %(label)s are taken (%(limit)s of %(limit)s)",
        "the places for %(label)s are taken (%(limit)s of %(limit)s)",
        limit,
    )
    return text % {"label": label, "limit": limit}


class PlaceBook:
    """Every place claim of one cohort or activity, loaded once under the lock, so that a whole
    waitlist can be walked without a query per person."""

    def __init__(self, target, *, now=None):
        self.target = target
        self.now = now or timezone.now()
        self.prefix = _prefix(target)
        self.is_cohort = isinstance(target, Cohort)
        self.rules = list(target.place_rules.all()) if self.is_cohort else []
        self.used: dict[str, set[int]] = defaultdict(set)
        claims = PlaceClaim.objects.filter(scope=self.prefix) | PlaceClaim.objects.filter(
            scope__startswith=self.prefix + ":"
        )
        for scope, number in claims.values_list("scope", "number"):
            self.used[scope].add(number)
        # Reserved minimums need who holds the places; otherwise a count will do.
        self.needs_holders = any(rule.kind == RuleKind.MINIMUM for rule in self.rules)
        self.holders: list[Enrolment] = []
        if self.needs_holders:
            self.holders = list(
                self.enrolments()
                .filter(state__in=HOLDING)
                .only("id", "country", "organisation", "sector", "level", "gender")
            )
            self.taken = len(self.holders)
        elif self.capacity is not None:
            self.taken = self.enrolments().filter(state__in=HOLDING).count()
        else:
            self.taken = 0  # no capacity: nothing to count against

    def enrolments(self):
        """Every enrolment of the target, whatever its state."""
        if self.is_cohort:
            return Enrolment.objects.filter(cohort=self.target)
        return Enrolment.objects.filter(activity=self.target)

    @property
    def capacity(self) -> int | None:
        return self.target.capacity

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity

    def limits(self, enrolment: Enrolment) -> list[Limit]:
        """The pools a place for `enrolment` draws from: all places, and each cap it falls under."""
        limits = []
        if self.capacity is not None:
            limits.append(Limit(self.prefix, self.capacity, _("all places are taken")))
        if self.is_cohort:
            for rule in self.rules:
                if rule.kind != RuleKind.CAP:
                    continue
                value = _attribute_value(enrolment, rule.attribute)
                if not value or (rule.value and rule.value != value):
                    continue
                label = _value_label(rule.attribute, value, enrolment)
                limits.append(
                    Limit(
                        f"{self.prefix}:r{rule.pk}:{value}"[:160],
                        rule.limit,
                        _places_taken(label, rule.limit),
                    )
                )
        elif self.target.places_per_country and enrolment.country:
            cap = self.target.places_per_country
            limits.append(
                Limit(
                    f"{self.prefix}:country:{enrolment.country.code}",
                    cap,
                    _places_taken(enrolment.country.name, cap),
                )
            )
        return limits

    def _reserved(self, rule: PlaceRule) -> bool:
        if rule.kind != RuleKind.MINIMUM:
            return False
        until = rule.reserved_until or self.target.applications_close_at
        return until is None or self.now < until

    def blocked_by(self, enrolment: Enrolment) -> str | None:
        """Why `enrolment` cannot have a place now, or None when it can."""
        for limit in self.limits(enrolment):
            if not self._free_number(limit):
                return limit.label
        reserved = [rule for rule in self.rules if self._reserved(rule)]
        if reserved and self.capacity is not None:
            outstanding = 0
            for rule in reserved:
                count = sum(
                    1 for h in self.holders if _attribute_value(h, rule.attribute) == rule.value
                )
                count += _attribute_value(enrolment, rule.attribute) == rule.value
                outstanding += max(0, rule.limit - count)
            if self.capacity - (self.taken + 1) < outstanding:
                return (
                    "the remaining places are reserved ("
                    + ", ".join(str(rule) for rule in reserved)
                    + ")"
                )
        return None

    def _free_number(self, limit: Limit) -> int | None:
        used = self.used[limit.scope]
        if len(used) >= limit.limit:
            return None
        for number in range(1, limit.limit + 1):
            if number not in used:
                return number
        return None

    def take(self, enrolment: Enrolment) -> str | None:
        """Claim a place for `enrolment`; return the reason when there is none."""
        reason = self.blocked_by(enrolment)
        if reason:
            return reason
        self.claim(enrolment)
        return None

    def claim(self, enrolment: Enrolment) -> None:
        """Write the claims of an enrolment that `blocked_by` has just let through."""
        claims = []
        for limit in self.limits(enrolment):
            number = self._free_number(limit)
            self.used[limit.scope].add(number)
            claims.append(
                PlaceClaim(enrolment=enrolment, scope=limit.scope, number=number, limit=limit.limit)
            )
        PlaceClaim.objects.bulk_create(claims)
        self._held(enrolment, +1)

    def _held(self, enrolment: Enrolment, change: int) -> None:
        self.taken += change
        if change > 0:
            self.holders.append(enrolment)
        else:
            self.holders = [h for h in self.holders if h.pk != enrolment.pk]

    def release(self, enrolment: Enrolment) -> None:
        """Give back every place `enrolment` holds."""
        for scope, number in enrolment.claims.values_list("scope", "number"):
            self.used[scope].discard(number)
        enrolment.claims.all().delete()
        self._held(enrolment, -1)


# --- helpers ----------------------------------------------------------------------------------


def enrolment_emit(enrolment: Enrolment, verb: str, **extra) -> None:
    """Emit `cohorts.enrolment.<verb>` once per enrolment, with its ids in the payload."""
    payload = {"enrolment_id": enrolment.pk, "user_id": enrolment.user_id, **extra}
    if enrolment.cohort_id:
        payload["cohort_id"] = enrolment.cohort_id
    else:
        payload["activity_id"] = enrolment.activity_id
    emit(
        f"cohorts.enrolment.{verb}", key=f"cohorts.enrolment.{verb}:{enrolment.pk}", payload=payload
    )


def enrolment_audit(enrolment: Enrolment, action: str, actor, **data) -> None:
    """Record `cohorts.enrolment.<action>` in the admin's audit log, with the new state."""
    log(
        instance=enrolment,
        action=f"cohorts.enrolment.{action}",
        user=actor if actor is not None and actor.is_authenticated else None,
        data={"state": enrolment.state, **data},
    )


# How a refused change reads: “A rejected application cannot be accepted.”
STATE_NOUNS = {
    EnrolmentState.SUBMITTED: gettext_lazy("An application under review"),
    EnrolmentState.NOMINATED: gettext_lazy("A nomination awaiting confirmation"),
    EnrolmentState.WAITLISTED: gettext_lazy("A place on the waitlist"),
    EnrolmentState.OFFERED: gettext_lazy("An open offer"),
    EnrolmentState.PENDING_CONSENT: gettext_lazy("A place waiting for a guardian's consent"),
    EnrolmentState.ACCEPTED: gettext_lazy("An accepted place"),
    EnrolmentState.REJECTED: gettext_lazy("A rejected application"),
    EnrolmentState.WITHDRAWN: gettext_lazy("A withdrawn place"),
    EnrolmentState.COMPLETED: gettext_lazy("A completed place"),
}
# Translators: each completes "<a place in some state> cannot be ...".
STATE_VERBS = {
    EnrolmentState.ACCEPTED: gettext_lazy("accepted"),
    EnrolmentState.WAITLISTED: gettext_lazy("put on the waitlist"),
    EnrolmentState.OFFERED: gettext_lazy("offered a place"),
    EnrolmentState.REJECTED: gettext_lazy("rejected"),
    EnrolmentState.WITHDRAWN: gettext_lazy("withdrawn"),
    EnrolmentState.COMPLETED: gettext_lazy("completed"),
}


def enrolment_transition(enrolment: Enrolment, state: str, *, reason: str = "") -> None:
    """Move to `state`. The reason belongs to the decision it explains: every transition
    replaces it (with nothing when the new decision has none), and leaving the waitlist drops
    the note of why the person was waiting or skipped."""
    if not enrolment.can_become(state):
        noun = STATE_NOUNS[EnrolmentState(enrolment.state)]
        verb = STATE_VERBS.get(EnrolmentState(state), EnrolmentState(state).label.lower())
        # Translators: e.g. "A rejected application cannot be accepted."
        message = _("%(noun)s cannot be %(verb)s.") % {"noun": noun, "verb": verb}
        raise CohortsError("bad_transition", message)
    enrolment.state = state
    enrolment.decision_reason = reason.strip()[:2000]
    if state != EnrolmentState.WAITLISTED:
        enrolment.skipped_reason = ""


def enrolment_snapshot(enrolment: Enrolment, profile: Profile | None) -> None:
    """Copy the profile values the place rules count (country, organisation, sector, level,
    gender) onto the enrolment, so that later profile edits do not move places."""
    if profile is None:
        return
    enrolment.country = profile.country
    enrolment.organisation_id = profile.organisation_id
    enrolment.sector = profile.sector
    enrolment.level = profile.level
    enrolment.gender = profile.gender


def profile_of(user) -> Profile | None:
    """The person's profile, or None when they have none yet."""
    return Profile.objects.filter(user=user).first()


GUARDIAN_PENDING = gettext_lazy(
    "Your account is waiting for your guardian's approval; you can register once they have "
    "approved it."
)


def guardian_check(profile: Profile | None) -> None:
    """A young person's own account takes no place until a guardian has approved it."""
    if profile is not None and profile.awaiting_guardian:
        raise CohortsError("guardian_pending", GUARDIAN_PENDING)


def enrolment_waitlist(enrolment: Enrolment, why: str, *, reason: str = "") -> None:
    """`why` says which rule keeps the person waiting; `reason` is staff's note, if any."""
    enrolment_transition(enrolment, EnrolmentState.WAITLISTED, reason=reason)
    if enrolment.waitlist_seq is None:
        enrolment.waitlist_seq = WaitlistTicket.objects.create().pk
    enrolment.skipped_reason = why[:300]


def enrolment_reload(enrolment_id: int) -> Enrolment:
    """The enrolment as it is now, with what the services read; a `not_found` CohortsError when
    it is gone."""
    enrolment = (
        Enrolment.objects.select_related("cohort", "activity", "user", "organisation")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", _("That place no longer exists."))
    return enrolment


def enrolment_target_lock(enrolment: Enrolment):
    """Lock the cohort or activity the enrolment belongs to, and return it."""
    target = enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific
    place_lock(target)
    return target


def enrolment_decide_open(enrolment: Enrolment, book: PlaceBook, *, now) -> None:
    """First come, first served: a place if there is one for this person, else the waitlist.
    The enrolment is decided before it is written, so it is written once."""
    reason = book.blocked_by(enrolment)
    enrolment.decided_at = now
    if reason is None:
        enrolment_transition(enrolment, EnrolmentState.ACCEPTED)
        enrolment.save()
        book.claim(enrolment)
        enrolment_emit(enrolment, "accepted")
    else:
        enrolment_waitlist(enrolment, reason)
        enrolment.save()
        enrolment_emit(enrolment, "waitlisted")


def enrolment_withdraw_under_lock(
    enrolment: Enrolment, target, *, reason: str, actor, book=None
) -> None:
    """Withdraw an enrolment whose cohort or activity the caller has locked: its claims are
    released (through `book` when the caller holds one) and `withdrawn` is emitted."""
    was_holding = enrolment.holds_place
    enrolment_transition(enrolment, EnrolmentState.WITHDRAWN, reason=reason)
    if was_holding:
        (book or PlaceBook(target)).release(enrolment)
    enrolment.offer_expires_at = None
    enrolment.token_hash = None
    enrolment.decided_at = timezone.now()
    enrolment.save()
    enrolment_emit(enrolment, "withdrawn", freed=was_holding, reason=reason[:200])
    enrolment_audit(enrolment, "withdraw", actor, reason=reason)


class PlaceDryRun(PlaceBook):
    """The cohort's places as they are now, taken in memory only: the import's preview gets
    the same rules and the same wording as the real thing, and writes nothing."""

    def take(self, enrolment: Enrolment) -> str | None:
        reason = self.blocked_by(enrolment)
        if reason:
            return reason
        for limit in self.limits(enrolment):
            self.used[limit.scope].add(self._free_number(limit))
        self._held(enrolment, +1)
        return None
