"""Read-side queries of cohorts: who may manage which cohort, places and waitlists."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django_countries import countries
from wagtail.models import ModelLogEntry

from cohorts.places.models import (
    CONFIRMED,
    HOLDING,
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    FocalPoint,
    RuleAttribute,
    RuleKind,
)
from lms.models import Sector
from programmes.pages.selectors import LearnerPlace


def cohort_is_admin(user) -> bool:
    """Programme admins manage every cohort; presidency staff only their own."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.has_perm("cohorts.change_cohort"))
    )


def is_cohort_staff(user) -> bool:
    """A member of any cohort's staff group (presidency staff), whether or not its rights
    have ended: the group still opens the admin."""
    return Cohort.objects.filter(staff_group__user=user).exists()


def is_focal_point(user) -> bool:
    return FocalPoint.objects.filter(user=user).exists()


def cohorts_managed_by(user) -> QuerySet[Cohort]:
    """The cohorts `user` may manage: all for programme admins; for presidency staff the
    cohorts whose staff group they belong to, until the staff rights end."""
    qs = Cohort.objects.select_related("programme", "staff_group")
    if not user.is_authenticated:
        return qs.none()
    if cohort_is_admin(user):
        return qs
    today = timezone.localdate()
    ids = [
        cohort.pk
        for cohort in qs.filter(staff_group__in=user.groups.all())
        if cohort.staff_rights_end >= today
    ]
    return qs.filter(pk__in=ids)


def cohort_can_manage(user, cohort: Cohort) -> bool:
    return cohorts_managed_by(user).filter(pk=cohort.pk).exists()


