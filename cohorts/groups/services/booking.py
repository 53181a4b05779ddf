"""Group bookings: leaders book places for chosen members in one place transaction, through
the same place book and caps as everyone else, and cancel them again."""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.errors import CohortsError
from cohorts.groups.consent import enrolment_consent_request
from cohorts.groups.models import (
    GroupMember,
    YouthGroup,
)
from cohorts.groups.services.access import (
    ALL,
    GROUP_SECTORS,
    LIVE,
    MODES,
    NOTE_MAX,
    date_text,
    leader_check,
)
from cohorts.groups.services.members import member_has_own_account
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentState,
)
from cohorts.places.services import REGISTRATION_CLOSED
from cohorts.places.services.book import (
    PlaceBook,
    PlaceDryRun,
    enrolment_audit,
    enrolment_emit,
    enrolment_reload,
    enrolment_snapshot,
    enrolment_target_lock,
    enrolment_withdraw_under_lock,
    place_lock,
    place_transaction,
)
from lms.accounts.services import organisation_resolve
from lms.consent.services import consent_cancel, consent_resend, consent_states
from lms.errors import LmsError
from lms.models import Sector
from programmes.models import ActivityPage

BOOKED, PENDING, ALREADY, NOT_BOOKED = "accepted", "pending_consent", "already", "not_booked"


@dataclass
class MemberOutcome:
    member: GroupMember
    status: str  # BOOKED, PENDING, ALREADY or NOT_BOOKED
    message: str
    enrolment: Enrolment | None = None


