"""The groups demo: after `manage.py load_demo` a BYFORES youth exchange has a Latvian and a
Swedish group whose leaders log in with the published password, minors among the members, some
guardians' consents given and some still pending; running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cohorts.demo import PARTICIPANT_PASSWORD
from cohorts.demo.groups import EXCHANGE_SLUG
from cohorts.models import Enrolment, EnrolmentState, GroupMember, YouthGroup
from lms.models import ConsentState, GuardianConsent, User
from programmes.models import ActivityPage

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", only=["programmes", "groups"], stdout=out)
    return out.getvalue()


def state() -> dict:
    return {
        "groups": sorted(YouthGroup.objects.values_list("name", "country")),
        "members": GroupMember.objects.count(),
        "people": User.objects.count(),
        "places": sorted(Enrolment.objects.values_list("user_id", "state", "group_id")),
        "consents": sorted(GuardianConsent.objects.values_list("subject_key", "state")),
    }


@pytest.mark.parametrize("handlers_run", [False, True])
def test_the_demo_exchange_has_two_groups_with_consents_given_and_pending(
    handlers_run, django_capture_on_commit_callbacks, client
):
    if handlers_run:
        with django_capture_on_commit_callbacks(execute=True):
            load_demo()
    else:
        load_demo()

    exchange = ActivityPage.objects.get(slug=EXCHANGE_SLUG)
    assert exchange.get_parent().slug == "byfores"
    assert exchange.minors_per_adult == 8
    groups = {g.country.code: g for g in YouthGroup.objects.all()}
    assert set(groups) == {"LV", "SE"}
    assert groups["LV"].name == "Cēsu jaunie glābēji"
    assert groups["SE"].name == "Sjöscoutkåren Ägir"
    places = Enrolment.objects.filter(activity=exchange)
    assert places.filter(state=EnrolmentState.PENDING_CONSENT).count() == 4
    # Latvia: 2 leaders and 4 consented minors; Sweden: a leader, an assistant, 2 minors.
    assert places.filter(state=EnrolmentState.ACCEPTED).count() == 6 + 4
    given = GuardianConsent.objects.filter(state=ConsentState.GIVEN)
    pending = GuardianConsent.objects.filter(state=ConsentState.PENDING)
    assert given.count() == 6 and pending.count() == 4
    assert places.filter(user__email__endswith="@members.invalid").count() == 11
    assert places.exclude(care_notes="").count() == 2

    first = state()
    load_demo()
    assert state() == first

    # The leader logs in with the published password and sees who is still missing.
    leader = User.objects.get(email="agnese.berzina@example.org")
    assert client.login(email=leader.email, password=PARTICIPANT_PASSWORD)
    page = client.get(reverse("groups:group", args=[groups["LV"].pk]))
    assert "4 of 6 consents received" in page.content.decode()
