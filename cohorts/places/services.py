"""Write-side services of cohorts: every path that takes a place — an application, an activity
registration, a staff decision, an import, a nomination, a waitlist promotion — goes through
`_PlaceBook`, inside one transaction that has locked the cohort or activity first."""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.places.models import (
    FINAL,
    HOLDING,
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentState,
    FocalPoint,
    PlaceClaim,
    PlaceRule,
    ReasonTemplate,
    RuleAttribute,
    RuleKind,
    WaitlistTicket,
)
from lms.accounts.services import organisation_resolve
from lms.ages import age_on
from lms.events import emit
from lms.locking import busy_transaction
from lms.models import Profile, User
from lms.tokens import token_digest, token_new
from programmes.models import ActivityPage

logger = logging.getLogger(__name__)

BUSY_MESSAGE = "Many people are applying right now. Nothing was changed; please try again."
CONFLICT_MESSAGE = "Someone took that place at the same moment. Nothing was changed; please retry."
ACTIVITY_OFFER_HOURS = 48
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


def _lock(target, *, shared: bool = False) -> None:
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


class _PlaceBook:
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
                self._enrolments()
                .filter(state__in=HOLDING)
                .only("id", "country", "organisation", "sector", "level", "gender")
            )
            self.taken = len(self.holders)
        elif self.capacity is not None:
            self.taken = self._enrolments().filter(state__in=HOLDING).count()
        else:
            self.taken = 0  # no capacity: nothing to count against

    def _enrolments(self):
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
        limits = []
        if self.capacity is not None:
            limits.append(Limit(self.prefix, self.capacity, "all places are taken"))
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
                        f"the places for {label} are taken ({rule.limit} of {rule.limit})",
                    )
                )
        elif self.target.places_per_country and enrolment.country:
            cap = self.target.places_per_country
            limits.append(
                Limit(
                    f"{self.prefix}:country:{enrolment.country.code}",
                    cap,
                    f"the places for {enrolment.country.name} are taken ({cap} of {cap})",
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
        for scope, number in enrolment.claims.values_list("scope", "number"):
            self.used[scope].discard(number)
        enrolment.claims.all().delete()
        self._held(enrolment, -1)


# --- helpers ----------------------------------------------------------------------------------


def _emit(enrolment: Enrolment, verb: str, **extra) -> None:
    payload = {"enrolment_id": enrolment.pk, "user_id": enrolment.user_id, **extra}
    if enrolment.cohort_id:
        payload["cohort_id"] = enrolment.cohort_id
    else:
        payload["activity_id"] = enrolment.activity_id
    emit(
        f"cohorts.enrolment.{verb}", key=f"cohorts.enrolment.{verb}:{enrolment.pk}", payload=payload
    )


def _audit(enrolment: Enrolment, action: str, actor, **data) -> None:
    log(
        instance=enrolment,
        action=f"cohorts.enrolment.{action}",
        user=actor if actor is not None and actor.is_authenticated else None,
        data={"state": enrolment.state, **data},
    )


# How a refused change reads: “A rejected application cannot be accepted.”
STATE_NOUNS = {
    EnrolmentState.SUBMITTED: "An application under review",
    EnrolmentState.NOMINATED: "A nomination awaiting confirmation",
    EnrolmentState.WAITLISTED: "A place on the waitlist",
    EnrolmentState.OFFERED: "An open offer",
    EnrolmentState.PENDING_CONSENT: "A place waiting for a guardian's consent",
    EnrolmentState.ACCEPTED: "An accepted place",
    EnrolmentState.REJECTED: "A rejected application",
    EnrolmentState.WITHDRAWN: "A withdrawn place",
    EnrolmentState.COMPLETED: "A completed place",
}
STATE_VERBS = {
    EnrolmentState.ACCEPTED: "accepted",
    EnrolmentState.WAITLISTED: "put on the waitlist",
    EnrolmentState.OFFERED: "offered a place",
    EnrolmentState.REJECTED: "rejected",
    EnrolmentState.WITHDRAWN: "withdrawn",
    EnrolmentState.COMPLETED: "completed",
}


def _transition(enrolment: Enrolment, state: str, *, reason: str = "") -> None:
    """Move to `state`. The reason belongs to the decision it explains: every transition
    replaces it (with nothing when the new decision has none), and leaving the waitlist drops
    the note of why the person was waiting or skipped."""
    if not enrolment.can_become(state):
        noun = STATE_NOUNS[EnrolmentState(enrolment.state)]
        verb = STATE_VERBS.get(EnrolmentState(state), EnrolmentState(state).label.lower())
        raise CohortsError("bad_transition", f"{noun} cannot be {verb}.")
    enrolment.state = state
    enrolment.decision_reason = reason.strip()[:2000]
    if state != EnrolmentState.WAITLISTED:
        enrolment.skipped_reason = ""


def _snapshot(enrolment: Enrolment, profile: Profile | None) -> None:
    if profile is None:
        return
    enrolment.country = profile.country
    enrolment.organisation_id = profile.organisation_id
    enrolment.sector = profile.sector
    enrolment.level = profile.level
    enrolment.gender = profile.gender


def _profile_of(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


GUARDIAN_PENDING = (
    "Your account is waiting for your guardian's approval; you can register once they have "
    "approved it."
)


def _guardian_check(profile: Profile | None) -> None:
    """A young person's own account takes no place until a guardian has approved it."""
    if profile is not None and profile.awaiting_guardian:
        raise CohortsError("guardian_pending", GUARDIAN_PENDING)


def _waitlist(enrolment: Enrolment, why: str, *, reason: str = "") -> None:
    """`why` says which rule keeps the person waiting; `reason` is staff's note, if any."""
    _transition(enrolment, EnrolmentState.WAITLISTED, reason=reason)
    if enrolment.waitlist_seq is None:
        enrolment.waitlist_seq = WaitlistTicket.objects.create().pk
    enrolment.skipped_reason = why[:300]


def _reload(enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("cohort", "activity", "user", "organisation")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", "That place no longer exists.")
    return enrolment


def _target_locked(enrolment: Enrolment):
    target = enrolment.cohort if enrolment.cohort_id else enrolment.activity.specific
    _lock(target)
    return target


def offer_hours(target) -> int:
    return target.offer_hours if isinstance(target, Cohort) else ACTIVITY_OFFER_HOURS


def offer_deadline(target, *, now) -> datetime | None:
    """Until when an offer made now stays open, or None when no offer should be made. An
    activity's offer never runs past the activity's start: near the start the window shortens,
    and with less than COHORTS_OFFER_MIN_MINUTES left an offer could not be answered in time,
    so none is made (the waitlist stays as it is)."""
    deadline = now + timedelta(hours=offer_hours(target))
    if isinstance(target, Cohort) or target.starts_at is None:
        return deadline
    if target.starts_at < deadline:
        deadline = target.starts_at
    if deadline - now < timedelta(minutes=int(settings.COHORTS_OFFER_MIN_MINUTES)):
        return None
    return deadline


def _offer_over(enrolment: Enrolment, *, now) -> bool:
    """Whether an open offer can no longer be accepted: its time is up, or its activity has
    begun (offers made before their window was tied to the start included)."""
    if enrolment.offer_expires_at is None or enrolment.offer_expires_at <= now:
        return True
    activity = enrolment.activity if enrolment.activity_id else None
    return bool(activity is not None and activity.starts_at and activity.starts_at <= now)


# --- applying and registering -----------------------------------------------------------------


def enrolment_apply(
    *, user, cohort: Cohort, answers: dict | None = None, profile: Profile | None = None
) -> Enrolment:
    """A person applies to a cohort. Open cohorts decide at once (a place, or the waitlist);
    approval cohorts keep the application for staff."""
    now = timezone.now()
    if not cohort.applications_open(now):
        if cohort.enrolment_mode == EnrolmentMode.NOMINATION:
            raise CohortsError(
                "nomination_only",
                "Places in this cohort are filled by national focal points' nominations.",
            )
        raise CohortsError("closed", "Applications for this cohort are not open.")
    if profile is None or profile.user_id != user.pk:
        profile = _profile_of(user)
    _guardian_check(profile)
    if profile is None or not profile.country:
        raise CohortsError(
            "profile_incomplete",
            "Please add your country to your profile first: places are shared between countries.",
        )
    answers = _answers_clean(cohort, answers or {})
    if Enrolment.objects.filter(cohort=cohort, user=user).exists():
        raise CohortsError("duplicate", "You have already applied to this cohort.")

    def new_enrolment() -> Enrolment:
        enrolment = Enrolment(
            cohort=cohort, user=user, source=EnrolmentSource.APPLICATION, answers=answers
        )
        _snapshot(enrolment, profile)
        return enrolment

    if cohort.enrolment_mode == EnrolmentMode.APPROVAL:
        with place_transaction():
            enrolment = new_enrolment()
            enrolment.save()
            _emit(enrolment, "submitted")
        return enrolment
    if connection.vendor == "postgresql" and getattr(settings, "COHORTS_PLACE_LOCKING", True):
        # Once a burst has filled a country, most applicants only need to hear "waitlist".
        # Under a shared lock that answer cannot go stale (freeing a place needs the exclusive
        # lock), so those applicants do not queue behind the ones who may get a place.
        with place_transaction():
            _lock(cohort, shared=True)
            enrolment = new_enrolment()
            book = _PlaceBook(cohort, now=now)
            reason = book.blocked_by(enrolment)
            if reason is not None:
                _decide_open(enrolment, book, now=now)
                return enrolment
    with place_transaction():
        _lock(cohort)
        enrolment = new_enrolment()
        _decide_open(enrolment, _PlaceBook(cohort, now=now), now=now)
    return enrolment


def _answers_clean(cohort: Cohort, answers: dict) -> dict:
    cleaned = {}
    missing = []
    for question in cohort.questions.all():
        value = str(answers.get(question.field_name, answers.get(str(question.pk), ""))).strip()
        if question.required and not value:
            missing.append(question.label)
        if value:
            cleaned[str(question.pk)] = {"question": question.label, "answer": value[:5000]}
    if missing:
        raise CohortsError("answers_missing", "Please answer: " + "; ".join(missing) + ".")
    return cleaned


def _decide_open(enrolment: Enrolment, book: _PlaceBook, *, now) -> None:
    """First come, first served: a place if there is one for this person, else the waitlist.
    The enrolment is decided before it is written, so it is written once."""
    reason = book.blocked_by(enrolment)
    enrolment.decided_at = now
    if reason is None:
        _transition(enrolment, EnrolmentState.ACCEPTED)
        enrolment.save()
        book.claim(enrolment)
        _emit(enrolment, "accepted")
    else:
        _waitlist(enrolment, reason)
        enrolment.save()
        _emit(enrolment, "waitlisted")


REGISTRATION_CLOSED = {
    "not_yet": "Registration for this activity has not opened yet.",
    "closed": "Registration for this activity has closed.",
    "started": "Registration closed when the activity started.",
    "over": "This activity has already taken place.",
}


def registration_create(*, user, activity: ActivityPage) -> Enrolment:
    """A person registers for an activity that is open to anyone: the same places service."""
    now = timezone.now()
    activity = activity.specific
    status = activity.registration_status(now)
    if status != "open":
        raise CohortsError("closed", REGISTRATION_CLOSED[status])
    profile = _profile_of(user)
    _guardian_check(profile)
    if profile is None or not profile.country:
        raise CohortsError(
            "profile_incomplete", "Please add your country to your profile before registering."
        )
    _eligibility_check(activity, profile, now=now)
    with place_transaction():
        earlier = Enrolment.objects.filter(activity=activity, user=user).blocking_a_new_place()
        if earlier.exists():
            raise CohortsError("duplicate", "You are already registered for this activity.")
        _lock(activity)
        enrolment = Enrolment(activity=activity, user=user, source=EnrolmentSource.REGISTRATION)
        _snapshot(enrolment, profile)
        _decide_open(enrolment, _PlaceBook(activity, now=now), now=now)
    return enrolment


def _eligibility_check(activity: ActivityPage, profile: Profile, *, now) -> None:
    if activity.sectors and profile.sector not in activity.sectors:
        raise CohortsError(
            "not_eligible",
            "This activity is for: " + ", ".join(activity.sector_labels()) + ". "
            "Your profile's sector is not one of them.",
        )
    if activity.min_age or activity.max_age:
        if not profile.date_of_birth:
            raise CohortsError(
                "profile_incomplete",
                "This activity has an age range; please add your date of birth to your profile.",
            )
        on = (activity.starts_at or now).date()
        born = profile.date_of_birth
        age = age_on(on=on, birth_date=born)
        if activity.min_age and age < activity.min_age:
            raise CohortsError("not_eligible", f"This activity is for ages {activity.min_age}+.")
        if activity.max_age and age > activity.max_age:
            raise CohortsError(
                "not_eligible", f"This activity is for ages up to {activity.max_age}."
            )


# --- staff decisions --------------------------------------------------------------------------


@dataclass
class DecisionResult:
    enrolment: Enrolment
    ok: bool
    message: str


DECISIONS = ("accept", "waitlist", "reject")


def enrolment_decide(
    *,
    enrolment_ids: list[int],
    decision: str,
    reason: str = "",
    reasons: dict[int, str] | None = None,
    actor,
) -> list[DecisionResult]:
    """Staff accept, waitlist or reject applications, each in its own locked transaction, so a
    full country blocks only its own rows. Each person's reason (from `reasons`, else the
    shared `reason`) is kept with the decision and e-mailed."""
    if decision not in DECISIONS:
        raise CohortsError("bad_decision", "Choose accept, waitlist or reject.")
    reasons = reasons or {}
    results = []
    for enrolment_id in enrolment_ids:
        own_reason = reasons.get(enrolment_id)
        try:
            with place_transaction():
                enrolment = _reload(enrolment_id)
                target = _target_locked(enrolment)
                enrolment.refresh_from_db(fields=["state", "waitlist_seq"])
                message = _decide_one(
                    enrolment,
                    target,
                    decision,
                    reason if own_reason is None else own_reason,
                    actor,
                )
            results.append(DecisionResult(enrolment, True, message))
        except CohortsError as exc:
            enrolment = Enrolment.objects.filter(pk=enrolment_id).select_related("user").first()
            if enrolment is not None:
                results.append(DecisionResult(enrolment, False, exc.message))
    return results


def _decide_one(enrolment, target, decision, reason, actor) -> str:
    now = timezone.now()
    reason = reason.strip()[:2000]
    if decision == "accept":
        if enrolment.state == EnrolmentState.ACCEPTED:
            return "already accepted"
        if enrolment.state == EnrolmentState.PENDING_CONSENT:
            # Only the guardian's consent confirms a minor's place, never staff.
            raise CohortsError(
                "refused",
                "A place waiting for a guardian's consent cannot be accepted by staff: "
                "it is confirmed when the guardian consents.",
            )
        # An offer or a nomination already holds its place: claiming again would take two.
        holding = enrolment.holds_place
        _transition(enrolment, EnrolmentState.ACCEPTED, reason=reason)
        enrolment.decided_at = now
        if not holding:
            blocked = _PlaceBook(target, now=now).take(enrolment)
            if blocked:
                raise CohortsError("no_place", f"Not accepted: {blocked}.")
        enrolment.offer_expires_at = None
        enrolment.token_hash = None
        enrolment.save()
        _emit(enrolment, "accepted")
    elif decision == "waitlist":
        if enrolment.state == EnrolmentState.WAITLISTED:
            return "already waitlisted"
        _waitlist(enrolment, "", reason=reason)
        enrolment.decided_at = now
        enrolment.save()
        _emit(enrolment, "waitlisted")
    else:
        if enrolment.state == EnrolmentState.REJECTED:
            return "already rejected"
        _transition(enrolment, EnrolmentState.REJECTED, reason=reason)
        enrolment.decided_at = now
        enrolment.save()
        _emit(enrolment, "rejected")
    _audit(enrolment, decision, actor, reason=enrolment.decision_reason)
    return EnrolmentState(enrolment.state).label


# --- withdrawing, offers and the waitlist -----------------------------------------------------


def enrolment_withdraw(*, enrolment: Enrolment, actor, reason: str = "") -> Enrolment:
    """The participant (or staff) gives up a place or an application. A freed place goes to
    the waitlist by the `withdrawn` event's handler."""
    with place_transaction():
        enrolment = _reload(enrolment.pk)
        target = _target_locked(enrolment)
        enrolment.refresh_from_db(fields=["state"])
        _withdraw(enrolment, target, reason=reason or "withdrawn", actor=actor)
    return enrolment


def _withdraw(enrolment: Enrolment, target, *, reason: str, actor, book=None) -> None:
    was_holding = enrolment.holds_place
    _transition(enrolment, EnrolmentState.WITHDRAWN, reason=reason)
    if was_holding:
        (book or _PlaceBook(target)).release(enrolment)
    enrolment.offer_expires_at = None
    enrolment.token_hash = None
    enrolment.decided_at = timezone.now()
    enrolment.save()
    _emit(enrolment, "withdrawn", freed=was_holding, reason=reason[:200])
    _audit(enrolment, "withdraw", actor, reason=reason)


def waitlist_promote(*, target) -> list[Enrolment]:
    """Offer every free place to the next eligible waitlisted people, in waitlist order; people
    whose country (or other capped value) is full are skipped, and the reason kept for staff."""
    with place_transaction():
        offered = waitlist_promote_locked(target=target)
    return offered


def waitlist_promote_locked(*, target) -> list[Enrolment]:
    """The same inside a caller's transaction (an event handler's): lock, recount, offer."""
    _lock(target)
    return _promote(target)


def _promote(target) -> list[Enrolment]:
    now = timezone.now()
    book = _PlaceBook(target, now=now)
    offered: list[Enrolment] = []
    if book.full:
        return offered
    waiting = (
        book._enrolments()
        .filter(state=EnrolmentState.WAITLISTED)
        .select_related("organisation")
        .order_by("waitlist_seq")
    )
    expires_at = offer_deadline(target, now=now)
    if expires_at is None:
        return offered  # too late to answer in time: the waitlist stays, no one is told
    for enrolment in waiting:
        if book.full:
            break
        blocked = book.take(enrolment)
        if blocked:
            if enrolment.skipped_reason != f"Skipped: {blocked}":
                enrolment.skipped_reason = f"Skipped: {blocked}"[:300]
                enrolment.save(update_fields=["skipped_reason", "updated_at"])
            continue
        _transition(enrolment, EnrolmentState.OFFERED)
        enrolment.offer_expires_at = expires_at
        enrolment.decided_at = now
        enrolment.save()
        _emit(enrolment, "offered")
        _audit(enrolment, "offer", None, expires=enrolment.offer_expires_at.isoformat())
        offered.append(enrolment)
    return offered


def offer_token_issue(*, enrolment: Enrolment) -> str:
    """A fresh accept/decline link for an open offer (the e-mail handler calls this; only the
    digest is stored, so each e-mail carries a new token and earlier ones stop working)."""
    token, digest = token_new()
    updated = Enrolment.objects.filter(pk=enrolment.pk, state=EnrolmentState.OFFERED).update(
        token_hash=digest
    )
    if not updated:
        raise CohortsError("no_offer", "This offer is no longer open.")
    return token


def enrolment_by_token(token: str) -> Enrolment | None:
    if not token or len(token) > 100:
        return None
    return (
        Enrolment.objects.select_related("cohort", "activity", "user")
        .filter(token_hash=token_digest(token))
        .first()
    )


def offer_respond(*, enrolment: Enrolment, accept: bool, actor=None) -> Enrolment:
    """Accept or decline a waitlist offer (by the link in the e-mail or from the status page)."""
    with place_transaction():
        enrolment = _reload(enrolment.pk)
        target = _target_locked(enrolment)
        enrolment.refresh_from_db(fields=["state", "offer_expires_at"])
        if enrolment.state != EnrolmentState.OFFERED:
            raise CohortsError("no_offer", "This offer is no longer open.")
        if _offer_over(enrolment, now=timezone.now()):
            raise CohortsError("offer_expired", "This offer has expired.")
        if accept:
            _transition(enrolment, EnrolmentState.ACCEPTED)
            enrolment.offer_expires_at = None
            enrolment.token_hash = None
            enrolment.decided_at = timezone.now()
            enrolment.save()
            _emit(enrolment, "accepted")
            _audit(enrolment, "offer_accept", actor or enrolment.user)
        else:
            _withdraw(enrolment, target, reason="declined the offer", actor=actor or enrolment.user)
    return enrolment


def offers_expire(*, now=None) -> int:
    """Scheduled: offers past their time pass to the next eligible person."""
    now = now or timezone.now()
    expired_ids = list(
        Enrolment.objects.filter(state=EnrolmentState.OFFERED)
        .filter(Q(offer_expires_at__lte=now) | Q(activity__starts_at__lte=now))
        .order_by("offer_expires_at")
        .values_list("pk", flat=True)[:500]
    )
    count = 0
    for enrolment_id in expired_ids:
        try:
            with place_transaction():
                enrolment = _reload(enrolment_id)
                target = _target_locked(enrolment)
                enrolment.refresh_from_db(fields=["state", "offer_expires_at"])
                if enrolment.state != EnrolmentState.OFFERED or not _offer_over(enrolment, now=now):
                    continue
                _withdraw(enrolment, target, reason="the offer expired", actor=None)
                count += 1
        except CohortsError:
            logger.warning("offer %s not expired now (busy); the next run retries", enrolment_id)
    return count


# --- completion -------------------------------------------------------------------------------


def enrolment_complete_check(*, user_id: int) -> list[Enrolment]:
    """Complete every accepted cohort enrolment of the person whose rule is now met: every
    module done and the required number of the cohort's activities attended. Runs inside the
    caller's transaction (an event handler's)."""
    from programmes.models import ModuleProgress

    completed = []
    candidates = list(
        Enrolment.objects.filter(
            user_id=user_id, cohort__isnull=False, state=EnrolmentState.ACCEPTED
        ).select_related("cohort")
    )
    for candidate in candidates:
        cohort = candidate.cohort
        module_ids = set(cohort.modules.values_list("pk", flat=True))
        done = set(
            ModuleProgress.objects.filter(
                user_id=user_id, module_id__in=module_ids, completed_at__isnull=False
            ).values_list("module_id", flat=True)
        )
        if module_ids - done:
            continue
        activity_ids = list(cohort.activities.values_list("pk", flat=True))
        required = (
            len(activity_ids)
            if cohort.activities_required is None
            else min(cohort.activities_required, len(activity_ids))
        )
        attended = Enrolment.objects.filter(
            user_id=user_id, activity_id__in=activity_ids, attended_at__isnull=False
        ).count()
        if attended < required or (not module_ids and not activity_ids):
            continue
        with transaction.atomic():
            enrolment = Enrolment.objects.select_for_update().get(pk=candidate.pk)
            if enrolment.state != EnrolmentState.ACCEPTED:
                continue
            _transition(enrolment, EnrolmentState.COMPLETED)
            enrolment.completed_at = timezone.now()
            enrolment.save()
            _emit(enrolment, "completed")
            _audit(enrolment, "complete", None)
        completed.append(enrolment)
    return completed


# --- nominations ------------------------------------------------------------------------------


def focal_point_countries(*, user, cohort: Cohort) -> list[str]:
    """The countries `user` may nominate for in this cohort."""
    if not user.is_authenticated:
        return []
    rows = FocalPoint.objects.filter(user=user).filter(
        Q(programme__isnull=True) | Q(programme_id=cohort.programme_id)
    )
    return sorted({str(row.country) for row in rows})


@dataclass
class Nominee:
    email: str
    full_name: str
    country: str
    organisation_name: str = ""
    sector: str = ""
    level: str = ""


NOT_NOMINABLE = (
    "{email} cannot be nominated. If you think this is a mistake, please write to the "
    "programme's contact."
)


def _has_staff_rights(user: User) -> bool:
    """Staff of any kind (administrators, editors, cohort or check-in staff, focal points): an
    invitation link must never be a way into such an account."""
    return bool(
        user.is_staff
        or user.is_superuser
        or user.groups.exists()
        or user.user_permissions.exists()
        or FocalPoint.objects.filter(user=user).exists()
    )


def nomination_refusal(*, user: User) -> str | None:
    """Why this account cannot be nominated, in words that tell the nominator nothing about it
    (not whether it is staff, nor a young person's account waiting for a guardian)."""
    profile = _profile_of(user)
    if (
        not user.is_active
        or _has_staff_rights(user)
        or (profile is not None and profile.awaiting_guardian)
    ):
        return NOT_NOMINABLE.format(email=user.email)
    return None


def _person_ensure(nominee: Nominee) -> tuple[User, bool]:
    """The nominee's account, created without a password when new (they set one when they
    confirm), and whether it was created now. An existing profile is left as its owner wrote
    it; an account that may not be nominated is refused before anything is written."""
    email = User.objects.normalize_email(nominee.email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is not None:
        refusal = nomination_refusal(user=user)
        if refusal:
            raise CohortsError("not_nominable", NOT_NOMINABLE.format(email=email))
    else:
        full_name = " ".join(nominee.full_name.split())
        first, _, last = full_name.partition(" ")
        user = User.objects.create_user(
            email=email, password=None, first_name=first[:150], last_name=last[:150]
        )
    if not Profile.objects.filter(user=user).exists():
        Profile.objects.create(
            user=user,
            full_name=" ".join(nominee.full_name.split()),
            country=nominee.country,
            organisation=organisation_resolve(
                name=nominee.organisation_name, country=nominee.country, sector=nominee.sector
            ),
            sector=nominee.sector,
            level=nominee.level,
        )
    return user, created


def nominate(
    *, cohort: Cohort, nominee: Nominee, actor, source: str = EnrolmentSource.NOMINATION, book=None
) -> Enrolment:
    """Inside a place transaction that has locked the cohort: nominate one person, holding a
    place of their country until they confirm."""
    user, created = _person_ensure(nominee)
    existing = Enrolment.objects.filter(cohort=cohort, user=user).first()
    if existing is not None and not existing.is_final:
        raise CohortsError(
            "duplicate", f"{nominee.email} already has a place or application in this cohort."
        )
    if existing is not None:
        raise CohortsError(
            "duplicate", f"{nominee.email} has already been in this cohort and cannot return."
        )
    enrolment = Enrolment(
        cohort=cohort,
        user=user,
        source=source,
        nominated_by=actor,
        state=EnrolmentState.NOMINATED,
        nominee_name=" ".join(nominee.full_name.split())[:200],
        nominee_organisation=" ".join(nominee.organisation_name.split())[:200],
        account_created=created,
    )
    _snapshot(enrolment, _profile_of(user))
    enrolment.country = nominee.country or enrolment.country
    enrolment.save()
    book = book or _PlaceBook(cohort)
    blocked = book.take(enrolment)
    if blocked:
        raise CohortsError("no_place", f"{nominee.full_name} cannot be nominated: {blocked}.")
    enrolment.decided_at = timezone.now()
    enrolment.save()
    _emit(enrolment, "nominated")
    _audit(enrolment, "nominate", actor, email=user.email)
    return enrolment


def _nomination_allowed(*, actor, cohort: Cohort, country: str) -> None:
    if not cohort.nominations_open():
        raise CohortsError("closed", "The nomination deadline has passed.")
    if country not in focal_point_countries(user=actor, cohort=cohort):
        raise CohortsError("forbidden", "You are not a focal point for that country.")


def nomination_create(*, actor, cohort: Cohort, nominee: Nominee) -> Enrolment:
    """A focal point nominates one person for their country before the deadline."""
    _nomination_allowed(actor=actor, cohort=cohort, country=nominee.country)
    with place_transaction():
        _lock(cohort)
        enrolment = nominate(cohort=cohort, nominee=nominee, actor=actor)
    return enrolment


def nomination_substitute(*, actor, enrolment: Enrolment, nominee: Nominee) -> Enrolment:
    """Replace a nominee by another person of the same country in one transaction: the place
    passes directly, never to the waitlist in between."""
    cohort = enrolment.cohort
    if cohort is None:
        raise CohortsError("not_found", "That place no longer exists.")
    nominee.country = str(enrolment.country)
    _nomination_allowed(actor=actor, cohort=cohort, country=nominee.country)
    with place_transaction():
        _lock(cohort)
        old = _reload(enrolment.pk)
        if old.state not in (EnrolmentState.NOMINATED, EnrolmentState.ACCEPTED):
            raise CohortsError("bad_transition", "Only a nominated or accepted place can pass.")
        book = _PlaceBook(cohort)
        _transition(old, EnrolmentState.WITHDRAWN, reason="substituted by the focal point")
        book.release(old)
        old.token_hash = None
        old.decided_at = timezone.now()
        old.save()
        # freed=False: the place goes to the substitute, not to the waitlist.
        _emit(old, "withdrawn", freed=False, reason="substituted")
        _audit(old, "substitute", actor)
        new = nominate(cohort=cohort, nominee=nominee, actor=actor, book=book)
    return new


def nomination_link_expiry(*, cohort: Cohort, now=None):
    """A fresh link works for NOMINATION_LINK_DAYS, and never past the nomination deadline
    (after it, a nominee with an account confirms from their place page once logged in)."""
    now = now or timezone.now()
    expires = now + timedelta(days=settings.NOMINATION_LINK_DAYS)
    deadline = cohort.nomination_deadline
    if deadline is not None and now < deadline < expires:
        expires = deadline
    return expires


def nomination_token_issue(*, enrolment: Enrolment) -> str:
    """A fresh invitation link; only its digest is stored, and earlier links stop working."""
    token, digest = token_new()
    expires = nomination_link_expiry(cohort=enrolment.cohort)
    updated = Enrolment.objects.filter(pk=enrolment.pk, state=EnrolmentState.NOMINATED).update(
        token_hash=digest, link_expires_at=expires
    )
    if not updated:
        raise CohortsError("no_nomination", "This nomination is no longer open.")
    enrolment.link_expires_at = expires
    return token


def nomination_resend(*, actor, enrolment: Enrolment) -> Enrolment:
    """The focal point sends a nominee a new invitation (lost, or its link expired); the new
    link replaces every earlier one."""
    cohort = enrolment.cohort
    if cohort is None:
        raise CohortsError("not_found", "That place no longer exists.")
    _nomination_allowed(actor=actor, cohort=cohort, country=str(enrolment.country))
    with transaction.atomic(durable=True):
        enrolment = Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        if enrolment is None or enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", "This nomination is no longer open.")
        _emit_once(enrolment, "invitation_resent")
        _audit(enrolment, "invitation_resend", actor)
    return enrolment


def _emit_once(enrolment: Enrolment, verb: str) -> None:
    """An event that may happen many times for one enrolment: each gets its own key."""
    emit(
        f"cohorts.enrolment.{verb}",
        key=f"cohorts.enrolment.{verb}:{enrolment.pk}:{secrets.token_hex(8)}",
        payload={"enrolment_id": enrolment.pk, "user_id": enrolment.user_id},
    )


def nomination_link_open(enrolment: Enrolment, *, now=None) -> bool:
    return bool(
        enrolment.link_expires_at is not None
        and enrolment.link_expires_at > (now or timezone.now())
    )


def nominee_sets_password(enrolment: Enrolment) -> bool:
    """Whether the invitation link may set a password and log in: only for an account the
    nomination created, that has never had a password nor been logged into."""
    user = enrolment.user
    return bool(
        user.is_active
        and not user.has_usable_password()
        and user.last_login is None
        and Enrolment.objects.filter(user=user, account_created=True).exists()
        and not _has_staff_rights(user)
    )


def nomination_confirm(*, enrolment: Enrolment, user) -> Enrolment:
    """The nominee confirms their place (after completing their profile)."""
    _guardian_check(_profile_of(user))
    with place_transaction():
        enrolment = _reload(enrolment.pk)
        _target_locked(enrolment)
        if enrolment.user_id != user.pk:
            raise CohortsError("forbidden", "This nomination is for someone else.")
        if enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", "This nomination is no longer open.")
        _transition(enrolment, EnrolmentState.ACCEPTED)
        enrolment.token_hash = None
        enrolment.decided_at = timezone.now()
        enrolment.save()
        _emit(enrolment, "accepted")
        _audit(enrolment, "confirm", user)
    return enrolment


NOMINATION_DECLINED = "declined the nomination"


def nomination_decline(*, enrolment: Enrolment, user) -> Enrolment:
    """The nominee declines: the held place returns to their country's share, and whoever
    nominated them is told (the `declined` event) so that they can nominate someone else."""
    with place_transaction():
        enrolment = _reload(enrolment.pk)
        target = _target_locked(enrolment)
        enrolment.refresh_from_db(fields=["state"])
        if enrolment.user_id != user.pk:
            raise CohortsError("forbidden", "This nomination is for someone else.")
        if enrolment.state != EnrolmentState.NOMINATED:
            raise CohortsError("no_nomination", "This nomination is no longer open.")
        _withdraw(enrolment, target, reason=NOMINATION_DECLINED, actor=user)
        _emit(enrolment, "declined")
    return enrolment


# --- cohort set-up ----------------------------------------------------------------------------


def cohort_staff_group_ensure(*, cohort: Cohort) -> Group:
    """The cohort's own staff group, with access to the Wagtail admin (where the cohort desk
    lives) and nothing else: what they may do is decided per cohort, by membership."""
    if cohort.staff_group_id:
        return cohort.staff_group
    # The slug is unique, so two editions with the same title never share one group.
    name = f"Cohort staff: {cohort.title[:50]} ({cohort.slug})"
    group, _ = Group.objects.get_or_create(name=name)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access:
        group.permissions.add(access)
    Cohort.objects.filter(pk=cohort.pk).update(staff_group=group)
    cohort.staff_group = group
    return group


# --- CSV import of nominees (the cohort desk) -------------------------------------------------


class PlaceDryRun(_PlaceBook):
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


@dataclass
class ImportOutcome:
    imported: dict[int, Enrolment]  # by the row's number in the file
    failed: dict[int, str]


class _ImportRolledBack(Exception):
    pass


def enrolments_import(
    *,
    cohort: Cohort,
    rows: list[tuple[int, Nominee]],
    actor,
    all_or_nothing: bool = True,
    file_name: str = "",
) -> ImportOutcome:
    """Nominate the rows of a checked CSV file under the cohort's lock, through the same place
    rules as every other path; each nominee is invited by the `nominated` event. All or
    nothing by default: a row that fails now (a place taken since the check, say) rolls the
    whole file back; otherwise each failing row is rolled back alone."""
    outcome = ImportOutcome(imported={}, failed={})
    try:
        with place_transaction():
            _lock(cohort)
            book = _PlaceBook(cohort)
            for number, nominee in rows:
                try:
                    with transaction.atomic():
                        enrolment = nominate(
                            cohort=cohort,
                            nominee=nominee,
                            actor=actor,
                            source=EnrolmentSource.IMPORT,
                            book=book,
                        )
                        _audit(enrolment, "import", actor, row=number, file=file_name[:200])
                except CohortsError as exc:
                    outcome.failed[number] = exc.message
                    continue
                outcome.imported[number] = enrolment
            if outcome.failed and all_or_nothing:
                raise _ImportRolledBack
    except _ImportRolledBack:
        outcome.imported = {}
    return outcome


# --- a cohort's activities --------------------------------------------------------------------


def cohort_activities_register_locked(*, enrolment: Enrolment) -> list[Enrolment]:
    """Inside a handler's transaction: give an accepted cohort member a place in each of the
    cohort's activities, through each activity's own rules (a full activity waitlists them),
    so passes, attendance and calendars work the same for everyone."""
    if enrolment.cohort_id is None or enrolment.state != EnrolmentState.ACCEPTED:
        return []
    created = []
    now = timezone.now()
    # A registration of their own that they withdrew does not stop the cohort's place; one that
    # came with the cohort is never made twice, even once ended (a handler run again changes
    # nothing).
    theirs = Enrolment.objects.filter(
        user_id=enrolment.user_id, activity__in=enrolment.cohort.activities.all()
    )
    registered = set(
        (theirs.blocking_a_new_place() | theirs.filter(source=EnrolmentSource.COHORT)).values_list(
            "activity_id", flat=True
        )
    )
    for activity in enrolment.cohort.activities.order_by("starts_at"):
        if activity.pk in registered or (activity.ends_at and activity.ends_at < now):
            continue
        _lock(activity)
        registration = Enrolment(
            activity=activity,
            user_id=enrolment.user_id,
            source=EnrolmentSource.COHORT,
            country=enrolment.country,
            organisation_id=enrolment.organisation_id,
            sector=enrolment.sector,
            level=enrolment.level,
            gender=enrolment.gender,
        )
        _decide_open(registration, _PlaceBook(activity, now=now), now=now)
        created.append(registration)
    return created


def cohort_activities_withdraw_locked(*, enrolment: Enrolment) -> list[Enrolment]:
    """Inside a handler's transaction: a person who leaves a cohort leaves the places in its
    activities that came with it (places they registered for themselves stay)."""
    if enrolment.cohort_id is None:
        return []
    withdrawn = []
    registrations = Enrolment.objects.filter(
        user_id=enrolment.user_id,
        activity__in=enrolment.cohort.activities.all(),
        source=EnrolmentSource.COHORT,
    ).exclude(state__in=FINAL)
    for registration in registrations.select_related("activity"):
        target = registration.activity.specific
        _lock(target)
        registration.refresh_from_db(fields=["state"])
        if registration.is_final:
            continue
        _withdraw(registration, target, reason="left the cohort", actor=None)
        withdrawn.append(registration)
    return withdrawn


# --- a cohort's activities must be able to take every member ----------------------------------


def cohort_activity_rule_problems(
    *, capacity: int | None, country_cap: int | None, activities
) -> list[tuple[object, str]]:
    """Set-ups in which accepting someone into the cohort could waitlist them for one of its own
    activities (or give them a place they are not eligible for): (activity, message) pairs.
    `country_cap` is the cohort's “at most N per country” (None when it has none, so one
    country may take every place)."""
    problems = []
    for activity in activities:
        title = activity.title
        if capacity and activity.capacity is not None and activity.capacity < capacity:
            problems.append(
                (
                    activity,
                    f"“{title}” has {activity.capacity} places, fewer than the cohort's "
                    f"{capacity}: every member gets a place in each of the cohort's activities, "
                    f"so give it at least {capacity} places (or no limit).",
                )
            )
        per_country = min(capacity, country_cap) if country_cap else capacity
        if per_country and (activity.places_per_country or per_country) < per_country:
            accepts = (
                f"accepts up to {per_country} per country"
                if country_cap
                else f"has no limit per country, so one country may take all {per_country} places"
            )
            problems.append(
                (
                    activity,
                    f"“{title}” takes {activity.places_per_country} per country, but the cohort "
                    f"{accepts}: give the activity at least {per_country} places per country "
                    "(or no limit).",
                )
            )
        if activity.sectors:
            problems.append(
                (
                    activity,
                    f"“{title}” is only for some sectors ({', '.join(activity.sector_labels())}), "
                    "but the cohort accepts every sector: open the activity to all sectors.",
                )
            )
        if activity.min_age or activity.max_age:
            problems.append(
                (
                    activity,
                    f"“{title}” has an age range, which the cohort does not check: remove the "
                    "age range, or leave the activity out of the cohort.",
                )
            )
    return problems


def cohort_country_cap(rules) -> int | None:
    """The cohort's “at most N per country” among `rules` (PlaceRule objects or dicts with
    kind, attribute, value and limit): the lowest cap that applies to every country."""
    caps = []
    for rule in rules:
        get = rule.get if isinstance(rule, dict) else lambda name, r=rule: getattr(r, name)
        if (
            get("kind") == RuleKind.CAP
            and get("attribute") == RuleAttribute.COUNTRY
            and not get("value")
            and get("limit")
        ):
            caps.append(int(get("limit")))
    return min(caps) if caps else None


def activity_cohort_problems(*, activity) -> list[str]:
    """The same check from the activity's side, for every cohort the activity belongs to."""
    if activity.pk is None:
        return []
    messages = []
    for cohort in Cohort.objects.filter(activities=activity).prefetch_related("place_rules"):
        for _, message in cohort_activity_rule_problems(
            capacity=cohort.capacity,
            country_cap=cohort_country_cap(cohort.place_rules.all()),
            activities=[activity],
        ):
            messages.append(f"In the cohort {cohort.title}: {message}")
    return messages


def decision_activity_warnings(*, cohort: Cohort, enrolment_ids: list[int]) -> dict[int, list[str]]:
    """Read only: for each person that accepting (in the order given) would give places in the
    cohort's activities, the activities where the place rules would only waitlist them. Counted
    in memory as if everyone before them had been accepted; nothing is written."""
    now = timezone.now()
    activities = [
        a
        for a in cohort.activities.order_by("starts_at", "pk")
        if not (a.ends_at and a.ends_at < now)
    ]
    if not activities:
        return {}
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(cohort=cohort, pk__in=enrolment_ids).select_related(
            "organisation"
        )
    }
    cohort_book = PlaceDryRun(cohort, now=now)
    books = {a.pk: PlaceDryRun(a, now=now) for a in activities}
    taken = set(
        Enrolment.objects.filter(
            activity__in=activities, user_id__in=[e.user_id for e in enrolments.values()]
        )
        .blocking_a_new_place()
        .values_list("user_id", "activity_id")
    )
    warnings: dict[int, list[str]] = {}
    for enrolment_id in enrolment_ids:
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None or enrolment.state not in (
            EnrolmentState.SUBMITTED,
            EnrolmentState.WAITLISTED,
            EnrolmentState.OFFERED,
            EnrolmentState.NOMINATED,
        ):
            continue
        if not enrolment.holds_place and cohort_book.take(enrolment):
            continue  # not accepted at all: the desk says why after the decision
        for activity in activities:
            if (enrolment.user_id, activity.pk) in taken:
                continue
            registration = Enrolment(
                activity=activity,
                user_id=enrolment.user_id,
                country=enrolment.country,
                organisation_id=enrolment.organisation_id,
                sector=enrolment.sector,
                level=enrolment.level,
                gender=enrolment.gender,
            )
            blocked = books[activity.pk].take(registration)
            if blocked:
                warnings.setdefault(enrolment_id, []).append(
                    f"would be waitlisted for “{activity.title}”: {blocked}"
                )
    return warnings


# --- saved reasons for the desk ---------------------------------------------------------------


def reason_template_save(
    *, cohort: Cohort, actor, title: str, text: str, decision: str = "", template=None
):
    """Create (or, given `template`, change) one of a cohort's saved reasons; audited."""
    title = " ".join(title.split())[:100]
    if not title or not text.strip():
        raise CohortsError("incomplete", "A saved reason needs a title and a text.")
    clash = ReasonTemplate.objects.filter(cohort=cohort, title__iexact=title)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise CohortsError("duplicate", f"There is already a saved reason called “{title}”.")
    with transaction.atomic(durable=True):
        if template is None:
            template = ReasonTemplate(cohort=cohort, created_by=actor)
            action = "cohorts.reason_template.create"
        else:
            action = "cohorts.reason_template.edit"
        template.title = title
        template.text = text.strip()[:2000]
        template.decision = decision
        template.save()
        log(instance=cohort, action=action, user=actor, data={"title": title})
    return template


def reason_template_delete(*, template, actor) -> None:
    with transaction.atomic(durable=True):
        cohort = template.cohort
        title = template.title
        template.delete()
        if cohort is not None:
            log(
                instance=cohort,
                action="cohorts.reason_template.delete",
                user=actor,
                data={"title": title},
            )
