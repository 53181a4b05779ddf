"""The group pages as leaders and strangers meet them: the co-leader form tells no one a child's
name or age, a leader who left is not booked by those who stay, and booking-form errors are
announced where they belong."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.groups import services as groups
from cohorts.models import Enrolment
from tests.cohorts.groups.test_groups_views import main_text
from tests.cohorts.groups_builders import co_lead, member_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_co_leader_form_does_not_tell_a_childs_name_or_age(client, group, leader):
    # Any adult can register a group; the co-leader form must not become a way to look up who
    # is behind an e-mail address, or that they are a child.
    UserFactory(
        email="liga@example.lv",
        profile__full_name="Līga Kalniņa",
        profile__date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 14),
    )
    client.force_login(leader)

    child = client.post(
        reverse("groups:leader_add", args=[group.pk]), {"email": "liga@example.lv"}, follow=True
    )
    nobody = client.post(
        reverse("groups:leader_add", args=[group.pk]), {"email": "nobody@example.lv"}, follow=True
    )

    text = main_text(child)
    assert "Līga" not in text and "Kalniņa" not in text
    assert "Invitation sent to liga@example.lv" in text
    # The same answer as for an address nobody uses, apart from the address itself.
    said, said_nobody = text.split(" My groups")[0], main_text(nobody).split(" My groups")[0]
    assert said.replace("liga@example.lv", "X") == said_nobody.replace("nobody@example.lv", "X")
    assert list(group.leaders.all()) == [leader]


def test_a_leader_who_left_the_group_is_not_booked_by_those_who_stay(
    client, group, leader, other_leader, exchange
):
    # Björn leads with Agnese and is linked as a member to count as an accompanying adult ...
    co_lead(actor=leader, group=group, email=other_leader.email)
    bjorn = groups.member_add(
        actor=leader,
        group=group,
        data=member_data(
            "Björn", "Åström", age=40, guardian=False, account_email=other_leader.email
        ),
    )
    # ... then leaves the group. His own account is no longer the group's to book.
    groups.leader_remove(actor=other_leader, group=group, leader_id=other_leader.pk)
    client.force_login(leader)

    response = client.post(
        reverse("groups:book", args=[group.pk]),
        {"target": f"activity:{exchange.pk}", "members": [str(bjorn.pk)], "mode": "all"},
    )

    assert response.status_code == 400
    assert "Björn Åström no longer leads" in main_text(response)
    assert not Enrolment.objects.filter(user=other_leader).exists()


def test_booking_form_errors_are_announced_where_they_belong(
    client, group, leader, add_member, exchange
):
    # A screen reader reads a field's errors from its aria-describedby: every id referenced must
    # exist, and the groups of checkboxes and radio buttons point at their own errors.
    elza = add_member(group, first="Elza", age=14)
    client.force_login(leader)

    response = client.post(
        reverse("groups:book", args=[group.pk]),
        {"target": "", f"note_{elza.pk}": "x" * 2001},
    )

    assert response.status_code == 400
    html = response.content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    referenced = {name for value in described for name in value.split()}
    assert referenced - ids == set()
    for error_id in ("id_target_error", f"id_note_{elza.pk}_error"):
        assert error_id in referenced
    fieldsets = re.findall(r"<fieldset[^>]*>\s*<legend>([^<]+)", html)
    assert [name.strip() for name in fieldsets] == [
        "Members to book",
        "If there are not enough places",
    ]
    for fieldset in re.findall(r"<fieldset[^>]*>", html):
        assert "aria-describedby" in fieldset, fieldset
