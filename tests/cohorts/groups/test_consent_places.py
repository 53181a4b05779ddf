"""What a guardian's answer does to the minor's place: consent confirms it (under the place lock,
with its event), refusal and withdrawal free it for the waitlist; reminders to guardians who have
not answered; and the check-in desk, which refuses a minor without consent and says so."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cohorts.attendance import services as attendance
from cohorts.groups.consent import consent_complete, consent_status
from cohorts.models import AttendanceRecord, EnrolmentState, ParticipantPass
from lms.consent.services import consent_reminders_send
from lms.models import ConsentState, Event, GuardianConsent, OutgoingEmail
from tests.cohorts import attendance_builders as builders
from tests.cohorts import consent_builders
from tests.cohorts.attendance_builders import DAY_1, at, session_on
from tests.cohorts.consent_builders import (
    emails_to,
    hold_for_consent,
    latest_link,
    link_in,
    member_of,
)
from tests.programmes.builders import local

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
group = consent_builders.group
minor = consent_builders.minor

desk_staff = builders.desk_staff
register = builders.register
tabletop = builders.tabletop

GUARDIAN = "anna.berzina@example.lv"


def page(token: str) -> str:
    return reverse("consent:page", args=[token])


def answer(client, token: str, decision: str, *, name="Anna Bērziņa"):
    html = client.get(page(token)).content.decode()
    fields = dict(
        re.findall(r'<input type="hidden" name="(consent|notice_version)" value="([^"]*)"', html)
    )
    if decision == "refuse":
        fields["confirm"] = "yes"  # the second press, after "Do you really not consent?"
    return client.post(page(token), {**fields, "decision": decision, "guardian_name": name})


def consent_of(enrolment) -> GuardianConsent:
    return GuardianConsent.objects.get(subject_key=f"enrolment:{enrolment.pk}")


def events(name: str, enrolment) -> list[dict]:
    return list(
        Event.objects.filter(name=name, payload__enrolment_id=enrolment.pk).values_list(
            "payload", flat=True
        )
    )


@pytest.fixture
def small_exchange(make_activity):
    """Two places: the minor's held place and one more."""
    return make_activity(title="Baltic Youth Exchange: Liepāja", capacity=2)


@pytest.fixture
def full_with_waitlist(small_exchange, minor, register):
    """The minor's place held pending consent, an adult registrant with the other place, and a
    second registrant waiting."""
    held = hold_for_consent(small_exchange, minor)
    adult = register(small_exchange, name="Žydrūnas Šimkus", country="LT")
    waiting = register(small_exchange, name="Þórunn Guðmundsdóttir", country="IS")
    assert adult.state == EnrolmentState.ACCEPTED
    assert waiting.state == EnrolmentState.WAITLISTED
    return held, waiting


# --- consent given ----------------------------------------------------------------------------


def test_consent_given_confirms_the_held_place_and_announces_it(
    client, small_exchange, minor, django_capture_on_commit_callbacks
):
    held = hold_for_consent(small_exchange, minor)
    assert events("cohorts.enrolment.accepted", held) == []
    assert consent_complete(held) is False

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, latest_link(GUARDIAN), "give")

    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED
    assert events("cohorts.enrolment.accepted", held) == [
        {"enrolment_id": held.pk, "user_id": minor.person_id, "activity_id": small_exchange.pk}
    ]
    assert consent_complete(held) is True
    assert consent_status(held).text == "Guardian consent: complete"
    # The member has no e-mail address: their confirmation (with the pass) is kept, not sent.
    confirmation = OutgoingEmail.objects.get(recipient=minor.person.email)
    assert confirmation.status == OutgoingEmail.Status.SUPPRESSED
    assert ParticipantPass.objects.filter(enrolment=held, revoked_at__isnull=True).exists()


