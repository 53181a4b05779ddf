"""The links that carry a secret (offer, nomination, guardian consent, survey invitation, pass,
calendar feed; the data export and the password reset): the token is never stored in clear, a
token of one purpose opens no other link, each link ends (expires, or is revoked), and opening
one (GET or HEAD) changes nothing."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from cohorts.models import Enrolment, EnrolmentState
from lms.models import ConsentToken
from programmes.progress.services import calendar_feed_reset
from tests.lms.privacy_world import traces_of
from tests.security.world import database_state

# The link of each token, and who opens it in the tests: the holder (its owner) and a stranger.
LINKS = {
    "offer": "cohorts:offer",
    "nomination": "cohorts:nomination",
    "consent": "consent:page",
    "survey": "cohorts:survey_answer",
    "pass": "cohorts:pass_scan",
    "calendar": "calendar_feed",
}


def link(purpose: str, token: str) -> str:
    return reverse(LINKS[purpose], args=[token])


# --- stored hashed -----------------------------------------------------------------------------


def test_no_token_is_stored_in_clear(world):
    # E-mails waiting in the outbox must carry their link until they are sent; what is kept of
    # them afterwards is the outbox's business (its own tests), so the outbox is not searched.
    found = [
        trace
        for trace in traces_of(list(world.tokens.values()))
        if not trace.startswith("lms.OutgoingEmail.")
    ]
    assert found == []


# --- single purpose ----------------------------------------------------------------------------


def test_a_token_opens_only_its_own_link(world):
    client = Client()
    wrong = []
    for purpose, token in world.tokens.items():
        assert client.get(link(purpose, token)).status_code == 200, purpose
        for other in LINKS:
            status = client.get(link(other, token)).status_code
            if other != purpose and status not in (400, 404):
                wrong.append(f"a {purpose} token at the {other} link: {status}")
    assert wrong == []


# --- GET and HEAD change nothing ---------------------------------------------------------------


def test_opening_a_link_changes_nothing(world):
    clients = {}
    for who in ("anonymous", "owner", "door_staff", "focal_point"):
        clients[who] = Client()
        if world.users[who] is not None:
            clients[who].force_login(world.users[who])  # (records the login time)
    before = database_state()
    for who, client in clients.items():
        for purpose, token in world.tokens.items():
            client.get(link(purpose, token))
            client.head(link(purpose, token))
            assert database_state() == before, (who, purpose)


def test_other_token_links_change_nothing_on_get(world):
    owner = Client()
    owner.force_login(world.owner)  # (records the login time)
    export = world.objects["export"]
    addresses = [
        reverse("my_data_download", args=[export.pk]),
        reverse("my_data_status", args=[export.pk]),
        reverse(
            "password_reset_confirm",
            kwargs=world.by_name["password_reset_confirm"] | {"uidb64": world.kwargs["uidb64"]},
        ),
    ]
    before = database_state()
    for address in addresses:
        owner.get(address)
        owner.head(address)
        Client().get(address)
    assert database_state() == before


# --- every link ends ---------------------------------------------------------------------------


def test_an_offer_link_expires(world, clock):
    offer = world.objects["enrolments"]["offer"]
    clock.now = offer.offer_expires_at + dt.timedelta(minutes=1)
    address = link("offer", world.tokens["offer"])
    assert "expired" in Client().get(address).content.decode().lower()
    Client().post(address, {"answer": "accept"})
    offer.refresh_from_db()
    assert offer.state == EnrolmentState.OFFERED  # untouched: the expiry job withdraws it


def test_a_consent_link_expires(world, clock):
    row = ConsentToken.objects.get(consent__requested_by=world.owner)
    clock.now = row.expires_at + dt.timedelta(minutes=1)
    page = Client().get(link("consent", world.tokens["consent"])).content.decode()
    assert "expired" in page


def test_a_survey_link_ends_when_the_survey_closes(world, clock):
    survey = world.objects["invitation"].survey
    survey.closes_at = clock.now
    survey.save(update_fields=["closes_at"])
    page = Client().get(link("survey", world.tokens["survey"])).content.decode()
    assert "closed" in page.lower()


def test_a_revoked_pass_no_longer_opens_the_desk(world):
    from cohorts.attendance.services import pass_revoke

    pass_revoke(enrolment=world.objects["enrolments"]["registration"])
    desk = Client()
    desk.force_login(world.users["door_staff"])
    page = desk.get(link("pass", world.tokens["pass"]), follow=True).content.decode()
    assert "This pass was cancelled" in page


def test_a_reset_calendar_link_stops_working(world):
    calendar_feed_reset(user=world.owner)
    assert Client().get(link("calendar", world.tokens["calendar"])).status_code == 404


def test_a_data_export_ends(world, clock):
    export = world.objects["export"]
    owner = Client()
    owner.force_login(world.owner)
    address = reverse("my_data_download", args=[export.pk])
    assert owner.get(address).status_code == 200
    clock.now = export.expires_at + dt.timedelta(minutes=1)
    assert owner.get(address).status_code == 404


def test_a_password_reset_link_expires(world, clock, settings):
    kwargs = {
        "uidb64": world.kwargs["uidb64"],
        "token": world.by_name["password_reset_confirm"]["token"],
    }
    client = Client()
    form = client.get(reverse("password_reset_confirm", kwargs=kwargs), follow=True)
    assert "new_password1" in form.content.decode()
    # The reset token keeps its own time (not the services' clock): a timeout already passed.
    settings.PASSWORD_RESET_TIMEOUT = -1
    late = Client().get(reverse("password_reset_confirm", kwargs=kwargs), follow=True)
    assert "new_password1" not in late.content.decode()


def test_a_confirmed_nomination_link_stops_working(world):
    # Nomination links have no expiry of their own yet; they end when the place is decided.
    nomination = world.objects["nomination"]
    Enrolment.objects.filter(pk=nomination.pk).update(
        state=EnrolmentState.ACCEPTED, token_hash=None
    )
    assert Client().get(link("nomination", world.tokens["nomination"])).status_code == 404
