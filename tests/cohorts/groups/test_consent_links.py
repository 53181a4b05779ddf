"""The guardian's link, used the way a guardian uses it: open the e-mail's link, read the page,
press a button. Single use, expiry, replay, other minors' tokens, damaged links, a notice that
changes while the page is open, refusal and withdrawal — each with a clear page and nothing
changed when it is refused."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cohorts.models import EnrolmentState
from lms.consent.services import consent_cancel, consent_resend
from lms.models import ConsentState, Event, GuardianConsent, PrivacyNotice
from tests.cohorts import consent_builders
from tests.cohorts.consent_builders import (
    emails_to,
    hold_for_consent,
    latest_link,
    link_in,
    member_of,
)

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
group = consent_builders.group
minor = consent_builders.minor

GUARDIAN = "anna.berzina@example.lv"


@pytest.fixture
def exchange(make_activity):
    return make_activity(
        title="Baltic Youth Exchange: Liepāja",
        slug="baltic-youth-exchange-liepaja",
        capacity=10,
        venue_name="Liepāja Olympic Centre",
        venue_city="Liepāja",
    )


@pytest.fixture
def held(exchange, minor):
    return hold_for_consent(exchange, minor)


def page(token: str) -> str:
    return reverse("consent:page", args=[token])


def form_fields(html: str) -> dict:
    """The hidden fields of the page's form, as a browser would send them."""
    return dict(
        re.findall(r'<input type="hidden" name="(consent|notice_version)" value="([^"]*)"', html)
    )


def answer(client, token: str, decision: str, *, name="Anna Bērziņa", **override):
    """Open the link, then press a button (as the guardian does)."""
    opened = client.get(page(token))
    data = {**form_fields(opened.content.decode()), "decision": decision, "guardian_name": name}
    if decision == "refuse":
        data["confirm"] = "yes"  # the second press, after "Do you really not consent?"
    data.update(override)
    return client.post(page(token), data)


def consent_of(enrolment) -> GuardianConsent:
    return GuardianConsent.objects.get(subject_key=f"enrolment:{enrolment.pk}")


def text(response) -> str:
    return response.content.decode()


# --- reading the page -------------------------------------------------------------------------


def test_the_guardian_gets_an_email_with_a_single_link_and_no_personal_address(held):
    [email] = emails_to(GUARDIAN)
    assert email.subject == "Your consent is needed: Jānis Bērziņš — Baltic Youth Exchange: Liepāja"
    assert "Dear Anna Bērziņa" in email.body_text
    assert "@members.invalid" not in email.body_text + email.body_html
    token = link_in(email)
    # Only the digest is stored, never the token itself.
    assert token not in str(list(consent_of(held).tokens.values()))


def test_opening_the_link_shows_the_activity_and_the_notice_and_decides_nothing(client, held):
    token = latest_link(GUARDIAN)

    for _ in range(2):
        response = client.get(page(token))
        assert response.status_code == 200
    html = text(response)
    assert "Your consent for Jānis Bērziņš" in html
    assert "Baltic Youth Exchange: Liepāja" in html
    assert "Liepāja Olympic Centre" in html
    assert "Rīgas Jaunie Glābēji" in html
    notice = PrivacyNotice.objects.get(version="2026-1")
    assert notice.title in html and "version 2026-1" in html
    assert 'value="give"' in html and 'value="refuse"' in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert client.head(page(token)).status_code == 200
    held.refresh_from_db()
    assert held.state == EnrolmentState.PENDING_CONSENT
    assert consent_of(held).state == ConsentState.PENDING
    assert consent_of(held).tokens.filter(used_at__isnull=False).count() == 0


# --- giving consent ---------------------------------------------------------------------------