def test_consent_for_a_cohort_place_describes_the_cohort(client, make_cohort, minor):
    cohort = make_cohort(title="Secure Kids 2030 — Latvian presidency", capacity=5)
    cohort.presidency_country = "LV"
    cohort.save()
    held = hold_for_consent(cohort, minor)

    html = client.get(page(latest_link(GUARDIAN))).content.decode()

    assert "Secure Kids 2030 — Latvian presidency" in html
    assert "under the presidency of Latvia" in html
    answer(client, latest_link(GUARDIAN), "give")
    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED


# --- refusal and withdrawal free the place ----------------------------------------------------


def test_refusal_frees_the_place_and_the_waitlist_moves(
    client, full_with_waitlist, django_capture_on_commit_callbacks
):
    held, waiting = full_with_waitlist

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, latest_link(GUARDIAN), "refuse")

    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN and held.claims.count() == 0
    assert events("cohorts.enrolment.withdrawn", held)[0]["freed"] is True
    assert waiting.state == EnrolmentState.OFFERED
    assert OutgoingEmail.objects.filter(
        recipient=waiting.user.email, reason=f"cohorts.offered:{waiting.pk}"
    ).exists()


def test_withdrawal_frees_the_place_and_the_waitlist_moves(
    client, full_with_waitlist, django_capture_on_commit_callbacks
):
    held, waiting = full_with_waitlist
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, latest_link(GUARDIAN), "give")
    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.WAITLISTED

    withdraw_link = latest_link(GUARDIAN, "lms.consent.given")
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get(page(withdraw_link)).content.decode()
        consent_id = re.search(r'name="consent" value="(\d+)"', html).group(1)
        client.post(page(withdraw_link), {"consent": consent_id, "decision": "withdraw"})

    held.refresh_from_db()
    waiting.refresh_from_db()
    assert consent_of(held).state == ConsentState.WITHDRAWN
    assert held.state == EnrolmentState.WITHDRAWN and held.claims.count() == 0
    assert held.decision_reason == "guardian withdrew consent"
    assert waiting.state == EnrolmentState.OFFERED
    # The pass stops working with the place.
    assert not ParticipantPass.objects.filter(enrolment=held, revoked_at__isnull=True).exists()


def test_consent_for_a_place_the_leader_cancelled_meanwhile_changes_nothing(
    client, small_exchange, minor
):
    from cohorts.places.services import enrolment_withdraw

    held = hold_for_consent(small_exchange, minor)
    token = latest_link(GUARDIAN)
    enrolment_withdraw(enrolment=held, actor=None, reason="the group cancelled")

    response = answer(client, token, "give")

    assert response.status_code == 410
    assert "no longer exists" in response.content.decode()
    assert consent_of(held).state == ConsentState.PENDING
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN


# --- reminders --------------------------------------------------------------------------------


def test_reminders_go_to_guardians_who_have_not_answered_with_a_fresh_link(
    client, clock, small_exchange, group, minor
):
    held = hold_for_consent(small_exchange, minor)
    answered = hold_for_consent(
        small_exchange, member_of(group, first="Līga", guardian_email="peteris@example.lv")
    )
    answer(client, latest_link("peteris@example.lv"), "give", name="Pēteris Liepa")
    first_link = latest_link(GUARDIAN)

    clock.advance(days=2, hours=23)
    assert consent_reminders_send() == 0
    clock.advance(hours=2)
    assert consent_reminders_send() == 1
    assert consent_reminders_send() == 0  # a second run in the same period sends nothing

    [reminder] = emails_to(GUARDIAN, "lms.consent.reminder")
    assert reminder.subject.startswith("Reminder: your consent is needed for Jānis Bērziņš")
    fresh = link_in(reminder)
    assert fresh != first_link
    assert emails_to("peteris@example.lv", "lms.consent.reminder") == []
    assert consent_of(answered).reminders_sent == 0

    clock.advance(days=3)
    assert consent_reminders_send() == 1
    clock.advance(days=3)
    assert consent_reminders_send() == 0  # at most two
    clock.advance(days=30)
    assert consent_reminders_send() == 0
    assert len(emails_to(GUARDIAN, "lms.consent.reminder")) == 2
    assert consent_of(held).reminders_sent == 2
    assert client.get(page(first_link)).status_code == 410  # expired after 14 days


