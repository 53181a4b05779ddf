"""Shared set-up of the group tests: a youth exchange open for registration, group leaders and
their groups, members built from an age on the exchange's first day (15 January 2030)."""

import re

import pytest

from cohorts.groups import services as groups
from cohorts.models import GroupKind
from lms.models import OutgoingEmail, User
from tests.factories import UserFactory


def co_lead(*, actor, group, email: str) -> User:
    """`actor` invites the account of `email` to co-lead `group`, and it accepts."""
    invitation = groups.leader_invite(actor=actor, group=group, email=email)
    user = User.objects.get(email__iexact=email)
    groups.leader_invitation_accept(invitation=invitation, user=user)
    return user


START_YEAR = 2030  # the exchange starts on 15 January 2030 (tests.programmes.builders)
TOKEN_RE = re.compile(r"/consent/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def exchange(make_activity):
    """A youth exchange open for registration until it starts: 40 places, at most 12 per
    country, one adult for every 8 minors."""
    return make_activity(
        title="BYFORES youth exchange in Cēsis",
        slug="byfores-youth-exchange",
        kind="workshop",
        capacity=40,
        places_per_country=12,
        minors_per_adult=8,
    )


@pytest.fixture
def leader(db):
    return UserFactory(
        email="agnese@vugd.example.lv", profile__full_name="Agnese Bērziņa", profile__country="LV"
    )


@pytest.fixture
def other_leader(db):
    return UserFactory(
        email="bjorn@scouterna.example.se", profile__full_name="Björn Åström", profile__country="SE"
    )


@pytest.fixture
def make_group():
    def make(actor, *, name="Cēsu jaunie glābēji", country="LV", kind=GroupKind.RESCUE_YOUTH):
        return groups.group_create(
            actor=actor,
            data=groups.GroupData(
                name=name, organisation="VUGD Vidzemes brigāde", country=country, kind=kind
            ),
        )

    return make


@pytest.fixture
def group(leader, make_group):
    return make_group(leader)


_counter = iter(range(1, 100_000))


def member_data(
    first="Elza", family=None, *, age=14, guardian=True, birth_date=None, **extra
) -> groups.MemberData:
    """A member who is `age` on the exchange's first day (by year of birth: the younger age)."""
    number = next(_counter)
    family = family or f"Liepiņa {number}"
    data = {
        "first_name": first,
        "family_name": family,
        "birth_year": START_YEAR - age - 1,
        "birth_date": birth_date,
        "guardian_name": "Inese Liepiņa" if guardian else "",
        "guardian_email": f"guardian{number}@example.lv" if guardian else "",
    }
    data.update(extra)
    return groups.MemberData(**data)


@pytest.fixture
def add_member():
    def add(group, actor=None, **kwargs):
        actor = actor or group.leaders.first()
        return groups.member_add(actor=actor, group=group, data=member_data(**kwargs))

    return add


@pytest.fixture
def add_members(add_member):
    """add_members(group, minors=9, adults=1) -> (minors, adults), names with diacritics."""

    def add(group, *, minors=0, adults=0):
        young = [add_member(group, first=f"Līva {i}", age=14) for i in range(minors)]
        grown = [
            add_member(group, first=f"Mārtiņš {i}", age=35, guardian=False) for i in range(adults)
        ]
        return young, grown

    return add


def consent_token(guardian_email: str) -> str:
    """The token of the newest consent link e-mailed to a guardian."""
    email = OutgoingEmail.objects.filter(recipient=guardian_email).order_by("-pk").first()
    assert email is not None, f"no e-mail to {guardian_email}"
    match = TOKEN_RE.search(email.body_text)
    assert match, email.body_text
    return match.group(1)


def give_consent(member, *, name="Inese Liepiņa"):
    """The guardian gives consent by the link in their e-mail, as the consent page does."""
    from lms.consent.services import consent_give, notice_current
    from lms.models import ConsentToken

    token = consent_token(member.guardian_email)
    from lms.tokens import token_digest

    row = ConsentToken.objects.get(digest=token_digest(token))
    return consent_give(
        token=token,
        consent_id=row.consent_id,
        guardian_name=name,
        notice_version=notice_current().version,
    )