def test_giving_consent_confirms_the_place_and_records_who_when_and_which_notice(
    client, held, django_capture_on_commit_callbacks
):
    token = latest_link(GUARDIAN)
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, token, "give", name="  Anna   Bērziņa ")

    assert response.status_code == 302
    done = client.get(response["Location"])
    assert "Thank you: consent is given" in text(done)
    assert "Anna Bērziņa" in text(done) and "version 2026-1" in text(done)
    consent = consent_of(held)
    assert consent.state == ConsentState.GIVEN
    assert consent.decided_by_name == "Anna Bērziņa"
    assert consent.notice.version == "2026-1"
    assert consent.decided_at is not None
    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED
    assert held.claims.count() == 1  # the held place, not a second one
    accepted = Event.objects.filter(
        name="cohorts.enrolment.accepted", payload__enrolment_id=held.pk
    )
    assert accepted.count() == 1
    assert Event.objects.filter(name="lms.consent.given", payload__consent_id=consent.pk).exists()
    assert ModelLogEntry.objects.filter(
        action="lms.consent.give", object_id=str(consent.pk)
    ).exists()
    # The confirmation carries a withdrawal link (a different, single-use token).
    confirmation = emails_to(GUARDIAN, "lms.consent.given")[0]
    assert "Given by: Anna Bērziņa" in confirmation.body_text
    assert link_in(confirmation) != token


def test_a_link_works_once_and_a_replay_changes_nothing(client, held):
    token = latest_link(GUARDIAN)
    opened = client.get(page(token))
    fields = form_fields(text(opened))
    first = client.post(page(token), {**fields, "decision": "give", "guardian_name": "Anna"})
    assert first.status_code == 302
    decided_at = consent_of(held).decided_at

    replay = client.post(page(token), {**fields, "decision": "refuse", "guardian_name": "Other"})

    assert replay.status_code == 410
    assert "already been used" in text(replay) and "Nothing was changed" in text(replay)
    assert "already been used" in text(client.get(page(token)))
    consent = consent_of(held)
    assert (consent.state, consent.decided_by_name, consent.decided_at) == (
        ConsentState.GIVEN,
        "Anna",
        decided_at,
    )


def test_an_expired_link_changes_nothing(client, held, clock):
    token = latest_link(GUARDIAN)
    clock.advance(days=14, minutes=1)

    opened = client.get(page(token))
    posted = client.post(
        page(token),
        {
            "consent": consent_of(held).pk,
            "decision": "give",
            "guardian_name": "Anna",
            "notice_version": "2026-1",
        },
    )

    for response in (opened, posted):
        assert response.status_code == 410
        assert "This link expired on" in text(response)
        assert "send you a new one" in text(response)
    assert consent_of(held).state == ConsentState.PENDING
    held.refresh_from_db()
    assert held.state == EnrolmentState.PENDING_CONSENT


def test_the_link_still_works_just_before_it_expires(client, held, clock):
    token = latest_link(GUARDIAN)
    clock.advance(days=13, hours=23)
    assert answer(client, token, "give").status_code == 302
    assert consent_of(held).state == ConsentState.GIVEN


def test_a_name_is_needed_to_give_consent(client, held):
    token = latest_link(GUARDIAN)

    response = answer(client, token, "give", name="   ")

    assert response.status_code == 400
    assert "Please type your full name" in text(response)
    assert 'value="give"' in text(response)  # the form again, to answer properly
    assert consent_of(held).state == ConsentState.PENDING
    assert answer(client, token, "give", name="Anna Bērziņa").status_code == 302


def test_a_notice_published_while_the_page_was_open_is_shown_and_must_be_read(client, held):
    token = latest_link(GUARDIAN)
    opened = client.get(page(token))
    fields = form_fields(text(opened))
    assert fields["notice_version"] == "2026-1"
    PrivacyNotice.objects.create(
        version="2026-2",
        title="How we keep young people's data (updated)",
        body="We keep the name and the age band.\n\nWe delete care notes 30 days after.",
    )

    stale = client.post(page(token), {**fields, "decision": "give", "guardian_name": "Anna"})

    assert stale.status_code == 409
    assert "privacy notice was updated" in text(stale)
    assert "We delete care notes 30 days after." in text(stale)
    assert consent_of(held).state == ConsentState.PENDING
    fresh = form_fields(text(stale))
    assert fresh["notice_version"] == "2026-2"
    assert (
        client.post(page(token), {**fresh, "decision": "give", "guardian_name": "Anna"}).status_code
        == 302
    )
    assert consent_of(held).notice.version == "2026-2"


def test_a_post_without_a_choice_changes_nothing(client, held):
    response = answer(client, latest_link(GUARDIAN), "maybe")
    assert response.status_code == 400
    assert "Choose one of the buttons" in text(response)
    assert consent_of(held).state == ConsentState.PENDING


# --- other minors' tokens and damaged links ---------------------------------------------------


