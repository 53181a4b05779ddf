"""The leader's pages as leaders use them: only their own groups exist for them; members show
name and age band, never the date of birth; bookings show each minor's consent and the count of
consents received; bad input gets a clear message and changes nothing; the group's passes come as
one PDF, members without an account included."""

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cohorts.attendance import services as attendance
from cohorts.groups import services as groups
from cohorts.models import Enrolment, EnrolmentState, GroupMember, YouthGroup
from lms.ages import age_on
from tests.cohorts.groups_builders import give_consent, member_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def main_text(response) -> str:
    html = response.content.decode()
    html = html[html.index("<main") :]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def book(group, target, members, mode="all", **kwargs):
    return groups.group_book(
        actor=group.leaders.first(),
        group=group,
        target=target,
        member_ids=[m.pk for m in members],
        mode=mode,
        **kwargs,
    )


@pytest.fixture
def booked(group, exchange, add_member):
    """Two minors (one with a known date of birth) and an adult without an account, booked."""
    elza = add_member(
        group, first="Elza", family="Liepiņa", age=14, birth_date=dt.date(2015, 3, 12),
    )  # fmt: skip
    karlis = add_member(group, first="Kārlis", family="Ērglis", age=15)
    martins = add_member(group, first="Mārtiņš", family="Ozols", age=35, guardian=False)
    book(group, exchange, [elza, karlis, martins], care_notes={karlis.pk: "Vegetarian"})
    return elza, karlis, martins


def group_url(group) -> str:
    return reverse("groups:group", args=[group.pk])


