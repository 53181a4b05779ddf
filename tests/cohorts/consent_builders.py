"""Shared by the guardian-consent tests: a youth group with minors who have no account, a place
held for a minor pending consent (built the way a group booking holds it: under the place lock,
through the place book, with the consent request in the same transaction), and the links the
guardian finds in their e-mails."""

import datetime as dt
import re
import secrets

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from cohorts.groups.consent import enrolment_consent_request
from cohorts.models import (
    Cohort,
    Enrolment,
    EnrolmentSource,
    EnrolmentState,
    GroupKind,
    GroupMember,
    YouthGroup,
)
from cohorts.places.services.book import (
    PlaceBook,
    enrolment_snapshot,
    place_lock,
    place_transaction,
)
from lms.models import OutgoingEmail, Profile, User
from tests.factories import UserFactory

LINK_RE = re.compile(r"/consent/([A-Za-z0-9_-]{43})/")


def youth_activity(*, title: str, days_ahead: int, **fields):
    """A published BYFORES activity in Latvia under a fresh programme tree (for browser tests,
    whose transactional database starts with the home page only)."""
    from lms.models import HomePage
    from programmes.models import ActivityPage
    from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory

    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    programme = ProgrammePageFactory(parent=index, title="Baltic Youth for a Resilient Society")
    starts = timezone.now() + dt.timedelta(days=days_ahead)
    activity = ActivityPage(
        title=title,
        slug=slugify(title),
        kind="workshop",
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=3),
        time_zone="Europe/Riga",
        venue_country="LV",
        **fields,
    )
    programme.add_child(instance=activity)
    return activity


def youth_group(*, country="LV", name="Rīgas Jaunie Glābēji", leader=None) -> YouthGroup:
    group = YouthGroup.objects.create(
        name=name,
        organisation="Latvijas Sarkanais Krusts",
        country=country,
        kind=GroupKind.RESCUE_YOUTH,
    )
    group.leaders.add(leader or UserFactory(profile__full_name="Ilze Kalniņa"))
    return group


def member_of(
    group: YouthGroup,
    *,
    first="Jānis",
    family="Bērziņš",
    birth_date=dt.date(2015, 5, 1),
    guardian_email="anna.berzina@example.lv",
    guardian_name="Anna Bērziņa",
    guardian_language="en",
) -> GroupMember:
    """A member without an account: a person record that cannot log in or receive mail. Their
    guardian reads English unless told otherwise ("": the group's country's language)."""
    person = User.objects.create(
        email=f"member-{secrets.token_hex(8)}@members.invalid",
        password=make_password(None),
        is_active=False,
        first_name=first,
        last_name=family,
    )
    Profile.objects.create(
        user=person,
        full_name=f"{first} {family}",
        country=group.country.code,
        date_of_birth=birth_date,
    )
    return GroupMember.objects.create(
        group=group,
        person=person,
        first_name=first,
        family_name=family,
        birth_year=birth_date.year if birth_date else 2015,
        birth_date=birth_date,
        guardian_name=guardian_name,
        guardian_email=guardian_email,
        guardian_language=guardian_language,
    )


def hold_for_consent(target, member: GroupMember, *, actor=None) -> Enrolment:
    """A minor's place held pending consent, and the guardian asked, in one place transaction."""
    with place_transaction():
        place_lock(target)
        enrolment = Enrolment(user=member.person, source=EnrolmentSource.GROUP, group=member.group)
        if isinstance(target, Cohort):
            enrolment.cohort = target
        else:
            enrolment.activity = target
        enrolment_snapshot(enrolment, member.person.profile)
        enrolment.state = EnrolmentState.PENDING_CONSENT
        enrolment.save()
        blocked = PlaceBook(target).take(enrolment)
        assert blocked is None, blocked
        enrolment_consent_request(enrolment=enrolment, member=member, actor=actor)
    return enrolment


def emails_to(address: str, reason_prefix: str = "lms.consent.") -> list[OutgoingEmail]:
    return list(
        OutgoingEmail.objects.filter(recipient=address, reason__startswith=reason_prefix).order_by(
            "created_at", "pk"
        )
    )


def link_in(email: OutgoingEmail) -> str:
    """The consent link's token in an e-mail (the text and the HTML carry the same one)."""
    tokens = set(LINK_RE.findall(email.body_text))
    assert tokens == set(LINK_RE.findall(email.body_html)) and len(tokens) == 1, tokens
    return tokens.pop()


def latest_link(address: str, reason_prefix: str = "lms.consent.") -> str:
    return link_in(emails_to(address, reason_prefix)[-1])


@pytest.fixture
def group(db):
    return youth_group()


@pytest.fixture
def minor(group):
    return member_of(group)