def test_a_form_posting_one_minors_consent_with_anothers_token_changes_nothing(
    client, exchange, group, held
):
    sister = member_of(group, first="Līga", guardian_email="peteris@example.lv")
    other = hold_for_consent(exchange, sister)
    own_token = latest_link(GUARDIAN)
    other_token = latest_link("peteris@example.lv")
    fields = form_fields(text(client.get(page(own_token))))

    response = client.post(
        page(other_token), {**fields, "decision": "give", "guardian_name": "Anna Bērziņa"}
    )

    assert response.status_code == 400
    assert "belongs to a different consent request" in text(response)
    assert consent_of(held).state == ConsentState.PENDING
    assert consent_of(other).state == ConsentState.PENDING
    # Each token decides only its own minor's consent.
    assert answer(client, other_token, "give", name="Pēteris Liepa").status_code == 302
    assert consent_of(other).state == ConsentState.GIVEN
    assert consent_of(held).state == ConsentState.PENDING


@pytest.mark.parametrize(
    "address",
    [
        "/consent/",
        "/consent/abc/",
        "/consent/" + "A" * 5000 + "/",
        "/consent/Bērziņš-ŽŠ-Þórunn-ÆØÅ-łąę-õäöü-0123456789012345/",
        "/consent/%01%02%7F/",
        "/consent/" + "A" * 42 + "!/",
        "/consent/one/two/three/",
    ],
)
def test_damaged_links_get_a_clear_message_and_change_nothing(client, held, address):
    for response in (
        client.get(address),
        client.post(address, {"consent": consent_of(held).pk, "decision": "give"}),
    ):
        assert response.status_code == 400
        assert "incomplete or damaged" in text(response)
        assert response["Referrer-Policy"] == "same-origin"
    assert consent_of(held).state == ConsentState.PENDING


def test_a_null_byte_in_the_link_is_refused_before_anything_is_looked_up(client, held):
    response = client.get("/consent/%00%01%02/")
    assert response.status_code == 400
    assert "could not be understood" in text(response)
    assert consent_of(held).state == ConsentState.PENDING


def test_an_unknown_token_gets_a_clear_message(client, held):
    forged = "A" * 43
    response = client.post(
        page(forged), {"consent": consent_of(held).pk, "decision": "give", "guardian_name": "X"}
    )
    assert response.status_code == 404
    assert "no consent request has this link" in text(response)
    assert consent_of(held).state == ConsentState.PENDING


def test_the_form_needs_its_csrf_token(held):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    token = latest_link(GUARDIAN)
    response = browser.post(page(token), {"decision": "give", "guardian_name": "Anna"})
    assert response.status_code == 403
    assert consent_of(held).state == ConsentState.PENDING


def test_a_tampered_confirmation_address_gets_a_clear_message(client):
    response = client.get(reverse("consent:done") + "?r=not-signed")
    assert response.status_code == 400
    assert "confirmation page has expired" in text(response)


# --- refusing and withdrawing -----------------------------------------------------------------


def test_refusing_needs_no_name_and_releases_the_place(client, held):
    token = latest_link(GUARDIAN)

    response = answer(client, token, "refuse", name="")

    assert response.status_code == 302
    assert "no consent" in text(client.get(response["Location"]))
    consent = consent_of(held)
    assert consent.state == ConsentState.REFUSED and consent.decided_by_name == ""
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN and held.claims.count() == 0
    [refused] = emails_to(GUARDIAN, "lms.consent.refused")
    assert "you did not consent for Jānis Bērziņš" in refused.body_text


def test_withdrawing_takes_one_press_from_the_confirmation_email(client, held):
    answer(client, latest_link(GUARDIAN), "give")
    withdraw_token = latest_link(GUARDIAN, "lms.consent.given")

    opened = client.get(page(withdraw_token))
    assert opened.status_code == 200
    assert "Withdraw your consent for Jānis Bērziņš" in text(opened)
    assert opened["Referrer-Policy"] == "same-origin"
    assert consent_of(held).state == ConsentState.GIVEN  # opening decides nothing

    fields = form_fields(text(opened))
    response = client.post(page(withdraw_token), {**fields, "decision": "withdraw"})

    assert response.status_code == 302
    assert "Consent withdrawn" in text(client.get(response["Location"]))
    consent = consent_of(held)
    assert consent.state == ConsentState.WITHDRAWN and consent.withdrawn_at is not None
    assert consent.decided_by_name == "Anna Bērziņa"  # who gave it stays on record
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN
    assert emails_to(GUARDIAN, "lms.consent.withdrawn")
    replay = client.post(page(withdraw_token), {**fields, "decision": "withdraw"})
    assert replay.status_code == 410 and "already been used" in text(replay)