def test_a_reminder_link_works(client, clock, small_exchange, minor):
    held = hold_for_consent(small_exchange, minor)
    clock.advance(days=3, minutes=1)
    assert consent_reminders_send() == 1

    response = answer(client, latest_link(GUARDIAN, "lms.consent.reminder"), "give")

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == EnrolmentState.ACCEPTED


def test_no_reminders_for_cancelled_or_refused_requests(client, clock, small_exchange, group):
    from lms.consent.services import consent_cancel

    cancelled = hold_for_consent(small_exchange, member_of(group, guardian_email="a@example.lv"))
    hold_for_consent(small_exchange, member_of(group, first="Līga", guardian_email="b@example.lv"))
    consent_cancel(subject_key=f"enrolment:{cancelled.pk}")
    answer(client, latest_link("b@example.lv"), "refuse")

    clock.advance(days=4)
    assert consent_reminders_send() == 0
    assert not OutgoingEmail.objects.filter(reason__startswith="lms.consent.reminder").exists()


def test_the_reminder_settings_apply(client, clock, small_exchange, minor, settings):
    settings.CONSENT_REMINDER_DAYS = 1
    settings.CONSENT_REMINDERS_MAX = 1
    hold_for_consent(small_exchange, minor)
    clock.advance(days=1, minutes=1)
    assert consent_reminders_send() == 1
    clock.advance(days=1, minutes=1)
    assert consent_reminders_send() == 0


# --- the check-in desk ------------------------------------------------------------------------


def desk_url(activity) -> str:
    return reverse("cohorts:check_in_desk", args=[activity.pk])


def check_in(client, activity, enrolment):
    session = session_on(activity, DAY_1)
    return client.post(
        reverse("cohorts:check_in", args=[activity.pk, enrolment.pk]),
        {"session": session.pk},
        follow=True,
    )


def test_a_minor_without_consent_is_refused_at_the_desk_until_consent_is_given(
    client, clock, tabletop, minor, desk_staff, django_capture_on_commit_callbacks
):
    at(clock, "2030-01-12 18:00")
    held = hold_for_consent(tabletop, minor)
    at(clock, f"{DAY_1} 09:30")
    client.force_login(desk_staff(tabletop))

    desk = client.get(desk_url(tabletop)).content.decode()
    assert "Jānis Bērziņš" in desk
    assert "Guardian consent: missing (waiting for the guardian) — cannot be checked in" in desk
    assert f'action="{reverse("cohorts:check_in", args=[tabletop.pk, held.pk])}"' not in desk

    refused = check_in(client, tabletop, held).content.decode()
    assert (
        "Jānis Bērziņš is a minor and their guardian&#x27;s consent has not been received — "
        "they cannot be checked in." in refused
    )
    assert not AttendanceRecord.objects.filter(enrolment=held).exists()

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, latest_link(GUARDIAN), "give")

    desk = client.get(desk_url(tabletop)).content.decode()
    assert "Guardian consent: complete" in desk
    accepted = check_in(client, tabletop, held).content.decode()
    assert "Jānis Bērziņš is checked in." in accepted
    assert AttendanceRecord.objects.filter(enrolment=held, status="present").count() == 1


def test_a_scanned_pass_of_a_minor_shows_the_consent(
    client, clock, tabletop, minor, desk_staff, django_capture_on_commit_callbacks
):
    at(clock, "2030-01-12 18:00")
    held = hold_for_consent(tabletop, minor)
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, latest_link(GUARDIAN), "give")
    ticket = ParticipantPass.objects.get(enrolment=held)
    at(clock, f"{DAY_1} 09:30")
    client.force_login(desk_staff(tabletop))

    card = client.get(
        reverse("cohorts:check_in_pass", args=[tabletop.pk]), {"code": ticket.token}
    ).content.decode()

    assert "Jānis Bērziņš" in card and "Guardian consent: complete" in card
    assert "Check in Jānis Bērziņš" in card


