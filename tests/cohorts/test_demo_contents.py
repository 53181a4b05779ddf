"""What the cohorts demo holds, read by tests that share one loading of it: BEP 2026 run by the
Finnish presidency with about forty applicants, capped places and a waitlist, a NEEDS nomination
round and a study visit with registrations."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cohorts import demo
from cohorts.demo import STUDY_VISIT_SLUG
from cohorts.models import (
    HOLDING,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    FocalPoint,
    RuleAttribute,
    RuleKind,
)
from cohorts.places import services
from cohorts.places.selectors import cohorts_managed_by, waitlist_of, waitlist_position
from cohorts.places.services import focal_point_countries
from lms.models import Event, Organisation, Profile, User
from programmes.models import ActivityPage, ModulePage, ProgrammePage
from tests.cohorts.test_demo import MEMBER_STATES, bep, needs, person
from tests.shared_demo import demo_once

pytestmark = pytest.mark.django_db


demo_loaded = demo_once()


def test_bep_2026_has_forty_applicants_and_two_places_per_country_as_the_presidency_set(
    demo_loaded,
):
    cohort = bep()
    programme = ProgrammePage.objects.get(slug="baltic-excellence-programme")

    assert cohort.programme_id == programme.pk
    assert cohort.presidency_country == "FI"
    assert cohort.enrolment_mode == EnrolmentMode.APPROVAL
    assert cohort.applications_open()
    assert (cohort.capacity, cohort.offer_hours) == (20, 72)
    rules = {(r.kind, r.attribute, r.value): r for r in cohort.place_rules.all()}
    assert rules[(RuleKind.CAP, RuleAttribute.COUNTRY, "")].limit == 2
    reserved = rules[(RuleKind.MINIMUM, RuleAttribute.SECTOR, "municipality")]
    assert reserved.limit == 1
    assert timezone.now() < reserved.reserved_until < cohort.applications_close_at
    questions = list(cohort.questions.all())
    assert [(q.required, q.long_answer) for q in questions] == [(True, True), (True, False)]
    assert questions[0].label.startswith("Why do you want to take part")
    assert questions[1].label == "Your current role"
    assert set(cohort.modules.all()) == set(ModulePage.objects.child_of(programme))
    # The programme's activities that can take every member; the study visit (one place per
    # country, two per country in the cohort) is not one of them.
    activities = set(cohort.activities.all())
    assert activities == {
        a for a in ActivityPage.objects.child_of(programme) if a.slug != STUDY_VISIT_SLUG
    }
    assert activities
    assert not services.cohort_activity_rule_problems(
        capacity=cohort.capacity,
        country_cap=services.cohort_country_cap(cohort.place_rules.all()),
        activities=activities,
    )
    for activity in cohort.activities.all():
        assert cohort.starts_on <= timezone.localdate(activity.starts_at) <= cohort.ends_on
    enrolments = list(cohort.enrolments.select_related("user__profile"))
    assert len(enrolments) == 40
    assert {str(e.country) for e in enrolments} == MEMBER_STATES
    holding = Counter(str(e.country) for e in enrolments if e.state in HOLDING)
    assert max(holding.values()) == 2
    assert sum(holding.values()) <= cohort.capacity
    states = Counter(e.state for e in enrolments)
    assert states[EnrolmentState.ACCEPTED] >= 10
    assert states[EnrolmentState.SUBMITTED] >= 10, "staff have applications left to review"
    assert states[EnrolmentState.REJECTED] >= 3
    assert states[EnrolmentState.WITHDRAWN] == 1
    # Every holder owns its claims: one for the cohort and one for its country.
    for enrolment in enrolments:
        expected = 2 if enrolment.state in HOLDING else 0
        assert enrolment.claims.count() == expected, enrolment.user
    for enrolment in enrolments:
        answers = [item["answer"] for item in enrolment.answers.values()]
        assert len(answers) == 2 and len(answers[0]) > 200, enrolment.user
    rejected = [e for e in enrolments if e.state == EnrolmentState.REJECTED]
    assert all(len(e.decision_reason) > 40 for e in rejected)
    assert len({str(e.organisation) for e in enrolments}) >= 30
    assert len({e.sector for e in enrolments}) >= 7
    assert {e.level for e in enrolments} >= {"local", "regional", "national"}
    events = Counter(Event.objects.values_list("name", flat=True))
    assert events["cohorts.enrolment.submitted"] == 40
    assert events["cohorts.enrolment.rejected"] == len(rejected)


def test_the_waitlist_is_ordered_and_says_why_each_person_waits(demo_loaded):
    cohort = bep()

    waiting = list(waitlist_of(cohort))

    assert len(waiting) >= 3
    assert [waitlist_position(e) for e in waiting] == list(range(1, len(waiting) + 1))
    holding = Counter(
        str(c)
        for c in cohort.enrolments.filter(state__in=HOLDING).values_list("country", flat=True)
    )
    for enrolment in waiting:
        # Everyone waiting is from a country whose two places are held, and staff see so.
        assert holding[str(enrolment.country)] == 2, enrolment.user
        assert enrolment.country.name in enrolment.skipped_reason, enrolment.user
    # The Finn who withdrew freed a place that went to the next eligible Finn, not to the
    # Swede at the head of the waitlist.
    withdrawn = cohort.enrolments.get(state=EnrolmentState.WITHDRAWN)
    offered = cohort.enrolments.get(state=EnrolmentState.OFFERED)
    assert withdrawn.country == offered.country == "FI"
    assert waiting[0].country == "SE"
    assert offered.waitlist_seq > waiting[0].waitlist_seq
    expected = timezone.now() + timedelta(hours=72)
    assert abs(offered.offer_expires_at - expected) < timedelta(minutes=5)


def test_presidency_staff_manage_only_their_cohort_and_admins_see_all(demo_loaded, client):
    staff = User.objects.get(email="presidency.fi@bsr-academy.local")
    admin = User.objects.create_superuser(email="admin@example.org", password="x")

    assert list(cohorts_managed_by(staff)) == [bep()]
    # Admins manage every cohort (other demos add editions of their own).
    assert {bep(), needs()} <= set(cohorts_managed_by(admin))
    assert bep().staff_group.user_set.get() == staff
    assert not needs().staff_group.user_set.exists()
    assert client.login(username="presidency.fi@bsr-academy.local", password="baltic-staff")
    # Every decision is in the audit log under the staff member's name.
    decided = bep().enrolments.exclude(
        state__in=[EnrolmentState.SUBMITTED, EnrolmentState.OFFERED, EnrolmentState.WITHDRAWN]
    )
    for enrolment in decided:
        entry = ModelLogEntry.objects.filter(
            object_id=str(enrolment.pk), action__startswith="cohorts.enrolment."
        ).first()
        assert entry is not None and entry.user_id == staff.pk, enrolment.user


def test_a_nomination_round_with_focal_points_a_confirmation_and_a_substitution(
    demo_loaded, client
):
    cohort = needs()

    assert cohort.enrolment_mode == EnrolmentMode.NOMINATION
    assert cohort.nominations_open()
    focal_lv = User.objects.get(email="focal.lv@bsr-academy.local")
    assert focal_point_countries(user=focal_lv, cohort=cohort) == ["LV"]
    assert client.login(username="focal.lv@bsr-academy.local", password="baltic-staff")
    assert FocalPoint.objects.count() >= 3
    enrolments = {e.user.get_full_name(): e for e in cohort.enrolments.select_related("user")}
    states = Counter(e.state for e in enrolments.values())
    assert states[EnrolmentState.NOMINATED] >= 2
    assert enrolments["Elīna Vītola"].state == EnrolmentState.ACCEPTED
    assert enrolments["Aistė Kazlauskaitė"].state == EnrolmentState.WITHDRAWN
    assert enrolments["Mindaugas Žilinskas"].state == EnrolmentState.NOMINATED
    assert enrolments["Mindaugas Žilinskas"].nominated_by.email == "focal.lt@bsr-academy.local"
    holding = Counter(str(e.country) for e in enrolments.values() if e.state in HOLDING)
    assert max(holding.values()) <= 2
    assert not Event.objects.filter(
        name="cohorts.enrolment.withdrawn", payload__freed=True, payload__cohort_id=cohort.pk
    ).exists(), "a substitution passes the place on directly, never to the waitlist"


def test_names_and_organisations_keep_every_diacritic_and_participants_can_log_in(
    demo_loaded, client
):
    names = set(Profile.objects.values_list("full_name", flat=True))
    for name in [
        "Jānis Bērziņš",
        "Žydrūnas Šimkus",
        "Þórunn Guðmundsdóttir",
        "Małgorzata Wąsowska",
        "Søren Ærø",
        "Õie Täht",
        "Ģirts Ķēniņš",
        "Ąžuolas Čepulis",
        "Åsa Lindqvist",
        "Jürgen Größ",
    ]:
        assert name in names
    assert {p.name for p in demo.APPLICANTS} <= names
    assert person("Jürgen Größ").email == "jurgen.gross@example.org"
    assert person("Þórunn Guðmundsdóttir").email == "thorunn.gudmundsdottir@example.org"
    assert Organisation.objects.filter(name="Państwowa Straż Pożarna", country="PL").exists()
    assert Organisation.objects.filter(name="Landhelgisgæsla Íslands", country="IS").exists()
    # Demo people live on reserved domains only (group members without an account: .invalid).
    for email in User.objects.values_list("email", flat=True):
        assert email.endswith(("@example.org", "@bsr-academy.local", "@members.invalid")), email
    assert client.login(username=person("Jānis Bērziņš").email, password="baltic-participant")


def test_a_study_visit_with_one_place_per_country_and_a_waitlist(demo_loaded):
    visit = ActivityPage.objects.get(slug="study-visit-warsaw-crisis-management")
    registrations = list(Enrolment.objects.filter(activity=visit))

    accepted = [e for e in registrations if e.state == EnrolmentState.ACCEPTED]
    waiting = list(waitlist_of(visit))

    assert len(accepted) >= 8
    assert len({str(e.country) for e in accepted}) == len(accepted)
    assert len(waiting) >= 2
    for enrolment in waiting:
        assert enrolment.country.name in enrolment.skipped_reason
    # The participants registered are BEP 2026's own.
    assert all(bep().enrolments.filter(user=e.user).exists() for e in registrations)
