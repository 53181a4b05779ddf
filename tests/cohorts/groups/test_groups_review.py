"""Found in review of the group pages, walked through as a leader: a young person's own account
that waits for a guardian cannot be booked by a group, a consent e-mail cannot be resent without
end, a member form sent twice adds one member, and every group address answers junk from the
group's own leader with a message or a 404, never a 500."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from cohorts.groups import services as groups
from cohorts.groups import urls as urls_groups
from cohorts.models import Enrolment, GroupMember
from lms.models import GuardianConsent, OutgoingEmail, User
from tests.cohorts.groups.test_groups_views import book, main_text
from tests.cohorts.groups_builders import co_lead
from tests.lms.minors import signup, signup_data

pytestmark = pytest.mark.django_db


def test_a_young_persons_account_waiting_for_a_guardian_is_not_booked_by_a_group(
    client, group, leader, exchange, add_member
):
    # A 12-year-old Latvian signs up themselves: the account waits for a guardian.
    signup(Client(), signup_data(years=12, country="LV", email="liva@example.lv"))
    young = User.objects.get(email="liva@example.lv")
    assert young.profile.awaiting_guardian
    client.force_login(leader)
    # The leader tries to link the account, with a year of birth that would make Līva an adult.
    response = client.post(
        reverse("groups:member_new", args=[group.pk]),
        {"first_name": "Līva", "family_name": "Kalniņa", "birth_year": 1990,
         "account_email": "liva@example.lv"},
    )  # fmt: skip
    assert "Only the group's own leaders can be linked" in main_text(response)
    assert not GroupMember.objects.filter(person=young).exists()
    assert not Enrolment.objects.exists()


def test_a_member_whose_own_account_waits_for_a_guardian_is_not_booked(
    group, leader, exchange, add_member
):
    """Defence in depth: should such an account ever be a member (an adult leader's account
    is never pending), booking it is refused."""
    signup(Client(), signup_data(years=12, country="LV", email="liva@example.lv"))
    young = User.objects.get(email="liva@example.lv")
    member = GroupMember.objects.create(
        group=group, person=young, first_name="Līva", family_name="Kalniņa", birth_year=1990
    )
    adult = add_member(group, first="Mārtiņš", age=35, guardian=False)
    client = Client()
    client.force_login(leader)
    response = client.post(
        reverse("groups:book", args=[group.pk]),
        {"target": f"activity:{exchange.pk}", "members": [str(member.pk), str(adult.pk)],
         "mode": "all"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Līva Kalniņa's own account is waiting for a guardian's approval" in main_text(response)
    assert not Enrolment.objects.exists()


def test_the_consent_e_mail_is_resent_after_a_pause_and_a_limited_number_of_times(
    client, group, leader, exchange, add_member, clock
):
    minor = add_member(group, first="Elza", age=14)
    adult = add_member(group, first="Mārtiņš", age=35, guardian=False)
    book(group, exchange, [minor, adult])
    enrolment = Enrolment.objects.get(user=minor.person)
    resend = reverse("groups:consent_resend", args=[group.pk, enrolment.pk])
    client.force_login(leader)

    def sent() -> int:
        return OutgoingEmail.objects.filter(recipient=minor.guardian_email).count()

    client.post(resend)
    assert sent() == 2  # the request and one resend
    page = client.post(resend, follow=True)
    assert "Please wait ten minutes" in main_text(page)
    assert sent() == 2
    for _ in range(4):
        clock.advance(minutes=11)
        client.post(resend)
    assert sent() == 6
    clock.advance(minutes=11)
    page = client.post(resend, follow=True)
    assert "sent again 5 times already" in main_text(page)
    assert sent() == 6
    assert GuardianConsent.objects.get(person=minor.person).state == "pending"


def test_a_member_form_sent_twice_adds_the_member_once(client, group, leader):
    client.force_login(leader)
    data = {"first_name": "Elza", "family_name": "Liepiņa", "birth_year": 2015,
            "guardian_email": "inese.liepina@example.lv"}  # fmt: skip
    address = reverse("groups:member_new", args=[group.pk])

    assert client.post(address, data).status_code == 302
    again = client.post(address, {**data, "first_name": "ELZA"})

    assert again.status_code == 200
    assert "Elza Liepiņa, born in 2015, is already a member" in main_text(again)
    assert GroupMember.objects.filter(group=group).count() == 1
    assert User.objects.filter(email__endswith="@members.invalid").count() == 1
    # A twin, or a child with another guardian, is someone else.
    assert client.post(address, {**data, "first_name": "Anna"}).status_code == 302
    assert client.post(address, {**data, "guardian_email": "x@example.lv"}).status_code == 302
    assert GroupMember.objects.filter(group=group).count() == 3


JUNK = ["x" * 5000, "2010-02-30", "-1", "99999999999999999999999", "Žydrūnas", "'\"<script>", ""]
FIELDS = [
    "name", "organisation", "country", "kind", "email", "first_name", "family_name",
    "birth_year", "birth_date", "guardian_name", "guardian_email", "guardian_phone",
    "account_email", "target", "members", "mode", "confirm", "another",
]  # fmt: skip


def test_every_group_address_answers_its_leaders_junk_without_a_500(
    group, leader, exchange, add_member, other_leader
):
    co_leader = other_leader
    """tests/lms/test_urls_junk.py walks these addresses as people who lead no group, who get a
    404 before any form is read; this walks them as the group's leader, with real ids."""
    minor = add_member(group, first="Elza", age=14)
    adult = add_member(group, first="Mārtiņš", age=35, guardian=False)
    book(group, exchange, [minor, adult])
    enrolment = Enrolment.objects.get(user=minor.person)
    ids = {
        "group_id": group.pk,
        "member_id": adult.pk,
        "enrolment_id": enrolment.pk,
        "activity_id": exchange.pk,
        # Another leader's id: removing them stays possible, and is tried with junk alongside.
        "leader_id": co_lead(actor=leader, group=group, email=co_leader.email).pk,
        "invitation_id": groups.leader_invite(
            actor=leader, group=group, email="invited@example.lv"
        ).pk,
        "token": "not-a-token",
    }
    client = Client(raise_request_exception=False)
    client.force_login(leader)
    walked = set()
    failures = []
    for pattern in urls_groups.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: ids[name] for name in pattern.pattern.converters}
        url = reverse(f"groups:{pattern.name}", kwargs=kwargs)
        walked.add(pattern.name)
        for value in JUNK:
            data = {name: value for name in FIELDS}
            data[f"note_{minor.pk}"] = value
            for response in (
                client.get(url, {"target": value}),
                client.post(url, data),
                client.post(url, {**data, "members": [str(adult.pk)], "confirm": "no",
                                  "target": f"activity:{exchange.pk}", "mode": "partial"}),
            ):  # fmt: skip
                if response.status_code >= 500:
                    failures.append((pattern.name, value[:20], response.status_code))

    assert walked == {p.name for p in urls_groups.urlpatterns}
    assert failures == []
    # Nothing junk got in: no new members, no new groups, the places as booked.
    assert set(GroupMember.objects.values_list("first_name", flat=True)) == {"Elza", "Mārtiņš"}
    assert group.leaders.count() == 1
    assert Enrolment.objects.filter(group=group).count() == 2


def test_member_birth_dates_that_do_not_exist_get_a_message(client, group, leader):
    client.force_login(leader)
    for day in ("2010-02-30", "2010-13-01", "0000-00-00"):
        response = client.post(
            reverse("groups:member_new", args=[group.pk]),
            {"first_name": "Elza", "family_name": "Liepiņa", "birth_year": 2010,
             "birth_date": day, "guardian_email": "inese@example.lv"},
        )  # fmt: skip
        assert response.status_code == 200
        assert "That date does not exist" in main_text(response)
    assert not GroupMember.objects.exists()
    response = client.post(
        reverse("groups:member_new", args=[group.pk]),
        {"first_name": "Elza", "family_name": "Liepiņa", "birth_year": 2010,
         "birth_date": "2010-02-28", "guardian_email": "inese@example.lv"},
    )  # fmt: skip
    assert response.status_code == 302