def test_an_accepted_minor_whose_consent_is_missing_is_refused_by_scan(
    clock, tabletop, group, desk_staff
):
    """A minor's place accepted without a guardian's consent on record (say, by staff) is still
    refused at the desk."""
    from cohorts.models import Enrolment, EnrolmentSource

    at(clock, "2030-01-12 18:00")
    member = member_of(group)
    enrolment = Enrolment.objects.create(
        activity=tabletop,
        user=member.person,
        group=group,
        source=EnrolmentSource.GROUP,
        state=EnrolmentState.ACCEPTED,
        country="LV",
    )
    ticket = attendance.pass_ensure(enrolment=enrolment)
    at(clock, f"{DAY_1} 09:30")

    found = attendance.pass_lookup(activity=tabletop, text=ticket.token)

    assert not found.ok
    assert "is a minor and their guardian's consent has not been received" in found.message


def test_an_adult_member_of_a_group_needs_no_consent(clock, tabletop, group):
    from cohorts.models import Enrolment, EnrolmentSource

    adult = member_of(group, first="Kristīne", family="Ozoliņa", birth_date=dt.date(1990, 3, 3))
    enrolment = Enrolment.objects.create(
        activity=tabletop,
        user=adult.person,
        group=group,
        source=EnrolmentSource.GROUP,
        state=EnrolmentState.ACCEPTED,
        country="LV",
    )
    assert consent_status(enrolment) is None
    assert consent_complete(enrolment) is True


def test_a_member_who_turns_18_before_the_activity_needs_no_consent(tabletop, group):
    from cohorts.models import Enrolment, EnrolmentSource

    assert tabletop.starts_at == local(f"{DAY_1} 09:00")
    almost = member_of(group, first="Õie", family="Täht", birth_date=dt.date(2012, 1, 15))
    enrolment = Enrolment.objects.create(
        activity=tabletop,
        user=almost.person,
        group=group,
        source=EnrolmentSource.GROUP,
        state=EnrolmentState.ACCEPTED,
        country="LV",
    )
    assert consent_status(enrolment) is None
    younger = member_of(group, first="Søren", family="Ærø", birth_date=dt.date(2012, 1, 16))
    enrolment.pk = None
    enrolment.user = younger.person
    enrolment.save()
    assert consent_status(enrolment).complete is False


# --- places still waiting when the activity begins --------------------------------------------


def test_a_place_still_waiting_for_consent_when_the_activity_begins_is_given_up(
    client, full_with_waitlist, small_exchange, django_capture_on_commit_callbacks
):
    from cohorts.groups.consent import pending_consents_release

    held, waiting = full_with_waitlist
    link = latest_link(GUARDIAN)
    before_start = small_exchange.starts_at - dt.timedelta(minutes=1)
    assert pending_consents_release(now=before_start) == 0
    held.refresh_from_db()
    assert held.state == EnrolmentState.PENDING_CONSENT

    with django_capture_on_commit_callbacks(execute=True):
        assert pending_consents_release(now=small_exchange.starts_at) == 1
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN and held.claims.count() == 0
    assert "consent had not been received" in held.decision_reason
    assert consent_of(held).state == ConsentState.CANCELLED
    assert waiting.state == EnrolmentState.OFFERED
    # The guardian's link now says so instead of confirming a place that is gone.
    response = answer(client, link, "give")
    assert "no longer needed" in response.content.decode()
    held.refresh_from_db()
    assert held.state == EnrolmentState.WITHDRAWN
    # A second run finds nothing more to do.
    assert pending_consents_release(now=small_exchange.starts_at) == 0
