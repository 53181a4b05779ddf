"""National focal points nominate and substitute their country's participants before the
deadline; nominees confirm their own place."""

import datetime as dt

import pytest

from cohorts.errors import CohortsError
from cohorts.models import Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places import services
from lms.models import Event, User
from tests.cohorts.conftest import claims_of, events_of

pytestmark = pytest.mark.django_db

S = EnrolmentState

LATVIANS = [
    ("janis.berzins@vugd.gov.lv", "Jānis Bērziņš"),
    ("liga.ozolina@vugd.gov.lv", "Līga Ozoliņa"),
    ("karlis.kalnins@vugd.gov.lv", "Kārlis Kalniņš"),
]


def latvian(index: int) -> services.Nominee:
    email, name = LATVIANS[index]
    return services.Nominee(
        email=email,
        full_name=name,
        country="LV",
        organisation_name="Valsts ugunsdzēsības un glābšanas dienests",
        sector="fire_rescue",
        level="national",
    )


@pytest.fixture
def cohort(make_cohort, clock):
    return make_cohort(
        capacity=20,
        country_cap=2,
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=clock.now + dt.timedelta(days=14),
    )


@pytest.fixture
def focal_point(make_focal_point):
    return make_focal_point("LV")


def test_a_focal_point_nominates_up_to_the_countrys_places(cohort, focal_point):
    first = services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))
    second = services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(1))

    with pytest.raises(CohortsError) as refused:
        services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(2))

    assert [first.state, second.state] == [S.NOMINATED, S.NOMINATED]
    assert first.nominated_by == focal_point
    assert first.user.profile.full_name == "Jānis Bērziņš"
    assert first.organisation.name == "Valsts ugunsdzēsības un glābšanas dienests"
    assert claims_of(first) == 2  # the cohort's place and Latvia's
    assert events_of(first) == ["nominated"]
    assert refused.value.code == "no_place"
    assert refused.value.message == (
        "Kārlis Kalniņš cannot be nominated: the places for Latvia are taken (2 of 2)."
    )
    # Nothing of the refused nomination is left behind, not even an account.
    assert not User.objects.filter(email="karlis.kalnins@vugd.gov.lv").exists()
    assert Enrolment.objects.filter(cohort=cohort).count() == 2
    assert Event.objects.filter(name="cohorts.enrolment.nominated").count() == 2


def test_a_nominee_with_an_account_keeps_their_profile(cohort, focal_point, make_person):
    existing = make_person("LV", full_name="Līga Ozoliņa")

    enrolment = services.nomination_create(
        actor=focal_point,
        cohort=cohort,
        nominee=services.Nominee(email=existing.email, full_name="L. Ozolina", country="LV"),
    )

    assert enrolment.user == existing
    existing.profile.refresh_from_db()
    assert existing.profile.full_name == "Līga Ozoliņa"


def test_nominating_the_same_person_twice_is_refused(cohort, focal_point):
    services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))

    with pytest.raises(CohortsError) as refused:
        services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))

    assert refused.value.code == "duplicate"
    assert Enrolment.objects.filter(cohort=cohort).count() == 1


def test_a_focal_point_of_another_country_is_refused(cohort, make_focal_point):
    estonian_focal_point = make_focal_point("EE")

    with pytest.raises(CohortsError) as refused:
        services.nomination_create(actor=estonian_focal_point, cohort=cohort, nominee=latvian(0))

    assert refused.value.code == "forbidden"
    assert not Enrolment.objects.filter(cohort=cohort).exists()
    assert not Event.objects.filter(name__startswith="cohorts.").exists()


def test_a_focal_point_for_another_programme_is_refused(cohort, make_focal_point, make_programme):
    needs = make_programme(title="NEEDS", slug="needs")
    needs_only = make_focal_point("LV", programme=needs)

    with pytest.raises(CohortsError) as refused:
        services.nomination_create(actor=needs_only, cohort=cohort, nominee=latvian(0))

    assert refused.value.code == "forbidden"
    assert services.focal_point_countries(user=needs_only, cohort=cohort) == []


def test_nominations_close_at_the_deadline(cohort, focal_point, clock):
    clock.now = cohort.nomination_deadline

    with pytest.raises(CohortsError) as refused:
        services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))

    assert refused.value.code == "closed"
    assert refused.value.message == "The nomination deadline has passed."
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_a_nomination_cohort_takes_no_applications(cohort, make_person):
    with pytest.raises(CohortsError) as refused:
        services.enrolment_apply(user=make_person("LV"), cohort=cohort)

    assert refused.value.code == "nomination_only"


def test_substitution_passes_the_place_directly(
    make_cohort, make_person, focal_point, staff, clock, django_capture_on_commit_callbacks
):
    # Staff kept a waitlist while the cohort took applications, then switched to nominations.
    cohort = make_cohort(
        capacity=2,
        country_cap=2,
        enrolment_mode=EnrolmentMode.APPROVAL,
        nomination_deadline=clock.now + dt.timedelta(days=14),
    )
    waiting = services.enrolment_apply(user=make_person("EE"), cohort=cohort)
    [result] = services.enrolment_decide(
        enrolment_ids=[waiting.pk], decision="waitlist", actor=staff
    )
    assert result.ok
    cohort.enrolment_mode = EnrolmentMode.NOMINATION
    cohort.save()
    first = services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))
    services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(1))

    with django_capture_on_commit_callbacks(execute=True):
        substitute = services.nomination_substitute(
            actor=focal_point, enrolment=first, nominee=latvian(2)
        )

    first.refresh_from_db()
    assert first.state == S.WITHDRAWN
    assert first.decision_reason == "substituted by the focal point"
    assert claims_of(first) == 0
    assert substitute.state == S.NOMINATED
    assert substitute.user.email == "karlis.kalnins@vugd.gov.lv"
    assert claims_of(substitute) == 2
    assert events_of(first) == ["nominated", "withdrawn"]
    assert Event.objects.get(name="cohorts.enrolment.withdrawn").payload["freed"] is False
    assert events_of(substitute) == ["nominated"]
    # The Estonian waiting for the cohort's next free place was not offered this one.
    waiting.refresh_from_db()
    assert waiting.state == S.WAITLISTED
    assert not Event.objects.filter(name="cohorts.enrolment.offered").exists()


def test_another_countrys_focal_point_cannot_substitute(cohort, focal_point, make_focal_point):
    first = services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))

    with pytest.raises(CohortsError) as refused:
        services.nomination_substitute(
            actor=make_focal_point("EE"), enrolment=first, nominee=latvian(1)
        )

    assert refused.value.code == "forbidden"
    first.refresh_from_db()
    assert first.state == S.NOMINATED
    assert events_of(first) == ["nominated"]


def test_the_nominee_confirms_and_nobody_else_can(cohort, focal_point, make_person):
    enrolment = services.nomination_create(actor=focal_point, cohort=cohort, nominee=latvian(0))
    token = services.nomination_token_issue(enrolment=enrolment)

    with pytest.raises(CohortsError) as refused:
        services.nomination_confirm(enrolment=enrolment, user=make_person("LV"))
    assert refused.value.code == "forbidden"
    enrolment.refresh_from_db()
    assert enrolment.state == S.NOMINATED

    found = services.enrolment_by_token(token)
    services.nomination_confirm(enrolment=found, user=enrolment.user)

    enrolment.refresh_from_db()
    assert enrolment.state == S.ACCEPTED
    assert enrolment.token_hash is None
    assert claims_of(enrolment) == 2
    assert events_of(enrolment) == ["nominated", "accepted"]
