"""A group always keeps a leader: co-leaders can be removed and leaders can leave, but not the
last one, and the last leader cannot erase their account while the children's data would be
left with nobody."""

import pytest
from django.urls import reverse

from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.models import YouthGroup
from lms.models import User
from tests.cohorts.groups.test_groups_views import main_text
from tests.cohorts.groups_builders import co_lead

pytestmark = pytest.mark.django_db


def test_a_leader_removes_a_co_leader_who_then_sees_nothing(client, group, leader, other_leader):
    co_lead(actor=leader, group=group, email=other_leader.email)
    client.force_login(leader)
    page = client.get(reverse("groups:group", args=[group.pk]))
    assert "Remove Björn Åström as a leader" in main_text(page)

    response = client.post(
        reverse("groups:leader_remove", args=[group.pk, other_leader.pk]), follow=True
    )

    assert "Björn Åström no longer leads Cēsu jaunie glābēji" in main_text(response)
    assert list(group.leaders.all()) == [leader]
    client.force_login(other_leader)
    assert client.get(reverse("groups:group", args=[group.pk])).status_code == 404


def test_a_leader_leaves_but_the_last_one_cannot(client, group, leader, other_leader):
    co_lead(actor=leader, group=group, email=other_leader.email)
    client.force_login(other_leader)
    response = client.post(
        reverse("groups:leader_remove", args=[group.pk, other_leader.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("groups:mine")
    assert "You no longer lead Cēsu jaunie glābēji" in main_text(response)

    client.force_login(leader)
    page = client.get(reverse("groups:group", args=[group.pk]))
    assert "Leave the group" not in main_text(page)  # nothing to offer the only leader
    response = client.post(reverse("groups:leader_remove", args=[group.pk, leader.pk]), follow=True)
    assert "needs at least one leader" in main_text(response)
    assert list(group.leaders.all()) == [leader]


def test_someone_else_cannot_remove_a_leader(client, group, leader, other_leader):
    client.force_login(other_leader)
    response = client.post(reverse("groups:leader_remove", args=[group.pk, leader.pk]))
    assert response.status_code == 404
    assert list(group.leaders.all()) == [leader]
    with pytest.raises(CohortsError, match="does not lead this group"):
        groups.leader_remove(actor=leader, group=group, leader_id=other_leader.pk)


def test_the_only_leader_cannot_erase_their_account_until_someone_takes_over(
    client, group, leader, other_leader, add_member
):
    add_member(group, first="Elza", age=14)
    client.force_login(leader)
    response = client.post(
        reverse("account_erase"), {"confirmation": "Correct-Horse-42"}, follow=True
    )
    text = main_text(response)
    assert "You are the only leader of Cēsu jaunie glābēji" in text
    assert "Nothing was erased" in text
    leader.refresh_from_db()
    assert leader.erased_at is None and leader.is_active

    co_lead(actor=leader, group=group, email=other_leader.email)
    client.post(reverse("account_erase"), {"confirmation": "Correct-Horse-42"})
    assert User.objects.get(pk=leader.pk).erased_at is not None
    assert list(YouthGroup.objects.get(pk=group.pk).leaders.all()) == [other_leader]


def test_a_group_is_deleted_only_once_its_members_are_removed(
    client, group, leader, other_leader, add_member
):
    elza = add_member(group, first="Elza", age=14)
    client.force_login(other_leader)
    assert client.get(reverse("groups:delete", args=[group.pk])).status_code == 404
    assert (
        client.post(reverse("groups:delete", args=[group.pk]), {"confirm": "yes"}).status_code
        == 404
    )

    client.force_login(leader)
    page = client.get(reverse("groups:delete", args=[group.pk]))
    assert "still has 1 member" in main_text(page)
    response = client.post(reverse("groups:delete", args=[group.pk]), {"confirm": "yes"})
    assert response.status_code == 400
    assert "Remove them first" in main_text(response)
    assert YouthGroup.objects.filter(pk=group.pk).exists()

    groups.member_remove(actor=leader, group=group, member_id=elza.pk)
    response = client.post(
        reverse("groups:delete", args=[group.pk]), {"confirm": "yes"}, follow=True
    )
    assert "Cēsu jaunie glābēji has been deleted" in main_text(response)
    assert not YouthGroup.objects.filter(pk=group.pk).exists()
    # With no group left to look after, the leader can erase their account.
    client.post(reverse("account_erase"), {"confirmation": "Correct-Horse-42"})
    assert User.objects.get(pk=leader.pk).erased_at is not None