def test_only_the_groups_leaders_see_it(client, group, booked, other_leader, exchange):
    elza, _karlis, _martins = booked
    enrolment = Enrolment.objects.get(user=elza.person)
    addresses = [
        group_url(group),
        reverse("groups:edit", args=[group.pk]),
        reverse("groups:member_new", args=[group.pk]),
        reverse("groups:member_edit", args=[group.pk, elza.pk]),
        reverse("groups:member_remove", args=[group.pk, elza.pk]),
        reverse("groups:book", args=[group.pk]),
        reverse("groups:booking_cancel", args=[group.pk, enrolment.pk]),
        reverse("groups:passes", args=[group.pk, exchange.pk]),
    ]
    client.force_login(other_leader)
    for address in addresses:
        assert client.get(address).status_code == 404, address
    posts = [
        (reverse("groups:member_remove", args=[group.pk, elza.pk]), {"confirm": "yes"}),
        (reverse("groups:booking_cancel", args=[group.pk, enrolment.pk]), {"confirm": "yes"}),
        (reverse("groups:consent_resend", args=[group.pk, enrolment.pk]), {}),
        (reverse("groups:leader_add", args=[group.pk]), {"email": other_leader.email}),
        (reverse("groups:member_new", args=[group.pk]), {"first_name": "X"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 404, address
    assert "Cēsu jaunie glābēji" not in client.get(reverse("groups:mine")).content.decode()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.PENDING_CONSENT
    assert group.members.count() == 3
    assert list(group.leaders.all()) == [group.leaders.first()]


def test_anonymous_visitors_are_sent_to_log_in(client, group):
    response = client.get(group_url(group))
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_the_group_page_shows_age_bands_consents_and_never_a_date_of_birth(
    client, group, booked, leader, exchange
):
    elza, karlis, _martins = booked
    give_consent(karlis, name="Ieva Ērgle")
    client.force_login(leader)

    response = client.get(group_url(group))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = main_text(response)
    assert "Elza Liepiņa" in text and "Kārlis Ērglis" in text and "Mārtiņš Ozols" in text
    assert "13–15" in text and "adult" in text
    assert "1 of 2 consents received" in text
    assert re.search(r'<progress max="2" value="1"', response.content.decode())
    assert "Waiting for the guardian" in text and "Given on" in text
    assert "Not needed (adult)" in text
    assert "Vegetarian" in text  # the leader sees the notes they gave
    assert "Passes (PDF)" in text
    assert "Resend consent e-mail for Elza Liepiņa" in text
    assert "Resend consent e-mail for Kārlis Ērglis" not in text
    for birth in ("2015", "12 March", "March 12", "2015-03-12", "12.03."):
        assert birth not in text
    # Not on the member's edit form either.
    edit = client.get(reverse("groups:member_edit", args=[group.pk, elza.pk]))
    assert "2015-03-12" not in edit.content.decode()
    assert "A date of birth is on record" in main_text(edit)


def test_my_groups_and_my_learning_link_a_leader_to_their_groups(client, group, leader):
    client.force_login(leader)
    assert "Cēsu jaunie glābēji" in main_text(client.get(reverse("groups:mine")))
    my_learning = client.get(reverse("my_learning"))
    assert "My groups" in main_text(my_learning)
    assert group_url(group) in my_learning.content.decode()


def test_my_learning_shows_an_adult_without_a_group_how_to_register_one(client, other_leader):
    client.force_login(other_leader)
    text = main_text(client.get(reverse("my_learning")))
    assert "Register a group" in text
    assert "My groups" not in text


def test_my_learning_does_not_invite_a_young_person_to_lead_a_group(client):
    from tests.factories import UserFactory
    from tests.lms.minors import born_aged

    young = UserFactory(
        profile__full_name="Õie Täht",
        profile__country="EE",
        profile__date_of_birth=born_aged(15),
    )
    client.force_login(young)
    assert "Register a group" not in main_text(client.get(reverse("my_learning")))


def test_a_leader_registers_a_group_and_adds_members_through_the_forms(client, leader):
    client.force_login(leader)
    response = client.post(
        reverse("groups:new"),
        {"name": "Sjöscoutkåren Ägir", "organisation": "Scouterna", "country": "SE",
         "kind": "scout_group"},
    )  # fmt: skip
    group = YouthGroup.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(group_url(group))

    response = client.post(
        reverse("groups:member_new", args=[group.pk]),
        {"first_name": "Saga", "family_name": "Öberg", "birth_year": "2012",
         "guardian_name": "Annika Öberg", "guardian_email": "annika@example.se"},
    )  # fmt: skip
    assert response.status_code == 302
    member = GroupMember.objects.get()
    assert member.full_name == "Saga Öberg"
    assert "Saga Öberg" in main_text(client.get(group_url(group)))


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"birth_year": "2013", "birth_date": "2013-02-31"}, "That date does not exist"),
        ({"birth_year": "2099"}, "cannot be in the future"),
        ({"birth_year": "1850"}, "over 100"),
        ({"birth_year": "twenty"}, "four digits"),
        ({"birth_year": "2013", "birth_date": "2012-05-01"}, "not in the year of birth"),
        ({"birth_year": "2013", "guardian_email": ""}, "guardian"),
        ({"birth_year": "2013", "guardian_email": "not-an-address"}, "valid email"),
    ],
)
def test_bad_member_input_gets_a_message_and_nothing_is_stored(
    client, group, leader, post, message
):
    client.force_login(leader)
    data = {
        "first_name": "Anete",
        "family_name": "Zariņa",
        "guardian_name": "Līga Zariņa",
        "guardian_email": "liga@example.lv",
        **post,
    }

    response = client.post(reverse("groups:member_new", args=[group.pk]), data)

    assert response.status_code == 200
    assert message.lower() in main_text(response).lower()
    assert not GroupMember.objects.exists()


