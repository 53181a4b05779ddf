"""Co-leaders are invited, never added: the attack where a new account makes anyone a co-leader,
links and books them, and learns their name, no longer works. The invited person accepts by the
e-mailed link, logged in with the invited address; the link is stored hashed, works once and
expires."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from cohorts.models import GroupMember, LeaderInvitation, YouthGroup
from lms.models import OutgoingEmail
from tests.cohorts.groups.test_groups_views import main_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"/groups/invitations/([A-Za-z0-9_-]{43})/")


def invitation_link(address: str) -> str:
    email = OutgoingEmail.objects.filter(recipient=address).order_by("-pk").first()
    return LINK_RE.search(email.body_text).group(0)


@pytest.fixture
def victim(db):
    return UserFactory(email="ruta@policija.example.lt", profile__full_name="Rūta Žemaitytė")


@pytest.fixture
def attacker_group(client, db):
    attacker = UserFactory(email="mallory@example.org", profile__full_name="Mallory")
    client.force_login(attacker)
    client.post(
        reverse("groups:new"),
        {"name": "Trap", "organisation": "Trap club", "country": "LT", "kind": "other"},
    )
    group = YouthGroup.objects.get(name="Trap")
    client.get(reverse("groups:group", args=[group.pk]))  # the "registered" message is read
    return group


def test_inviting_an_account_makes_nobody_a_leader_and_reveals_nothing(
    client, attacker_group, victim
):
    """The attack: a new account's group adds a stranger's address as co-leader, links them as
    a member and books them. Now: an invitation only, the same answer for any address."""
    group = attacker_group

    known = client.post(
        reverse("groups:leader_add", args=[group.pk]), {"email": victim.email}, follow=True
    )
    unknown = client.post(
        reverse("groups:leader_add", args=[group.pk]), {"email": "x@nobody.example"}, follow=True
    )
    linked = client.post(
        reverse("groups:member_new", args=[group.pk]),
        {"first_name": "Rūta", "family_name": "Žemaitytė", "birth_year": 1990,
         "account_email": victim.email},
    )  # fmt: skip

    text = main_text(known)
    assert f"Invitation sent to {victim.email}" in text
    assert "Rūta" not in text and "Žemaitytė" not in text
    said, said_unknown = text.split(" My groups")[0], main_text(unknown).split(" My groups")[0]
    assert said.replace(victim.email, "X") == said_unknown.replace("x@nobody.example", "X")
    assert list(group.leaders.values_list("email", flat=True)) == ["mallory@example.org"]
    assert "Only the group's own leaders can be linked" in main_text(linked)
    assert not GroupMember.objects.filter(person=victim).exists()
    assert "Rūta" not in client.get(reverse("groups:group", args=[group.pk])).content.decode()


def test_the_invited_person_accepts_logged_in_as_the_invited_address(client, attacker_group, db):
    victim = UserFactory(email="ruta@policija.lt")
    group = attacker_group
    client.post(reverse("groups:leader_add", args=[group.pk]), {"email": "RUTA@Policija.lt"})
    link = invitation_link(victim.email)
    token = link.rstrip("/").rsplit("/", 1)[1]

    anonymous = Client()
    seen = anonymous.get(link)
    head = anonymous.head(link)
    anonymous.post(link)
    someone_else = Client()
    someone_else.force_login(UserFactory())
    refused = someone_else.post(link)
    assert list(group.leaders.all()) == [group.leaders.first()]
    assert group.leaders.count() == 1

    invited = Client()
    invited.force_login(victim)
    page = invited.get(link)
    accepted = invited.post(link, follow=True)
    again = invited.post(link)

    assert "Log in to accept" in main_text(seen) and head.status_code == 200
    assert "you are logged in as" in main_text(refused)
    assert "Accept and lead Trap" in main_text(page)
    assert "You now lead Trap" in main_text(accepted)
    assert group.leaders.filter(pk=victim.pk).exists()
    assert again.status_code == 404
    row = LeaderInvitation.objects.get(group=group)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row.__dict__)


def test_an_invitation_expires_and_can_be_cancelled(client, attacker_group, victim, clock):
    group = attacker_group
    client.post(reverse("groups:leader_add", args=[group.pk]), {"email": victim.email})
    first = invitation_link(victim.email)
    invitation = LeaderInvitation.objects.get()
    page = client.get(reverse("groups:group", args=[group.pk]))
    cancelled = client.post(
        reverse("groups:leader_invitation_cancel", args=[group.pk, invitation.pk]), follow=True
    )
    client.post(reverse("groups:leader_add", args=[group.pk]), {"email": victim.email})
    second = invitation_link(victim.email)
    invited = Client()
    invited.force_login(victim)

    assert "Invitations sent" in main_text(page) and victim.email in main_text(page)
    assert "is cancelled" in main_text(cancelled)
    assert invited.post(first).status_code == 404
    clock.advance(days=8)
    assert invited.post(second).status_code == 404
    assert not group.leaders.filter(pk=victim.pk).exists()
