"""Fixtures for cohorts: a programme with a cohort, people from the member states, and an
activity, built the way staff and participants would create them."""

import datetime as dt

import factory
import pytest
from django.utils import timezone

from cohorts.models import Cohort, EnrolmentMode, PlaceRule, RuleAttribute, RuleKind
from lms.models import Sector
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.conftest import (  # noqa: F401 (fixtures)
    ProgrammeIndexPageFactory,
    ProgrammePageFactory,
    home,
    make_programme,
    programme_index,
)

COUNTRIES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE", "EU"]


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    title = factory.Sequence(lambda n: f"BEP {2026 + n} — Finnish presidency")
    slug = factory.Sequence(lambda n: f"bep-{2026 + n}")
    presidency_country = "FI"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))
    enrolment_mode = EnrolmentMode.OPEN
    capacity = 30


@pytest.fixture
def programme(make_programme):  # noqa: F811
    return make_programme(title="Baltic Excellence Programme", slug="bep", short_name="BEP")


@pytest.fixture
def make_cohort(programme):
    def make(*, country_cap: int | None = None, rules=(), **kwargs) -> Cohort:
        kwargs.setdefault("programme", programme)
        cohort = CohortFactory(**kwargs)
        if country_cap:
            PlaceRule.objects.create(
                cohort=cohort,
                kind=RuleKind.CAP,
                attribute=RuleAttribute.COUNTRY,
                limit=country_cap,
            )
        for rule in rules:
            PlaceRule.objects.create(cohort=cohort, **rule)
        return cohort

    return make


@pytest.fixture
def make_person(db):
    def make(country: str = "LV", *, sector: str = Sector.FIRE_RESCUE, organisation=None, **kw):
        organisation = organisation or OrganisationFactory(country=country, sector=sector)
        return UserFactory(
            profile__country=country,
            profile__sector=sector,
            profile__organisation=organisation,
            **{f"profile__{k}": v for k, v in kw.items()},
        )

    return make


# --- shared by the service, state-machine, nomination and concurrency tests --------------------


@pytest.fixture
def make_activity(programme):
    from tests.programmes.builders import ActivityPageFactory

    def make(**kwargs):
        kwargs.setdefault("parent", programme)
        return ActivityPageFactory(**kwargs)

    return make


@pytest.fixture
def make_focal_point(db):
    from cohorts.models import FocalPoint

    def make(country: str, *, programme=None, user=None):
        user = user or UserFactory(profile__country=country)
        FocalPoint.objects.create(user=user, country=country, programme=programme)
        return user

    return make


@pytest.fixture
def staff(db):
    """A programme admin who takes decisions in the cohort desk."""
    return UserFactory(is_staff=True, is_superuser=True, profile__full_name="Õie Täht")


class Clock:
    """The services' idea of now, moved by hand: `clock.now += timedelta(hours=73)`."""

    def __init__(self):
        self.now = timezone.now()

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    # Sessions live in the database, whose expiry follows this clock: a login made before a
    # jump of days (to an activity's morning) must outlast it, as the idle logout is not what
    # these tests are about (it has its own).
    settings.SESSION_COOKIE_AGE = settings.STAFF_SESSION_IDLE_SECONDS = 10 * 365 * 24 * 3600
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def events_of(enrolment) -> list[str]:
    """The cohort events recorded for one enrolment, oldest first, as their last word."""
    from lms.models import Event

    names = Event.objects.filter(
        name__startswith="cohorts.enrolment.", payload__enrolment_id=enrolment.pk
    ).order_by("pk")
    return [name.rsplit(".", 1)[1] for name in names.values_list("name", flat=True)]


def claims_of(enrolment) -> int:
    return enrolment.claims.count()


# The youth-group fixtures (an exchange, leaders, groups and members), shared by the group tests.
from tests.cohorts.groups_builders import (  # noqa: E402, F401
    add_member,
    add_members,
    exchange,
    group,
    leader,
    make_group,
    other_leader,
)