def waitlist_of(target) -> QuerySet[Enrolment]:
    """The waitlist in its server-side order, with the reason anyone was skipped."""
    field = "cohort" if isinstance(target, Cohort) else "activity"
    return (
        Enrolment.objects.filter(**{field: target, "state": EnrolmentState.WAITLISTED})
        .select_related("user", "user__profile", "organisation")
        .order_by("waitlist_seq")
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None when not on the waitlist."""
    if enrolment.state != EnrolmentState.WAITLISTED or enrolment.waitlist_seq is None:
        return None
    field = "cohort_id" if enrolment.cohort_id else "activity_id"
    ahead = Enrolment.objects.filter(
        **{field: getattr(enrolment, field)},
        state=EnrolmentState.WAITLISTED,
        waitlist_seq__lt=enrolment.waitlist_seq,
    ).count()
    return ahead + 1


# --- the cohort desk --------------------------------------------------------------------------


def desk_enrolments(
    cohort: Cohort, *, country: str = "", sector: str = "", state: str = "", q: str = ""
) -> QuerySet[Enrolment]:
    """The cohort's applications and enrolments for the desk, filtered; oldest first."""
    qs = Enrolment.objects.filter(cohort=cohort).select_related(
        "user", "user__profile", "organisation"
    )
    if country:
        qs = qs.filter(country=country)
    if sector:
        qs = qs.filter(sector=sector)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(
            Q(user__email__icontains=q)
            | Q(user__profile__full_name__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    return qs.order_by("submitted_at", "id")


def desk_countries(cohort: Cohort) -> list[tuple[str, str]]:
    """(code, name) of every country that has an enrolment in the cohort, by name."""
    codes = (
        Enrolment.objects.filter(cohort=cohort)
        .exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return sorted(((code, countries.name(code) or code) for code in codes), key=lambda c: c[1])


@dataclass
class PlaceRow:
    """One line of the places table: one country (or sector) against the rules that apply."""

    value: str
    label: str
    holding: int = 0
    waitlisted: int = 0
    submitted: int = 0
    cap: int | None = None
    minimum: int | None = None
    reserved_until: object = None

    @property
    def full(self) -> bool:
        return self.cap is not None and self.holding >= self.cap

    @property
    def short_by(self) -> int:
        return max(0, (self.minimum or 0) - self.holding)

    @property
    def status(self) -> str:
        parts = []
        if self.cap is not None:
            if self.full:
                parts.append(pgettext("places", "Full"))
            else:
                left = self.cap - self.holding
                # Translators: places left under a cap of the places table.
                parts.append(ngettext("%(count)s left", "%(count)s left", left) % {"count": left})
        if self.minimum is not None:
            if self.short_by:
                parts.append(
                    ngettext(
                        "Minimum short by %(count)s", "Minimum short by %(count)s", self.short_by
                    )
                    % {"count": self.short_by}
                )
            else:
                parts.append(_("Minimum met"))
        return "; ".join(parts)


def desk_places(cohort: Cohort, attribute: str) -> list[PlaceRow]:
    """Places held, waiting and awaiting a decision per value of `attribute` (country or
    sector), each with the cap and minimum of the cohort's rules, recounted on every call."""
    rules = [rule for rule in cohort.place_rules.all() if rule.attribute == attribute]
    counts = (
        Enrolment.objects.filter(cohort=cohort)
        .exclude(**{attribute: ""})
        .order_by()
        .values_list(attribute, "state")
        .annotate(n=Count("id"))
    )
    rows: dict[str, PlaceRow] = {}

    def label_of(value: str) -> str:
        if attribute == RuleAttribute.COUNTRY:
            return countries.name(value) or value
        return dict(Sector.choices).get(value, value)

    def row(value: str) -> PlaceRow:
        if value not in rows:
            rows[value] = PlaceRow(value=value, label=label_of(value))
        return rows[value]

    for value, state, n in counts:
        value = str(value)
        if state in HOLDING:
            row(value).holding += n
        elif state == EnrolmentState.WAITLISTED:
            row(value).waitlisted += n
        elif state == EnrolmentState.SUBMITTED:
            row(value).submitted += n
    for rule in rules:
        if rule.value:
            row(rule.value)
    for place in rows.values():
        for rule in rules:
            if rule.value and rule.value != place.value:
                continue
            if rule.kind == RuleKind.CAP:
                place.cap = rule.limit if place.cap is None else min(place.cap, rule.limit)
            else:
                place.minimum = max(place.minimum or 0, rule.limit)
                place.reserved_until = rule.reserved_until or cohort.applications_close_at
    return sorted(rows.values(), key=lambda place: place.label)


def desk_places_total(cohort: Cohort) -> dict:
    states = list(Enrolment.objects.filter(cohort=cohort).values_list("state", flat=True))
    holding = sum(1 for state in states if state in HOLDING)
    return {
        "holding": holding,
        "waitlisted": states.count(EnrolmentState.WAITLISTED),
        "submitted": states.count(EnrolmentState.SUBMITTED),
        "capacity": cohort.capacity,
        "left": max(0, cohort.capacity - holding),
    }


def desk_log_entries(cohort: Cohort, *, limit: int = 50):
    """The newest audit-log entries of the cohort and its enrolments."""
    enrolment_ids = (
        Enrolment.objects.filter(cohort=cohort)
        .annotate(sid=Cast("pk", output_field=CharField()))
        .values("sid")
    )
    return (
        ModelLogEntry.objects.filter(
            Q(
                content_type=ContentType.objects.get_for_model(Enrolment),
                object_id__in=enrolment_ids,
            )
            | Q(content_type=ContentType.objects.get_for_model(Cohort), object_id=str(cohort.pk))
        )
        .select_related("user", "content_type")
        .order_by("-timestamp", "-pk")[:limit]
    )


# --- the participant side ---------------------------------------------------------------------

# States in which a place is the person's own: it shows the online link of an activity.


def cohort_public(*, slug: str) -> Cohort | None:
    """A cohort of a live programme, with its questions (the application form and the service
    share them, so they are read once)."""
    # The programme page row is large (its StreamField body) and the apply POST never needs it.
    return (
        Cohort.objects.prefetch_related("questions").filter(slug=slug, programme__live=True).first()
    )


def cohorts_listed(*, programme, now=None) -> list[Cohort]:
    """A programme's cohorts that take applications or nominations now, or have not started."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cohorts = Cohort.objects.filter(programme=programme, ends_on__gte=today).order_by(
        "starts_on", "title"
    )
    return [
        cohort
        for cohort in cohorts
        if cohort.starts_on > today or cohort.applications_open(now) or cohort.nominations_open(now)
    ]


def places_taken(*, target) -> int:
    field = "cohort" if isinstance(target, Cohort) else "activity"
    return Enrolment.objects.filter(**{field: target, "state__in": HOLDING}).count()


def activity_places_left(*, activity) -> int | None:
    """How many places of an activity are free now; None when it has no capacity."""
    if activity.capacity is None:
        return None
    return max(0, activity.capacity - places_taken(target=activity))


def enrolment_of(*, user, cohort: Cohort | None = None, activity=None) -> Enrolment | None:
    """`user`'s place in a cohort, or registration for an activity (the newest: after a
    withdrawal a person may register again, and the old one stays as history)."""
    if not user.is_authenticated:
        return None
    if cohort is not None:
        return Enrolment.objects.filter(cohort=cohort, user=user).first()
    return Enrolment.objects.filter(activity=activity, user=user).order_by("-pk").first()


def place_of_owner(*, user, enrolment_id: int) -> Enrolment | None:
    """One place, only for the person it belongs to."""
    if not user.is_authenticated:
        return None
    return (
        Enrolment.objects.select_related("cohort__programme", "activity", "organisation")
        .filter(pk=enrolment_id, user=user)
        .first()
    )


def places_of(*, user) -> list[Enrolment]:
    """Every cohort place and activity registration of `user`, newest first, each with its
    waitlist `position` (a query only for the few that wait)."""
    if not user.is_authenticated:
        return []
    rows = list(
        Enrolment.objects.filter(user=user)
        .select_related("cohort__programme", "activity")
        .order_by("-submitted_at", "-id")
    )
    for row in rows:
        row.position = waitlist_position(row)
    return rows


def cohorts_with_activity_for(*, user, activity) -> list[Cohort]:
    """The cohorts in which `user` has a confirmed place and which include `activity`."""
    if not user.is_authenticated:
        return []
    return list(
        Cohort.objects.filter(
            activities=activity, enrolments__user=user, enrolments__state__in=CONFIRMED
        ).distinct()
    )


def _learner_place(state: str) -> LearnerPlace:
    if state in CONFIRMED:
        return LearnerPlace("confirmed")
    if state == EnrolmentState.OFFERED:
        return LearnerPlace("offered")
    return LearnerPlace("pending")


def activity_places_of(*, user) -> dict[int, LearnerPlace]:
    """{activity id: LearnerPlace} over `user`'s activity registrations that hold or are
    offered a place, and the activities of the cohorts where they hold one. A cohort member's
    own registration for the activity says where they stand there: the activity's rules may
    have waitlisted them, and a place waited for is not one of their activities (My learning
    lists it among those they wait for, with the position); the cohort speaks only for
    activities without a registration."""
    places: dict[int, LearnerPlace] = {}
    cohorts: dict[int, str] = {}
    registered: set[int] = set()
    rows = Enrolment.objects.filter(user=user).exclude(
        state__in=(EnrolmentState.REJECTED, EnrolmentState.SUBMITTED)
    )
    for row in rows.only("id", "activity_id", "cohort_id", "state"):
        if row.activity_id:
            registered.add(row.activity_id)
            if row.state not in HOLDING:  # withdrawn, or waiting for a place
                continue
            place = _learner_place(row.state)
            current = places.get(row.activity_id)
            if current is None or place.rank > current.rank:
                places[row.activity_id] = place
        elif row.state in HOLDING:
            best = cohorts.get(row.cohort_id)
            if best is None or (row.state in CONFIRMED and best not in CONFIRMED):
                cohorts[row.cohort_id] = row.state
    if cohorts:
        links = Cohort.activities.through.objects.filter(cohort_id__in=list(cohorts))
        for cohort_id, activity_id in links.values_list("cohort_id", "activitypage_id"):
            if activity_id in registered:
                continue
            place = _learner_place(cohorts[cohort_id])
            current = places.get(activity_id)
            if current is None or place.rank > current.rank:
                places[activity_id] = place
    return places


@dataclass
class CountryPlaces:
    """The places a focal point's country may still fill in a nomination cohort."""

    country: str
    name: str
    limit: int | None
    taken: int
    left: int


def nomination_places(*, cohort: Cohort, country_codes: list[str]) -> list[CountryPlaces]:
    caps = [
        rule
        for rule in cohort.place_rules.all()
        if rule.kind == RuleKind.CAP and rule.attribute == RuleAttribute.COUNTRY
    ]
    holding = Enrolment.objects.filter(cohort=cohort, state__in=HOLDING)
    per_country = {
        str(code): n
        for code, n in holding.filter(country__in=country_codes)
        .order_by()
        .values_list("country")
        .annotate(n=Count("id"))
        .values_list("country", "n")
    }
    free_overall = max(0, cohort.capacity - holding.count())
    result = []
    for code in country_codes:
        limits = [rule.limit for rule in caps if not rule.value or rule.value == code]
        limit = min(limits) if limits else None
        taken = per_country.get(code, 0)
        left = free_overall if limit is None else min(free_overall, max(0, limit - taken))
        result.append(CountryPlaces(code, countries.name(code) or code, limit, taken, left))
    return result


def cohorts_to_nominate_for(*, user) -> list[Cohort]:
    """The nomination cohorts, not yet ended, of the programmes `user` is a focal point for
    (every programme when a focal point row names none), by nomination deadline."""
    if not user.is_authenticated:
        return []
    programmes = list(FocalPoint.objects.filter(user=user).values_list("programme_id", flat=True))
    if not programmes:
        return []
    cohorts = Cohort.objects.filter(
        enrolment_mode=EnrolmentMode.NOMINATION, ends_on__gte=timezone.localdate()
    ).select_related("programme")
    if None not in programmes:
        cohorts = cohorts.filter(programme_id__in=programmes)
    return list(cohorts.order_by("nomination_deadline", "starts_on", "title"))


def nominees_of(*, cohort: Cohort, country_codes: list[str]) -> list[Enrolment]:
    """The places of a focal point's countries: the ones still holding first."""
    rows = list(
        Enrolment.objects.filter(cohort=cohort, country__in=country_codes)
        .select_related("user")
        .order_by("country", "submitted_at", "id")
    )
    return sorted(rows, key=lambda row: (row.state not in HOLDING, str(row.country)))
