"""A cohort's activities: the places that come with a cohort place, and the set-ups in which
those activities could not take every member."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.places.models import (
    FINAL,
    Cohort,
    Enrolment,
    EnrolmentSource,
    EnrolmentState,
    RuleAttribute,
    RuleKind,
)
from cohorts.places.services.book import (
    PlaceBook,
    PlaceDryRun,
    enrolment_decide_open,
    enrolment_withdraw_under_lock,
    place_lock,
)


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
        place_lock(activity)
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
        enrolment_decide_open(registration, PlaceBook(activity, now=now), now=now)
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
        place_lock(target)
        registration.refresh_from_db(fields=["state"])
        if registration.is_final:
            continue
        enrolment_withdraw_under_lock(registration, target, reason="left the cohort", actor=None)
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
                    ngettext(
                        "“%(title)s” has %(places)s places, fewer than the cohort's "
                        "%(capacity)s: every member gets a place in each of the cohort's "
                        "activities, so give it at least %(capacity)s places (or no limit).",
                        "“%(title)s” has %(places)s places, fewer than the cohort's "
                        "%(capacity)s: every member gets a place in each of the cohort's "
                        "activities, so give it at least %(capacity)s places (or no limit).",
                        capacity,
                    )
                    % {"title": title, "places": activity.capacity, "capacity": capacity},
                )
            )
        per_country = min(capacity, country_cap) if country_cap else capacity
        if per_country and (activity.places_per_country or per_country) < per_country:
            accepts = (
                # Translators: completes "..., but the cohort ...".
                ngettext(
                    "accepts up to %(count)s per country",
                    "accepts up to %(count)s per country",
                    per_country,
                )
                if country_cap
                # Translators: completes "..., but the cohort ...".
                else ngettext(
                    "has no limit per country, so one country may take all %(count)s places",
                    "has no limit per country, so one country may take all %(count)s places",
                    per_country,
                )
            ) % {"count": per_country}
            problems.append(
                (
                    activity,
                    ngettext(
                        "“%(title)s” takes %(taken)s per country, but the cohort %(accepts)s: "
                        "give the activity at least %(count)s places per country (or no limit).",
                        "“%(title)s” takes %(taken)s per country, but the cohort %(accepts)s: "
                        "give the activity at least %(count)s places per country (or no limit).",
                        per_country,
                    )
                    % {
                        "title": title,
                        "taken": activity.places_per_country,
                        "accepts": accepts,
                        "count": per_country,
                    },
                )
            )
        if activity.sectors:
            problems.append(
                (
                    activity,
                    _(
                        "“%(title)s” is only for some sectors (%(sectors)s), but the cohort "
                        "accepts every sector: open the activity to all sectors."
                    )
                    % {
                        "title": title,
                        "sectors": ", ".join(str(label) for label in activity.sector_labels()),
                    },
                )
            )
        if activity.min_age or activity.max_age:
            problems.append(
                (
                    activity,
                    _(
                        "“%(title)s” has an age range, which the cohort does not check: remove "
                        "the age range, or leave the activity out of the cohort."
                    )
                    % {"title": title},
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
        for _activity, message in cohort_activity_rule_problems(
            capacity=cohort.capacity,
            country_cap=cohort_country_cap(cohort.place_rules.all()),
            activities=[activity],
        ):
            messages.append(
                _("In the cohort %(cohort)s: %(problem)s")
                % {"cohort": cohort.title, "problem": message}
            )
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
                    _("would be waitlisted for “%(activity)s”: %(why)s")
                    % {"activity": activity.title, "why": blocked}
                )
    return warnings
