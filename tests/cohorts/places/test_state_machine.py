"""Every transition of an enrolment, tried through the services people use: the ones the state
machine allows happen (with their event), the others are refused and change nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.models import TRANSITIONS, EnrolmentMode, EnrolmentState
from cohorts.places import services
from lms.errors import LmsError
from lms.models import Event
from programmes.progress.services import progress_step_complete
from tests.cohorts.conftest import claims_of, events_of
from tests.programmes.builders import ModulePageFactory

pytestmark = pytest.mark.django_db

S = EnrolmentState


@pytest.fixture
def module(programme):
    return ModulePageFactory(parent=programme)


@pytest.fixture
def reach(make_cohort, make_person, make_focal_point, module, staff):
    """An enrolment brought to `state` the way it happens in practice."""

    def reach(state: str):
        cohort = make_cohort(capacity=5, enrolment_mode=EnrolmentMode.APPROVAL)
        cohort.modules.add(module)
        cohort.save()
        person = make_person("LV")
        if state == S.PENDING_CONSENT:
            return held_for_consent(cohort)
        if state == S.NOMINATED:
            cohort.enrolment_mode = EnrolmentMode.NOMINATION
            cohort.nomination_deadline = timezone.now() + dt.timedelta(days=7)
            cohort.save()
            focal_point = make_focal_point("LV")
            return services.nomination_create(
                actor=focal_point,
                cohort=cohort,
                nominee=services.Nominee(
                    email="janis.berzins@example.lv", full_name="Jānis Bērziņš", country="LV"
                ),
            )
        enrolment = services.enrolment_apply(user=person, cohort=cohort)
        decision = {
            S.ACCEPTED: "accept",
            S.COMPLETED: "accept",
            S.WAITLISTED: "waitlist",
            S.OFFERED: "waitlist",
            S.REJECTED: "reject",
        }.get(state)
        if decision:
            services.enrolment_decide(enrolment_ids=[enrolment.pk], decision=decision, actor=staff)
        if state == S.OFFERED:
            services.waitlist_promote(target=cohort)
        if state == S.WITHDRAWN:
            services.enrolment_withdraw(enrolment=enrolment, actor=person)
        if state == S.COMPLETED:
            complete_module(person, module)
        enrolment.refresh_from_db()
        assert enrolment.state == state
        return enrolment

    return reach


def held_for_consent(cohort):
    """A minor's place booked by their group's leader: held until the guardian consents."""
    cohort.enrolment_mode = EnrolmentMode.OPEN
    cohort.starts_on = timezone.localdate() + dt.timedelta(days=30)
    cohort.ends_on = cohort.starts_on + dt.timedelta(days=3)
    cohort.save()
    leader = make_leader()
    group = groups.group_create(
        actor=leader,
        data=groups.GroupData(
            name="Cēsu jaunie glābēji", organisation="VUGD", country="LV", kind="rescue_youth"
        ),
    )
    member = groups.member_add(
        actor=leader,
        group=group,
        data=groups.MemberData(
            first_name="Līva",
            family_name="Ozoliņa",
            birth_year=timezone.localdate().year - 12,
            birth_date=None,
            guardian_name="Inese Ozoliņa",
            guardian_email="inese.ozolina@example.lv",
        ),
    )
    groups.group_book(actor=leader, group=group, target=cohort, member_ids=[member.pk], mode="all")
    enrolment = cohort.enrolments.get(user=member.person)
    assert enrolment.state == S.PENDING_CONSENT
    return enrolment


def make_leader():
    from tests.factories import UserFactory

    return UserFactory(profile__full_name="Agnese Bērziņa", profile__country="LV")


def guardian_consents(enrolment) -> None:
    """The guardian gives consent by the link e-mailed to them."""
    from lms.consent.services import consent_give, notice_current
    from lms.models import ConsentToken, GuardianConsent, OutgoingEmail
    from lms.tokens import token_digest

    consent = GuardianConsent.objects.filter(subject_key=f"enrolment:{enrolment.pk}").first()
    if consent is None:
        raise CohortsError("refused", "No guardian was asked about this place.")
    email = OutgoingEmail.objects.filter(recipient=consent.guardian_email).order_by("-pk").first()
    token = re.search(r"/consent/([A-Za-z0-9_-]{43})/", email.body_text).group(1)
    assert ConsentToken.objects.get(digest=token_digest(token)).consent_id == consent.pk
    try:
        consent_give(
            token=token,
            consent_id=consent.pk,
            guardian_name="Inese Ozoliņa",
            notice_version=notice_current().version,
        )
    except LmsError as exc:
        raise CohortsError("refused", exc.message) from exc


def complete_module(user, module) -> None:
    for step in module.lessons:
        progress_step_complete(user=user, module=module, step_id=step.id)
    services.enrolment_complete_check(user_id=user.pk)


# What each action turns an enrolment into, when it is allowed to.
ACTIONS = {
    "accept": S.ACCEPTED,
    "waitlist": S.WAITLISTED,
    "reject": S.REJECTED,
    "withdraw": S.WITHDRAWN,
    "offer": S.OFFERED,
    "accept_offer": S.ACCEPTED,
    "decline_offer": S.WITHDRAWN,
    "confirm": S.ACCEPTED,
    "complete": S.COMPLETED,
    "consent": S.ACCEPTED,
}
# Which states each action starts from (the rest must be refused or leave it alone).
ALLOWED_FROM = {
    "accept": {S.SUBMITTED, S.NOMINATED, S.WAITLISTED, S.OFFERED},
    "waitlist": {S.SUBMITTED},
    "reject": {S.SUBMITTED, S.WAITLISTED},
    "withdraw": {S.SUBMITTED, S.NOMINATED, S.WAITLISTED, S.OFFERED, S.PENDING_CONSENT, S.ACCEPTED},
    "offer": {S.WAITLISTED},
    "accept_offer": {S.OFFERED},
    "decline_offer": {S.OFFERED},
    "confirm": {S.NOMINATED},
    "complete": {S.ACCEPTED},
    "consent": {S.PENDING_CONSENT},
}
EVENT = {
    "accept": "accepted",
    "waitlist": "waitlisted",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "offer": "offered",
    "accept_offer": "accepted",
    "decline_offer": "withdrawn",
    "confirm": "accepted",
    "complete": "completed",
    "consent": "accepted",
}


def test_the_services_allow_exactly_the_transitions_of_the_state_machine():
    reachable = {
        (start, ACTIONS[action]) for action, starts in ALLOWED_FROM.items() for start in starts
    }
    declared = {(start, end) for start, ends in TRANSITIONS.items() for end in ends}
    assert reachable == declared


def act(action: str, enrolment, staff, module) -> None:
    """Do `action` as the person who would; raise CohortsError when it is refused."""
    if action in ("accept", "waitlist", "reject"):
        [result] = services.enrolment_decide(
            enrolment_ids=[enrolment.pk], decision=action, reason="Panel of 3 March", actor=staff
        )
        if not result.ok:
            raise CohortsError("refused", result.message)
    elif action == "withdraw":
        services.enrolment_withdraw(enrolment=enrolment, actor=enrolment.user)
    elif action == "offer":
        services.waitlist_promote(target=enrolment.cohort)
    elif action in ("accept_offer", "decline_offer"):
        services.offer_respond(enrolment=enrolment, accept=action == "accept_offer")
    elif action == "confirm":
        services.nomination_confirm(enrolment=enrolment, user=enrolment.user)
    elif action == "complete":
        complete_module(enrolment.user, module)
    elif action == "consent":
        guardian_consents(enrolment)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("start", list(S))
def test_transition(start, action, reach, staff, module):
    enrolment = reach(start)
    events_before = events_of(enrolment)
    claims_before = claims_of(enrolment)
    end = ACTIONS[action]

    if start in ALLOWED_FROM[action]:
        act(action, enrolment, staff, module)
        enrolment.refresh_from_db()
        assert enrolment.state == end
        assert events_of(enrolment) == events_before + [EVENT[action]]
        # A place is held exactly while the state holds one: one claim for the whole cohort.
        assert claims_of(enrolment) == (1 if enrolment.holds_place else 0)
        return

    cohort_events = Event.objects.filter(name__startswith="cohorts.")
    event_count = cohort_events.count()
    try:
        act(action, enrolment, staff, module)
        refused = None
    except CohortsError as exc:
        refused = exc
    enrolment.refresh_from_db()
    assert enrolment.state == start
    assert claims_of(enrolment) == claims_before
    assert events_of(enrolment) == events_before
    if start == end and action in ("accept", "waitlist", "reject"):
        # Deciding what is already decided is a harmless repeat, not an error.
        assert refused is None
        return
    if action in ("offer", "complete"):
        # Sweeps over many people: those it does not apply to are left alone.
        assert refused is None
        assert cohort_events.count() == event_count
        return
    assert refused is not None
    expected_code = {
        "withdraw": "bad_transition",
        "accept_offer": "no_offer",
        "decline_offer": "no_offer",
        "confirm": "no_nomination",
    }.get(action, "refused")
    assert refused.code == expected_code
    if action in ("accept", "waitlist", "reject", "withdraw"):
        assert "cannot be" in refused.message
    assert cohort_events.count() == event_count