@dataclass
class GroupBooking:
    """What a group booking did for each chosen member, in the order they were chosen."""

    target: object
    mode: str
    outcomes: list[MemberOutcome] = field(default_factory=list)

    def of(self, status: str) -> list[MemberOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def booked(self) -> list[MemberOutcome]:
        return [o for o in self.outcomes if o.status in (BOOKED, PENDING)]

    def summary(self) -> str:
        parts = []
        accepted, pending = self.of(BOOKED), self.of(PENDING)
        if accepted:
            parts.append(
                ngettext("%(count)s place confirmed", "%(count)s places confirmed", len(accepted))
                % {"count": len(accepted)}
            )
        if pending:
            parts.append(
                ngettext(
                    "%(count)s place held until a guardian consents (we have e-mailed the "
                    "guardians)",
                    "%(count)s places held until a guardian consents (we have e-mailed the "
                    "guardians)",
                    len(pending),
                )
                % {"count": len(pending)}
            )
        text = (
            # Translators: the summary of a group booking: "Exchange: 2 places confirmed; 1
            # place held until a guardian consents …."
            _("%(target)s: %(outcomes)s.") % {"target": self.target, "outcomes": "; ".join(parts)}
            if parts
            else _("Nobody new was booked for %(target)s.") % {"target": self.target}
        )
        for outcome in self.of(ALREADY) + self.of(NOT_BOOKED):
            text += f" {outcome.message}"
        return text


class GroupBookingRefused(CohortsError):
    """Nothing was booked; `outcomes` says why for each member it concerns."""

    def __init__(self, code: str, message: str, outcomes: list[MemberOutcome] | None = None):
        super().__init__(code, message)
        self.outcomes = outcomes or []


def _nothing_booked() -> str:
    return _("Nothing was booked.")


def target_start(target) -> dt.date:
    """The day ages are counted on: the activity's first day in its own time zone, or the
    cohort's first day."""
    if isinstance(target, Cohort):
        return target.starts_on
    return target.local_starts_at.date()


def _target_of(target):
    if isinstance(target, Cohort):
        return target
    if isinstance(target, ActivityPage):
        return target
    if hasattr(target, "specific") and isinstance(target.specific, ActivityPage):
        return target.specific
    raise CohortsError("not_found", _("Choose an activity or a cohort to book."))


def booking_closed_reason(target, *, now=None) -> str | None:
    """Why the group cannot book `target` now, or None."""
    now = now or timezone.now()
    if isinstance(target, Cohort):
        if target.enrolment_mode == EnrolmentMode.NOMINATION:
            return _("Places in this cohort are filled by national focal points' nominations.")
        if target.enrolment_mode == EnrolmentMode.APPROVAL:
            return _(
                "Staff decide each application to this cohort one by one, so it does not take "
                "group bookings; please contact the programme team."
            )
        if not target.applications_open(now):
            return _("Applications for this cohort are not open.")
        return None
    if not target.live:
        return _("This activity is not published.")
    status = target.registration_status(now)
    return None if status == "open" else str(REGISTRATION_CLOSED[status])


def group_refusal(
    group: YouthGroup, target, members: list[GroupMember] | None = None
) -> str | None:
    """Why this group cannot book `target` at all (whoever it chooses), or None: an activity
    for other sectors, or, when `members` are given, one whose ages none of them has on its
    first day."""
    if not isinstance(target, ActivityPage):
        return None
    group_sector = GROUP_SECTORS.get(group.kind, Sector.OTHER)
    if target.sectors and group_sector not in target.sectors:
        # Translators: %(kind)s is a kind of group in lower case, e.g. "school class".
        return _("This activity is for: %(sectors)s. A %(kind)s does not qualify.") % {
            "sectors": ", ".join(str(label) for label in target.sector_labels()),
            "kind": group.get_kind_display().lower(),
        }
    if members and (target.min_age or target.max_age):
        start = target_start(target)
        ages = [m.age_on(start) for m in members]
        if not any(
            (not target.min_age or age >= target.min_age)
            and (not target.max_age or age <= target.max_age)
            for age in ages
        ):
            return _("For ages %(ages)s on its first day (%(date)s); none of your members is.") % {
                "ages": _ages(target),
                "date": date_text(start),
            }
    return None


def _member_refusal(target, member: GroupMember, start: dt.date) -> str | None:
    age = member.age_on(start)
    name = member.full_name
    profile = getattr(member.person, "profile", None)
    if profile is not None and profile.awaiting_guardian:
        # A young person's own account takes no place before a guardian approves it, whoever
        # books it and whatever year of birth the member record gives.
        return _(
            "%(name)s's own account is waiting for a guardian's approval; they can be booked "
            "once it is approved."
        ) % {"name": name}
    if (
        member_has_own_account(member)
        and not member.person.led_groups.filter(pk=member.group_id).exists()
    ):
        # Only the group's own leaders are linked by their account (see _linked_account); one
        # who has left the group books their own places now.
        return _(
            "%(name)s no longer leads this group, and people with an account of their own book "
            "their own places; remove them from the members."
        ) % {"name": name}
    if isinstance(target, ActivityPage):
        if target.min_age and age < target.min_age:
            return _(
                "%(name)s is under %(age)s on the first day (the activity is for ages %(ages)s)."
            ) % {"name": name, "age": target.min_age, "ages": _ages(target)}
        if target.max_age and age > target.max_age:
            return _(
                "%(name)s is over %(age)s on the first day (the activity is for ages %(ages)s)."
            ) % {"name": name, "age": target.max_age, "ages": _ages(target)}
    if member.is_minor_on(start) and not member.guardian_email:
        return _(
            "%(name)s needs a guardian's e-mail address for the consent request; add it first."
        ) % {"name": name}
    return None


def _ages(activity: ActivityPage) -> str:
    if activity.min_age and activity.max_age:
        return f"{activity.min_age}–{activity.max_age}"
    if activity.min_age:
        # Translators: an age range, as in "the activity is for ages 16 and over".
        return _("%(age)s and over") % {"age": activity.min_age}
    # Translators: an age range, as in "the activity is for ages up to 12".
    return _("up to %(age)s") % {"age": activity.max_age}


def _already_message(member: GroupMember, enrolment: Enrolment) -> str:
    name = {"name": member.full_name}
    if enrolment.holds_place:
        # Translators: %(state)s is the state of the place in lower case, e.g. "accepted".
        return _("%(name)s already has a place (%(state)s).") % {
            **name,
            "state": enrolment.get_state_display().lower(),
        }
    if enrolment.state == EnrolmentState.WAITLISTED:
        return _("%(name)s is already on the waitlist.") % name
    if enrolment.state == EnrolmentState.WITHDRAWN:  # a cohort: an ended place cannot return
        return (
            _(
                "%(name)s had a place in this cohort that was cancelled; a cohort place "
                "cannot be booked again."
            )
            % name
        )
    if enrolment.state == EnrolmentState.REJECTED:
        return _("%(name)s's place here was declined by the organisers.") % name
    if enrolment.state == EnrolmentState.COMPLETED:
        return _("%(name)s has already completed this.") % name
    return _("%(name)s has already applied.") % name


def _new_enrolment(target, group: YouthGroup, member: GroupMember, *, organisation, note: str):
    enrolment = Enrolment(
        user_id=member.person_id,
        source=EnrolmentSource.GROUP,
        group=group,
        care_notes=note,
    )
    if isinstance(target, Cohort):
        enrolment.cohort = target
    else:
        enrolment.activity = target
    enrolment_snapshot(enrolment, getattr(member.person, "profile", None))
    # The group brings them: its country's share and its organisation are the ones counted.
    enrolment.country = group.country.code
    enrolment.organisation = organisation
    enrolment.sector = enrolment.sector or GROUP_SECTORS.get(group.kind, Sector.OTHER)
    return enrolment


def ratio_shortfall(*, minors: int, adults: int, minors_per_adult: int | None) -> int:
    """How many more adults `minors` need under the activity's ratio (0: enough)."""
    if not minors_per_adult or minors == 0:
        return 0
    return max(0, math.ceil(minors / minors_per_adult) - adults)


def _ratio_problem(
    target, group, booking: list[GroupMember], start, *, partial_cut: bool
) -> str | None:
    """What the activity's adult ratio says about booking `booking` besides the group's places
    already held there, or None when it is met."""
    if not isinstance(target, ActivityPage) or not target.minors_per_adult:
        return None
    if not any(m.is_minor_on(start) for m in booking):
        return None  # more adults (or nobody new) never make the ratio worse
    held_people = Enrolment.objects.filter(
        activity=target, group=group, state__in=LIVE
    ).values_list("user_id", flat=True)
    held = list(GroupMember.objects.filter(group=group, person_id__in=list(held_people)))
    people = {m.person_id: m for m in held}
    people.update({m.person_id: m for m in booking})
    minors = sum(1 for m in people.values() if m.is_minor_on(start))
    adults = len(people) - minors
    missing = ratio_shortfall(
        minors=minors, adults=adults, minors_per_adult=target.minors_per_adult
    )
    if not missing:
        return None
    needed = adults + missing
    held_minors = sum(1 for m in held if m.is_minor_on(start))
    minors_text = _minors(minors)
    if held_minors:
        minors_text = ngettext(
            "%(minors)s (counting %(count)s already booked)",
            "%(minors)s (counting %(count)s already booked)",
            held_minors,
        ) % {"minors": minors_text, "count": held_minors}
    need = ngettext(
        "%(minors)s needs at least %(adults)s",
        "%(minors)s need at least %(adults)s",
        minors,
    ) % {"minors": minors_text, "adults": _adults(needed)}
    if partial_cut:
        have = ngettext(
            "%(adults)s would have a place", "%(adults)s would have a place", adults
        ) % {"adults": _adults(adults)}
    else:
        # Translators: "1 adult chosen", "2 adults chosen" (for the booking).
        have = ngettext("%(adults)s chosen", "%(adults)s chosen", adults) % {
            "adults": _adults(adults)
        }
    allowed = ngettext(
        "This activity allows at most %(count)s minor per accompanying adult.",
        "This activity allows at most %(count)s minors per accompanying adult.",
        target.minors_per_adult,
    ) % {"count": target.minors_per_adult}
    # Translators: "9 minors need at least 2 adults; 1 adult chosen — add 1 more adult. This
    # activity allows …"
    return _("%(need)s; %(have)s — add %(missing)s. %(allowed)s") % {
        "need": need,
        "have": have,
        "missing": _more_adults(missing),
        "allowed": allowed,
    }


def _minors(count: int) -> str:
    return ngettext("%(count)s minor", "%(count)s minors", count) % {"count": count}


def _adults(count: int) -> str:
    return ngettext("%(count)s adult", "%(count)s adults", count) % {"count": count}


def _more_adults(count: int) -> str:
    return ngettext("%(count)s more adult", "%(count)s more adults", count) % {"count": count}


def _ratio_check(target, group, booking: list[GroupMember], start, *, partial_cut: bool) -> None:
    problem = _ratio_problem(target, group, booking, start, partial_cut=partial_cut)
    if problem:
        raise GroupBookingRefused("ratio", f"{problem} {_nothing_booked()}")


def group_book(
    *,
    actor,
    group: YouthGroup,
    target,
    member_ids: list[int],
    mode: str,
    care_notes: dict[int, str] | None = None,
) -> GroupBooking:
    """Book places for chosen members in one place transaction, under the target's lock and
    through its place book, so the group counts against its country's share like anyone else.
    Minors' places are held pending a guardian's consent (requested at once); adults' places
    are confirmed. `mode` "all" books everyone or nobody; "partial" books those who fit, in
    the order chosen, and says who was not booked and why."""
    leader_check(actor, group)
    if mode not in MODES:
        raise CohortsError(
            "bad_mode", _("Choose whether to book everyone or nobody, or as many as fit.")
        )
    target = _target_of(target)
    ids = list(dict.fromkeys(int(pk) for pk in member_ids))
    if not ids:
        raise CohortsError("no_members", _("Choose at least one member to book."))
    found = {
        m.pk: m
        for m in GroupMember.objects.filter(group=group, pk__in=ids).select_related(
            "person__profile"
        )
    }
    if len(found) != len(ids):
        raise CohortsError("not_found", _("Some of the chosen members are not in this group."))
    chosen = [found[pk] for pk in ids]
    notes = {
        int(pk): str(text).strip()[:NOTE_MAX]
        for pk, text in (care_notes or {}).items()
        if str(text or "").strip()
    }
    now = timezone.now()
    closed = booking_closed_reason(target, now=now)
    if closed:
        raise CohortsError("closed", closed)
    group_sector = GROUP_SECTORS.get(group.kind, Sector.OTHER)
    refusal = group_refusal(group, target)
    if refusal:
        raise CohortsError("not_eligible", refusal)
    start = target_start(target)
    result = GroupBooking(target=target, mode=mode)
    outcomes: dict[int, MemberOutcome] = {}
    eligible = []
    for member in chosen:
        refusal = _member_refusal(target, member, start)
        if refusal:
            outcomes[member.pk] = MemberOutcome(member, NOT_BOOKED, refusal)
        else:
            eligible.append(member)
    if mode == ALL and outcomes:
        # Every problem at once: the members who cannot go, and what the adult ratio would
        # say about the others, so that one correction is enough.
        problems = [o.message for o in outcomes.values()]
        ratio = _ratio_problem(target, group, eligible, start, partial_cut=False)
        if ratio:
            problems.append(
                _("Also, without them: %(problem)s") % {"problem": ratio[0].lower() + ratio[1:]}
            )
        raise GroupBookingRefused(
            "not_eligible",
            " ".join([*problems, _nothing_booked()]),
            list(outcomes.values()),
        )

    with place_transaction():
        place_lock(target)
        earlier = (
            _enrolments_of(target)
            .filter(user_id__in=[m.person_id for m in eligible])
            .blocking_a_new_place()
        )
        existing = {e.user_id: e for e in earlier}
        candidates = []
        for member in eligible:
            enrolment = existing.get(member.person_id)
            if enrolment is not None:
                outcomes[member.pk] = MemberOutcome(
                    member, ALREADY, _already_message(member, enrolment), enrolment
                )
            else:
                candidates.append(member)
        organisation = organisation_resolve(
            name=group.organisation, country=group.country.code, sector=group_sector
        )
        dry = PlaceDryRun(target, now=now)
        fitting: list[tuple[GroupMember, Enrolment]] = []
        first_reason = None
        for member in candidates:
            enrolment = _new_enrolment(
                target, group, member, organisation=organisation, note=notes.get(member.pk, "")
            )
            reason = dry.take(enrolment)
            if reason:
                first_reason = first_reason or reason
                outcomes[member.pk] = MemberOutcome(
                    member,
                    NOT_BOOKED,
                    _("%(name)s was not booked: %(reason)s.")
                    % {"name": member.full_name, "reason": reason},
                )
            else:
                fitting.append((member, enrolment))
        if mode == ALL and len(fitting) < len(candidates):
            left = len(fitting)
            places_left = (
                ngettext(
                    "Only %(count)s place is left for your group in %(target)s",
                    "Only %(count)s places are left for your group in %(target)s",
                    left,
                )
                if left
                else _("No place is left for your group in %(target)s")
            ) % {"count": left, "target": target}
            chosen = ngettext(
                "you chose %(count)s member to book",
                "you chose %(count)s members to book",
                len(candidates),
            ) % {"count": len(candidates)}
            raise GroupBookingRefused(
                "no_place",
                _(
                    "%(places_left)s, and %(chosen)s (%(reason)s). Nothing was booked: choose "
                    "fewer members, or book as many as fit."
                )
                % {"places_left": places_left, "chosen": chosen, "reason": first_reason},
                list(outcomes.values()),
            )
        _ratio_check(
            target,
            group,
            [m for m, _ in fitting],
            start,
            partial_cut=len(fitting) < len(candidates),
        )
        book = PlaceBook(target, now=now)
        for member, enrolment in fitting:
            minor = member.is_minor_on(start)
            enrolment.state = EnrolmentState.PENDING_CONSENT if minor else EnrolmentState.ACCEPTED
            enrolment.decided_at = now
            reason = book.blocked_by(enrolment)
            if reason:  # the dry run and the book read the same claims under one lock
                raise CohortsError(
                    "conflict",
                    _("%(name)s: %(reason)s.") % {"name": member.full_name, "reason": reason},
                )
            enrolment.save()
            book.claim(enrolment)
            if minor:
                enrolment_emit(enrolment, "pending_consent", group_id=group.pk)
                try:
                    enrolment_consent_request(enrolment=enrolment, member=member, actor=actor)
                except LmsError as exc:
                    raise CohortsError(exc.code, exc.message) from exc
                message = _("%(name)s: place held until a guardian consents.") % {
                    "name": member.full_name
                }
            else:
                enrolment_emit(enrolment, "accepted")
                message = _("%(name)s: place confirmed.") % {"name": member.full_name}
            enrolment_audit(enrolment, "group_book", actor, group_id=group.pk)
            outcomes[member.pk] = MemberOutcome(
                member, PENDING if minor else BOOKED, message, enrolment
            )
    result.outcomes = [outcomes[m.pk] for m in chosen]
    return result


def _enrolments_of(target):
    if isinstance(target, Cohort):
        return Enrolment.objects.filter(cohort=target)
    return Enrolment.objects.filter(activity=target)


def _group_booking(group: YouthGroup, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("activity", "cohort", "user")
        .filter(pk=enrolment_id, group=group)
        .first()
    )
    if enrolment is None:
        raise CohortsError("not_found", _("That booking is not one of this group's."))
    return enrolment


def group_booking_cancel(*, actor, group: YouthGroup, enrolment_id: int) -> str:
    """A leader cancels one member's booking: the place is freed (the waitlist moves on) and an
    open consent request stops working. Returns what was done, with a warning when the adults
    left are now too few for the minors."""
    leader_check(actor, group)
    _group_booking(group, enrolment_id)

    with place_transaction():
        enrolment = enrolment_reload(enrolment_id)
        target = enrolment_target_lock(enrolment)
        enrolment.refresh_from_db(fields=["state", "group"])
        if enrolment.group_id != group.pk:
            raise CohortsError("not_found", _("That booking is not one of this group's."))
        if enrolment.is_final:
            raise CohortsError("final", _("This booking is already cancelled."))
        enrolment_withdraw_under_lock(
            enrolment, target, reason="cancelled by the group leader", actor=actor
        )
        consent_cancel(subject_key=f"enrolment:{enrolment.pk}")
    name = str(enrolment.user)
    member = GroupMember.objects.filter(group=group, person_id=enrolment.user_id).first()
    if member is not None:
        name = member.full_name
    message = _("The booking of %(name)s for %(target)s is cancelled and the place freed.") % {
        "name": name,
        "target": target,
    }
    warning = ratio_warning(group=group, target=target)
    return f"{message} {warning}" if warning else message


def ratio_warning(*, group: YouthGroup, target) -> str:
    """A sentence when the group's booked minors now lack accompanying adults, else ""."""
    if not isinstance(target, ActivityPage) or not target.minors_per_adult:
        return ""
    start = target_start(target)
    people = Enrolment.objects.filter(activity=target, group=group, state__in=LIVE).values_list(
        "user_id", flat=True
    )
    members = list(GroupMember.objects.filter(group=group, person_id__in=list(people)))
    minors = sum(1 for m in members if m.is_minor_on(start))
    adults = len(members) - minors
    missing = ratio_shortfall(
        minors=minors, adults=adults, minors_per_adult=target.minors_per_adult
    )
    if not missing:
        return ""
    booked_minors = ngettext(
        "%(count)s minor booked now needs at least %(adults)s",
        "%(count)s minors booked now need at least %(adults)s",
        minors,
    ) % {"count": minors, "adults": _adults(adults + missing)}
    booked_adults = ngettext("%(count)s adult is booked", "%(count)s adults are booked", adults) % {
        "count": adults
    }
    return _("Please note: %(minors)s, and %(adults)s — book %(missing)s.") % {
        "minors": booked_minors,
        "adults": booked_adults,
        "missing": _more_adults(missing),
    }


def group_consent_resend(*, actor, group: YouthGroup, enrolment_id: int) -> str:
    """Send the guardian a fresh consent link for a place that still waits for it."""
    leader_check(actor, group)
    enrolment = _group_booking(group, enrolment_id)
    if enrolment.state != EnrolmentState.PENDING_CONSENT:
        raise CohortsError("no_consent", _("This place is not waiting for a guardian's consent."))

    key = f"enrolment:{enrolment.pk}"
    consent = consent_states([key]).get(key)
    if consent is None or consent.state != "pending":
        raise CohortsError("no_consent", _("There is no open consent request for this place."))
    try:
        with transaction.atomic(durable=True):
            consent_resend(consent=consent, actor=actor)
    except LmsError as exc:
        raise CohortsError(exc.code, exc.message) from exc
    return _("We have sent the consent e-mail again to %(email)s.") % {
        "email": consent.guardian_email
    }