def test_booking_through_the_form_and_bad_bookings_change_nothing(
    client, group, leader, exchange, add_members, make_group, other_leader, add_member
):
    minors, adults = add_members(group, minors=9, adults=1)
    client.force_login(leader)
    address = reverse("groups:book", args=[group.pk])
    page = client.get(address)
    assert exchange.title in main_text(page)
    assert 'name="mode"' in page.content.decode() and "checked" not in page.content.decode()
    value = f"activity:{exchange.pk}"
    everyone = [str(m.pk) for m in minors + adults]

    refused = client.post(address, {"target": value, "members": everyone, "mode": "all"})
    assert refused.status_code == 400
    assert "9 minors need at least 2 adults; 1 adult chosen — add 1 more adult" in main_text(
        refused
    )
    stranger = add_member(make_group(other_leader, country="SE"), first="Saga", age=30,
                          guardian=False)  # fmt: skip
    for data in (
        {"target": value, "mode": "all"},
        {"target": "activity:999999", "members": everyone, "mode": "all"},
        {"target": "nonsense", "members": everyone, "mode": "all"},
        {"target": value, "members": [str(stranger.pk)], "mode": "all"},
        {"target": value, "members": everyone, "mode": "sometimes"},
        {"target": value, "members": everyone},  # no choice made for "not enough places"
    ):
        response = client.post(address, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode() or "field-errors" in (
            response.content.decode()
        )
    assert not Enrolment.objects.exists()

    note = {f"note_{minors[0].pk}": "Allergic to peanuts"}
    chosen = [str(m.pk) for m in minors[:8] + adults]
    response = client.post(address, {"target": value, "members": chosen, "mode": "all", **note})
    assert response.status_code == 302
    assert Enrolment.objects.filter(group=group).count() == 9
    assert Enrolment.objects.get(user=minors[0].person).care_notes == "Allergic to peanuts"
    text = main_text(client.get(group_url(group)))
    assert "0 of 8 consents received" in text
    assert "1 place confirmed; 8 places held until a guardian consents" in text


def test_cancel_and_resend_from_the_group_page(client, group, booked, leader, exchange):
    elza, _karlis, martins = booked
    client.force_login(leader)
    enrolment = Enrolment.objects.get(user=elza.person)

    response = client.post(reverse("groups:consent_resend", args=[group.pk, enrolment.pk]))
    assert response.status_code == 302
    assert "We have sent the consent e-mail again" in main_text(client.get(group_url(group)))

    cancel = reverse("groups:booking_cancel", args=[group.pk, enrolment.pk])
    assert "Cancel the booking of Elza Liepiņa?" in main_text(client.get(cancel))
    client.post(cancel, {"confirm": "yes"})
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.WITHDRAWN
    assert "cancelled and the place freed" in main_text(client.get(group_url(group)))


def test_the_group_passes_are_one_pdf_with_members_without_accounts(
    client, group, booked, leader, exchange
):
    elza, karlis, martins = booked
    give_consent(karlis, name="Ieva Ērgle")
    client.force_login(leader)

    response = client.get(reverse("groups:passes", args=[group.pk, exchange.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # the confirmed ones; Elza waits for her guardian
    text = pdf_text(response.content)
    assert "Kārlis Ērglis" in text and "Mārtiņš Ozols" in text
    assert "Elza Liepiņa" not in text
    assert exchange.title in text.replace("\n", " ")
    assert "Latvia" in text
    # The passes are the members' own: the desk reads them like anyone's.
    for member in (karlis, martins):
        ticket = Enrolment.objects.get(user=member.person).participant_pass
        found = attendance.pass_lookup(activity=exchange, text=ticket.token)
        assert found.enrolment.user == member.person


def test_the_group_passes_keep_their_file_name_when_the_address_has_the_regions_letters(
    client, group, booked, leader, exchange
):
    exchange.slug = "jauniešu-apmaiņa-cēsīs"
    exchange.save()
    client.force_login(leader)

    response = client.get(reverse("groups:passes", args=[group.pk, exchange.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline; filename")
    assert (
        "passes-jaunie%C5%A1u-apmai%C5%86a-c%C4%93s%C4%ABs-group-"
        in response["Content-Disposition"]
    )


def test_care_notes_are_shown_to_activity_staff_only(client, group, booked, exchange, clock):
    staff = UserFactory()
    setup = attendance.attendance_setup_ensure(activity=exchange)
    staff.groups.add(attendance.activity_staff_group_ensure(setup=setup))
    address = reverse("groups:care_notes", args=[exchange.pk])

    client.force_login(UserFactory())
    assert client.get(address).status_code == 404
    client.force_login(staff)
    # Door staff see them on the activity's days only.
    assert client.get(address).status_code == 403
    clock.now = exchange.starts_at + dt.timedelta(hours=1)
    text = main_text(client.get(address))
    assert "Kārlis Ērglis" in text and "Vegetarian" in text
    assert "Cēsu jaunie glābēji" in text


def test_a_member_with_a_booking_is_not_removed_through_the_page(client, group, booked, leader):
    elza, _karlis, _martins = booked
    client.force_login(leader)

    response = client.post(
        reverse("groups:member_remove", args=[group.pk, elza.pk]), {"confirm": "yes"}
    )

    assert response.status_code == 400
    assert "Cancel the booking first" in main_text(response)
    assert GroupMember.objects.filter(pk=elza.pk).exists()


def test_inviting_an_address_with_no_account_says_only_that_it_was_sent(client, group, leader):
    client.force_login(leader)

    response = client.post(
        reverse("groups:leader_add", args=[group.pk]), {"email": "nobody@example.lv"}, follow=True
    )

    assert "Invitation sent to nobody@example.lv" in main_text(response)
    assert group.leaders.count() == 1


def test_member_data_helper_makes_minors_minors():
    data = member_data(age=14)
    assert age_on(on=dt.date(2030, 1, 15), birth_date=None, birth_year=data.birth_year) == 14
