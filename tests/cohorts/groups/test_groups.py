"""Groups and their members: who may lead, what a leader may change (only their own groups),
members without an account, impossible birth dates and removal."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.models import GroupKind, GroupMember, YouthGroup
from lms.models import GuardianApproval, Profile, User
from tests.cohorts.groups_builders import co_lead, member_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_adult_registers_a_group_and_leads_it(leader):
    group = groups.group_create(
        actor=leader,
        data=groups.GroupData(
            name="Sjöscoutkåren Ägir", organisation="Scouterna", country="se",
            kind=GroupKind.SCOUT_GROUP,
        ),
    )  # fmt: skip

    assert group.name == "Sjöscoutkåren Ägir"
    assert group.country.code == "SE"
    assert list(group.leaders.all()) == [leader]
    assert ModelLogEntry.objects.filter(action="cohorts.group.create").count() == 1


def test_a_minor_or_an_account_awaiting_its_guardian_cannot_lead(db):
    young = UserFactory(profile__date_of_birth=timezone.localdate() - dt.timedelta(days=15 * 365))
    pending = UserFactory(profile__guardian_approval=GuardianApproval.PENDING)
    data = groups.GroupData(name="Kids", organisation="School", country="LV", kind="school_class")

    for user in (young, pending):
        with pytest.raises(CohortsError) as error:
            groups.group_create(actor=user, data=data)
        assert "adult" in error.value.message
    assert not YouthGroup.objects.exists()


def test_bad_group_details_are_refused_with_a_message(leader):
    with pytest.raises(CohortsError, match="country"):
        groups.group_create(
            actor=leader,
            data=groups.GroupData(name="X", organisation="Y", country="XX", kind="scout_group"),
        )
    with pytest.raises(CohortsError, match="name"):
        groups.group_create(
            actor=leader,
            data=groups.GroupData(name="  ", organisation="Y", country="LV", kind="scout_group"),
        )
    assert not YouthGroup.objects.exists()


def test_a_member_without_an_account_gets_a_person_record_that_cannot_log_in(group, leader):
    member = groups.member_add(
        actor=leader,
        group=group,
        data=member_data("Kārlis", "Ērglis", age=14, birth_date=dt.date(2015, 3, 12)),
    )

    person = member.person
    assert person.email.startswith("member-") and person.email.endswith("@members.invalid")
    assert not person.is_active
    assert not person.has_usable_password()
    assert person.get_full_name() == "Kārlis Ērglis"
    profile = Profile.objects.get(user=person)
    assert profile.full_name == "Kārlis Ērglis"
    assert profile.country.code == "LV"
    assert profile.date_of_birth == dt.date(2015, 3, 12)


def test_only_the_groups_own_leaders_can_be_linked_by_their_account(group, leader):
    account = UserFactory(email="janis@example.lv", profile__full_name="Jānis Bērziņš")

    # Someone else's account: linking it would let the leader book and see a stranger.
    with pytest.raises(CohortsError, match="Only the group's own leaders can be linked"):
        groups.member_add(
            actor=leader,
            group=group,
            data=member_data(
                "Jānis", "Bērziņš", age=30, guardian=False, account_email="JANIS@example.lv"
            ),
        )
    assert not GroupMember.objects.filter(group=group).exists()

    # Once a co-leader, they can be counted as an accompanying adult.
    co_lead(actor=leader, group=group, email="janis@example.lv")
    member = groups.member_add(
        actor=leader,
        group=group,
        data=member_data(
            "Jānis", "Bērziņš", age=30, guardian=False, account_email="JANIS@example.lv"
        ),
    )
    assert member.person == account
    with pytest.raises(CohortsError, match="not one of them"):
        groups.member_add(
            actor=leader,
            group=group,
            data=member_data(age=30, guardian=False, account_email="nobody@example.lv"),
        )
    with pytest.raises(CohortsError, match="already a member"):
        groups.member_add(
            actor=leader,
            group=group,
            data=member_data(age=30, guardian=False, account_email="janis@example.lv"),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"birth_year": lambda: timezone.localdate().year + 1}, "cannot be in the future"),
        (
            {"birth_year": 2014, "birth_date": lambda: timezone.localdate() + dt.timedelta(days=2)},
            "future",
        ),
        ({"birth_year": 1899}, "over 100"),
        ({"birth_year": lambda: timezone.localdate().year - 101}, "over 100"),
        ({"birth_year": 2014, "birth_date": dt.date(2013, 5, 1)}, "not in the year of birth"),
        ({"guardian_email": ""}, "guardian's e-mail address"),
        ({"guardian_email": "someone@members.invalid"}, "guardian's e-mail address that works"),
        ({"first_name": "  "}, "first and family name"),
    ],
)
def test_impossible_members_are_refused_and_nothing_is_stored(group, leader, changes, message):
    users_before = User.objects.count()
    data = member_data(age=12)
    for name, value in changes.items():
        # dates relative to today are worked out when the test runs, not when it is collected
        setattr(data, name, value() if callable(value) else value)

    with pytest.raises(CohortsError) as error:
        groups.member_add(actor=leader, group=group, data=data)

    assert message in error.value.message
    assert not GroupMember.objects.exists()
    assert User.objects.count() == users_before


def test_an_adult_member_needs_no_guardian(group, leader):
    member = groups.member_add(
        actor=leader, group=group, data=member_data("Wilma", "Björk", age=25, guardian=False)
    )
    assert member.guardian_email == ""


def test_a_leader_cannot_touch_another_leaders_group(group, other_leader, make_group, add_member):
    member = add_member(group)
    theirs = make_group(other_leader, name="Sjöscoutkåren Ägir", country="SE")

    with pytest.raises(CohortsError, match="Only the group's leaders"):
        groups.member_add(actor=other_leader, group=group, data=member_data())
    with pytest.raises(CohortsError, match="Only the group's leaders"):
        groups.member_update(
            actor=other_leader, group=group, member_id=member.pk, data=member_data()
        )
    with pytest.raises(CohortsError, match="Only the group's leaders"):
        groups.member_remove(actor=other_leader, group=group, member_id=member.pk)
    with pytest.raises(CohortsError, match="Only the group's leaders"):
        groups.leader_invite(actor=other_leader, group=group, email=other_leader.email)
    # Their own group's id with a member of someone else's group: not found.
    with pytest.raises(CohortsError, match="not in this group"):
        groups.member_update(
            actor=other_leader, group=theirs, member_id=member.pk, data=member_data()
        )
    with pytest.raises(CohortsError, match="not in this group"):
        groups.member_remove(actor=other_leader, group=theirs, member_id=member.pk)
    member.refresh_from_db()
    assert member.group == group
    assert GroupMember.objects.filter(pk=member.pk).exists()
    assert list(group.leaders.all()) == [group.leaders.first()]


def test_a_co_leader_is_invited_and_leads_only_once_they_accept(group, leader, other_leader):
    invitation = groups.leader_invite(actor=leader, group=group, email="BJORN@scouterna.example.se")

    assert list(group.leaders.all()) == [leader]
    assert invitation.email == "bjorn@scouterna.example.se"
    groups.leader_invitation_accept(invitation=invitation, user=other_leader)
    assert set(group.leaders.all()) == {leader, other_leader}
    with pytest.raises(CohortsError, match="already leads"):
        groups.leader_invite(actor=leader, group=group, email=other_leader.email)


def test_editing_a_member_updates_their_person_record(group, leader, add_member):
    member = add_member(group, first="Anete", family="Zariņa")

    groups.member_update(
        actor=leader,
        group=group,
        member_id=member.pk,
        data=member_data("Anete", "Zariņa-Kalniņa", age=13, birth_date=dt.date(2016, 11, 2)),
    )

    member.refresh_from_db()
    assert member.full_name == "Anete Zariņa-Kalniņa"
    assert member.person.get_full_name() == "Anete Zariņa-Kalniņa"
    assert Profile.objects.get(user=member.person).date_of_birth == dt.date(2016, 11, 2)


def test_removing_a_member_without_an_account_removes_their_person(group, leader, add_member):
    member = add_member(group, first="Dāvis", family="Krūmiņš")
    person_id = member.person_id

    message = groups.member_remove(actor=leader, group=group, member_id=member.pk)

    assert "Dāvis Krūmiņš" in message
    assert not GroupMember.objects.filter(pk=member.pk).exists()
    person = User.objects.get(pk=person_id)
    # Erased everywhere (lms.privacy): nothing personal is left, not even in the audit log.
    assert person.erased_at is not None
    assert "Dāvis" not in person.first_name + person.last_name + person.get_full_name()
    labels = ModelLogEntry.objects.values_list("label", flat=True)
    assert not [label for label in labels if "Krūmiņš" in label]


def test_removing_a_member_with_an_account_keeps_the_account(group, leader):
    account = UserFactory(email="janis@example.lv", profile__full_name="Jānis Bērziņš")
    co_lead(actor=leader, group=group, email=account.email)
    member = groups.member_add(
        actor=leader,
        group=group,
        data=member_data("Jānis", "Bērziņš", age=30, guardian=False, account_email=account.email),
    )

    message = groups.member_remove(actor=leader, group=group, member_id=member.pk)

    assert "account is unchanged" in message
    account.refresh_from_db()
    assert account.is_active and account.get_full_name() == "Jānis Bērziņš"