def test_a_refusal_is_asked_once_more_and_nothing_is_recorded_until_confirmed(client, held):
    token = latest_link(GUARDIAN)

    first = answer(client, token, "refuse", name="Anna Bērziņa", confirm="")

    assert first.status_code == 200
    assert "Do you really not consent?" in text(first)
    assert "will be released for someone else at once" in text(first)
    assert consent_of(held).state == ConsentState.PENDING
    held.refresh_from_db()
    assert held.state == EnrolmentState.PENDING_CONSENT
    assert not emails_to(GUARDIAN, "lms.consent.refused")
    # The link is still unused: going back and giving consent works.
    assert answer(client, token, "give").status_code == 302
    assert consent_of(held).state == ConsentState.GIVEN


def test_the_confirmation_form_records_the_refusal_with_the_name_typed_before(client, held):
    token = latest_link(GUARDIAN)
    asked = answer(client, token, "refuse", name="Anna Bērziņa", confirm="")
    confirm_form = text(asked).split('id="confirm-refuse"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm_form))
    assert fields["confirm"] == "yes" and fields["decision"] == "refuse"

    response = client.post(page(token), fields)

    assert response.status_code == 302
    consent = consent_of(held)
    assert (consent.state, consent.decided_by_name) == (ConsentState.REFUSED, "Anna Bērziņa")


def test_a_decide_link_cannot_withdraw_and_a_withdraw_link_cannot_decide(client, held):
    token = latest_link(GUARDIAN)
    fields = form_fields(text(client.get(page(token))))
    wrong = client.post(page(token), {**fields, "decision": "withdraw"})
    assert wrong.status_code == 400 and "not for withdrawing it" in text(wrong)
    assert consent_of(held).state == ConsentState.PENDING

    answer(client, token, "give")
    withdraw_token = latest_link(GUARDIAN, "lms.consent.given")
    again = client.post(
        page(withdraw_token),
        {"consent": fields["consent"], "decision": "refuse", "guardian_name": "Anna"},
    )
    assert again.status_code == 400 and "not for giving it" in text(again)
    assert consent_of(held).state == ConsentState.GIVEN


def test_after_a_decision_other_links_of_the_same_consent_say_it_was_answered(client, held, clock):
    first = latest_link(GUARDIAN)
    clock.advance(days=4)
    from lms.consent.services import consent_reminders_send

    assert consent_reminders_send() == 1
    second = latest_link(GUARDIAN, "lms.consent.reminder")
    answer(client, second, "give")

    response = client.get(page(first))
    assert response.status_code == 410
    assert "Consent was already given" in text(response)


# --- cancelled and resent ---------------------------------------------------------------------


def test_a_cancelled_request_says_it_is_no_longer_needed(client, held):
    token = latest_link(GUARDIAN)
    consent_cancel(subject_key=f"enrolment:{held.pk}")

    response = answer(client, token, "give")

    assert response.status_code == 410
    assert "no longer needed" in text(response)
    assert consent_of(held).state == ConsentState.CANCELLED


def test_a_resent_link_replaces_the_earlier_one(client, held, group):
    old = latest_link(GUARDIAN)
    consent_resend(consent=consent_of(held), actor=group.leaders.first())

    new = latest_link(GUARDIAN, "lms.consent.resend")
    assert new != old
    replaced = client.get(page(old))
    assert replaced.status_code == 410 and "replaced by a newer one" in text(replaced)
    assert answer(client, new, "give").status_code == 302
    assert consent_of(held).state == ConsentState.GIVEN


def test_asking_twice_for_the_same_place_sends_one_request(held, minor):
    from cohorts.groups.consent import enrolment_consent_request

    again = enrolment_consent_request(enrolment=held, member=minor, actor=None)

    assert again == consent_of(held)
    assert len(emails_to(GUARDIAN)) == 1


def test_consent_given_under_a_later_date_keeps_the_link_expiry_from_the_request(held):
    token_row = consent_of(held).tokens.get()
    assert token_row.expires_at - token_row.created_at == dt.timedelta(days=14)
