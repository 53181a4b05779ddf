"""The booking form offers only what the group can book (and says beside the rest why not),
a refused all-or-nothing booking names every problem at once, and a member's age band follows
one rule on the whole page: their age on an activity's first day, as the page says."""

import pytest
from django.urls import reverse

from cohorts.errors import CohortsError
from lms.models import Sector
from tests.cohorts.groups.test_groups_views import book, main_text

pytestmark = pytest.mark.django_db


def test_a_sector_limited_activity_is_not_offered_and_says_why(
    client, group, leader, exchange, make_activity, add_member
):
    add_member(group, first="Elza", age=14)
    police_only = make_activity(
        title="Police table-top", slug="police-table-top", sectors=[Sector.POLICE]
    )
    client.force_login(leader)

    page = client.get(reverse("groups:book", args=[group.pk]))

    choices = dict(page.context["form"].fields["target"].choices)
    assert f"activity:{exchange.pk}" in choices
    assert f"activity:{police_only.pk}" not in choices
    text = main_text(page)
    assert "Open, but not for your group" in text
    assert "Police table-top" in text and "does not qualify" in text


def test_an_activity_for_ages_none_of_the_members_has_says_why(
    client, group, leader, exchange, add_member
):
    add_member(group, first="Elza", age=14)
    exchange.min_age, exchange.max_age = 16, 17
    exchange.save()
    client.force_login(leader)

    page = client.get(reverse("groups:book", args=[group.pk]))

    assert f"activity:{exchange.pk}" not in dict(page.context["form"].fields["target"].choices)
    assert "For ages 16–17 on its first day (15 January 2030); none of your members is" in (
        main_text(page)
    )


def test_every_problem_of_a_refused_booking_is_named_at_once(group, exchange, add_member):
    exchange.min_age, exchange.minors_per_adult = 12, 8
    exchange.save()
    too_young = add_member(group, first="Līva", age=11)
    minors = [add_member(group, first=f"Elza {i}", age=14) for i in range(9)]

    with pytest.raises(CohortsError) as refused:
        book(group, exchange, [too_young, *minors])

    message = refused.value.message
    assert "Līva Liepiņa" in message and "is under 12 on the first day" in message
    assert "9 minors need at least 2 adults" in message
    assert message.endswith("Nothing was booked.")


def test_members_and_bookings_show_the_same_age_band(client, group, leader, exchange, add_member):
    # Under 10 today (December 2026), 13 on the exchange's first day (15 January 2030)
    elza = add_member(group, first="Elza", age=13)
    adult = add_member(group, first="Mārtiņš", age=35, guardian=False)
    book(group, exchange, [elza, adult])
    client.force_login(leader)

    page = main_text(client.get(reverse("groups:group", args=[group.pk])))

    bookings, members = page.split("Members", 1)[0], page.split("Members", 1)[1]
    assert "13–15" in bookings and "13–15" in members
    assert "under 10" not in page
    assert "Age bands are counted on an activity's first day" in members
    assert "15 January 2030 (the first day of BYFORES youth exchange in Cēsis)" in members
