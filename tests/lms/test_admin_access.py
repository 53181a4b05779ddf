"""/admin/ for a logged-in person without admin access: a page that says so and where to go,
never a redirect back to the login page (which sent them straight back: a loop)."""

import pytest
from django.urls import reverse

from cohorts.models import FocalPoint
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def participant():
    return UserFactory(profile__full_name="Jānis Bērziņš")


def focal_point():
    user = UserFactory(profile__full_name="Žydrūnas Šimkus", profile__country="LT")
    FocalPoint.objects.create(user=user, country="LT")
    return user


def group_leader():
    from cohorts.groups import services as groups
    from cohorts.models import GroupKind

    user = UserFactory(profile__full_name="Agnese Bērziņa")
    groups.group_create(
        actor=user,
        data=groups.GroupData(
            name="Cēsu jaunie glābēji",
            organisation="VUGD",
            country="LV",
            kind=GroupKind.RESCUE_YOUTH,
        ),
    )
    return user


@pytest.mark.parametrize("make", [participant, group_leader, focal_point])
@pytest.mark.parametrize("url", ["/admin/", "/admin/pages/", "/admin/cohorts/desk/"])
def test_people_without_admin_access_are_told_where_to_go(client, make, url):
    client.force_login(make())

    response = client.get(url)

    assert response.status_code == 403
    text = visible_text(response)
    assert "No access to the admin" in text
    assert f'href="{reverse("my_learning")}"' in response.content.decode()


def test_the_login_page_no_longer_sends_them_back_to_the_admin(client):
    client.force_login(participant())

    first = client.get("/admin/")
    login = client.get(reverse("login") + "?next=/admin/")

    assert first.status_code == 403
    assert "Location" not in first
    # Following the login page's redirect lands on the same explanation, not on a loop.
    assert client.get(login.get("Location", "/admin/")).status_code == 403


def test_logged_out_visitors_still_go_to_the_login_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_still_reach_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get("/admin/").status_code == 200
