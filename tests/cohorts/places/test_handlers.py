"""The e-mails people get about their places, driven through the real services: what each one
tells them, its links and calendar file, names with the region's diacritics, and that running a
handler again sends nothing twice and keeps the link in the queued e-mail working."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cohorts.models import EnrolmentMode, EnrolmentState, FocalPoint
from cohorts.places import handlers, services
from lms.events import event_dispatch
from lms.mail.services import email_send
from lms.models import Delivery, Event, OutgoingEmail
from programmes.calendar.ics import activity_uid
from tests.factories import UserFactory
from tests.programmes.builders import ActivityPageFactory, ModulePageFactory, local, record_progress

TITLE = "BEP 2026 — Latvian presidency, Rīga"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service the way a request does: commit, then the events' handlers and e-mails."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def person(make_person):
    def make(full_name: str, country: str = "LV", **kwargs):
        return make_person(country, full_name=full_name, **kwargs)

    return make


def queued(verb: str, enrolment) -> OutgoingEmail:
    return OutgoingEmail.objects.get(reason=f"cohorts.{verb}:{enrolment.pk}")


def delivered(email: OutgoingEmail):
    """The message the person received for this outbox row."""
    [message] = [m for m in mail.outbox if m.to == [email.recipient] and m.subject == email.subject]
    return message


def handle_again(verb: str, enrolment, django_capture_on_commit_callbacks) -> None:
    """Run the e-mail handler of the enrolment's event a second time, directly and through the
    dispatcher as a redelivery after a lost acknowledgement would."""
    event = Event.objects.get(key=f"cohorts.enrolment.{verb}:{enrolment.pk}")
    queued_before, sent_before = OutgoingEmail.objects.count(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        handlers.EMAIL_HANDLERS[event.name](event)
        Delivery.objects.filter(event=event).delete()
        Event.objects.filter(pk=event.pk).update(dispatched_at=None)
        event_dispatch(event_id=event.pk)
    assert OutgoingEmail.objects.count() == queued_before, "nothing new is queued"
    assert len(mail.outbox) == sent_before, "nothing is sent twice"


def link_token(body: str, url_name: str) -> str:
    prefix = settings.BASE_URL + reverse(url_name, args=["TOKEN"]).split("TOKEN")[0]
    match = re.search(re.escape(prefix) + r"([A-Za-z0-9_-]+)", body)
    assert match, f"no {url_name} link in the e-mail"
    return match.group(1)


def place_url(enrolment) -> str:
    return settings.BASE_URL + reverse("cohorts:place", args=[enrolment.pk])


# --- submitted --------------------------------------------------------------------------------


def test_an_application_is_acknowledged_with_what_happens_next_and_a_status_link(
    make_cohort, person, run, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE, enrolment_mode=EnrolmentMode.APPROVAL)
    janis = person("Jānis Bērziņš")

    enrolment = run(services.enrolment_apply, user=janis, cohort=cohort)

    email = queued("submitted", enrolment)
    assert email.recipient == janis.email
    assert email.subject == f"We received your application: {TITLE}"
    assert "Dear Jānis Bērziņš" in email.body_text
    assert "What happens next" in email.body_text
    assert place_url(enrolment) in email.body_text
    assert f'href="{place_url(enrolment)}"' in email.body_html
    message = delivered(email)
    assert message.subject == email.subject
    assert "Jānis Bērziņš" in message.body

    handle_again("submitted", enrolment, django_capture_on_commit_callbacks)


# --- accepted ---------------------------------------------------------------------------------


@pytest.fixture
def cohort_with_activities(make_cohort, programme):
    cohort = make_cohort(title=TITLE)
    exercise = ActivityPageFactory(
        parent=programme,
        title="Storm-surge exercise in Pärnu",
        starts_at=local("2030-01-15 09:00", "Europe/Tallinn"),
        ends_at=local("2030-01-17 16:00", "Europe/Tallinn"),
        time_zone="Europe/Tallinn",
        venue_name="Pärnu Rescue Centre",
        venue_city="Pärnu",
        venue_country="EE",
    )
    webinar = ActivityPageFactory(
        parent=programme,
        title="Webinar: Þórunn Guðmundsdóttir on volunteer surge capacity",
        starts_at=local("2030-06-10 14:00", "Europe/Helsinki"),
        ends_at=local("2030-06-10 15:30", "Europe/Helsinki"),
        time_zone="Europe/Helsinki",
        venue_name="",
        venue_city="",
        venue_country="",
        online_url="https://meet.example.org/bep-surge",
    )
    cohort.activities.set([webinar, exercise])
    cohort.save()
    return cohort, exercise, webinar


def test_an_accepted_place_is_confirmed_with_one_ics_of_the_cohort_activities(
    cohort_with_activities, person, run, django_capture_on_commit_callbacks
):
    cohort, exercise, webinar = cohort_with_activities
    thorunn = person("Þórunn Guðmundsdóttir", country="IS")

    enrolment = run(services.enrolment_apply, user=thorunn, cohort=cohort)

    assert enrolment.state == EnrolmentState.ACCEPTED
    email = queued("accepted", enrolment)
    assert email.recipient == thorunn.email
    assert email.subject == f"Your place in {TITLE} is confirmed"
    assert "Dear Þórunn Guðmundsdóttir" in email.body_text
    text = email.body_text
    assert text.index("Storm-surge exercise in Pärnu") < text.index("Webinar: Þórunn")
    assert (
        "Tuesday 15 January 2030, 09:00 – Thursday 17 January 2030, 16:00 Tallinn time (EET, UTC+2)"
        in (text)
    )
    assert "Monday 10 June 2030, 14:00–15:30 Helsinki time (EEST, UTC+3)" in text
    assert "Europe/" not in text
    assert "Join online: https://meet.example.org/bep-surge" in text
    assert 'href="https://meet.example.org/bep-surge"' in email.body_html

    [attachment] = email.attachments
    assert attachment["mimetype"] == "text/calendar"
    assert attachment["filename"] == f"{cohort.slug}.ics"
    calendar = icalendar.Calendar.from_ical(attachment["content"])
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {activity_uid(exercise.pk), activity_uid(webinar.pk)}
    pärnu = events[activity_uid(exercise.pk)]
    assert str(pärnu["summary"]) == "Storm-surge exercise in Pärnu"
    assert pärnu["dtstart"].params["TZID"] == "Europe/Tallinn"
    assert pärnu.decoded("dtstart").astimezone(UTC) == datetime(2030, 1, 15, 7, tzinfo=UTC)
    assert pärnu.decoded("dtend").astimezone(UTC) == datetime(2030, 1, 17, 14, tzinfo=UTC)
    online = events[activity_uid(webinar.pk)]
    assert online["dtstart"].params["TZID"] == "Europe/Helsinki"
    assert online.decoded("dtstart").astimezone(UTC) == datetime(2030, 6, 10, 11, tzinfo=UTC)
    assert "https://meet.example.org/bep-surge" in str(online["location"])

    email_send(email_id=email.pk)  # already sent on commit; a second send is a no-op
    message = delivered(email)
    assert message.subject == f"Your place in {TITLE} is confirmed"
    assert "Þórunn Guðmundsdóttir" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"{cohort.slug}.ics", "text/calendar")
    assert "Storm-surge exercise in Pärnu" in content
    assert "Þórunn Guðmundsdóttir" in message.alternatives[0][0]

    handle_again("accepted", enrolment, django_capture_on_commit_callbacks)


def test_an_activity_registration_is_confirmed_with_the_activity_ics_and_its_online_link(
    programme, person, run
):
    webinar = ActivityPageFactory(
        parent=programme,
        title="Webinar: Søren Ærø on flood warnings",
        starts_at=local("2030-03-05 10:00", "Europe/Copenhagen"),
        ends_at=local("2030-03-05 11:00", "Europe/Copenhagen"),
        time_zone="Europe/Copenhagen",
        venue_name="",
        venue_city="",
        venue_country="",
        online_url="https://meet.example.org/flood-warnings",
    )
    oie = person("Õie Täht", country="EE")

    enrolment = run(services.registration_create, user=oie, activity=webinar)

    email = queued("accepted", enrolment)
    assert (
        email.subject == "Your registration for Webinar: Søren Ærø on flood warnings is confirmed"
    )
    assert "Dear Õie Täht" in email.body_text
    assert "Tuesday 5 March 2030, 10:00–11:00 Copenhagen time (CET, UTC+1)" in email.body_text
    assert "Join online: https://meet.example.org/flood-warnings" in email.body_text
    attachment, _pass_pdf = email.attachments  # the .ics, then the participant's pass
    [event] = icalendar.Calendar.from_ical(attachment["content"]).walk("VEVENT")
    assert str(event["uid"]) == activity_uid(webinar.pk)
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2030, 3, 5, 9, tzinfo=UTC)
    message = delivered(email)
    assert message.attachments[0][2] == "text/calendar"
    assert "Õie Täht" in message.body


# --- waitlisted -------------------------------------------------------------------------------


def test_the_waitlist_email_tells_the_position_when_it_was_sent(
    make_cohort, person, run, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE, country_cap=1, offer_hours=72)
    applicants = [person(name, "FI") for name in ("Aino Mäkelä", "Eeva Hämäläinen", "Åsa Öhman")]

    first, second, third = (
        run(services.enrolment_apply, user=u, cohort=cohort) for u in applicants
    )

    assert first.state == EnrolmentState.ACCEPTED
    email = queued("waitlisted", second)
    assert email.recipient == applicants[1].email
    assert email.subject == f"You are on the waitlist for {TITLE}"
    assert "number 1 as of this e-mail" in email.body_text
    assert "the places for Finland are taken" in email.body_text
    assert "3 days to accept" in email.body_text
    assert "number 2 as of this e-mail" in queued("waitlisted", third).body_text
    assert "Åsa Öhman" in delivered(queued("waitlisted", third)).body

    handle_again("waitlisted", second, django_capture_on_commit_callbacks)
    assert queued("waitlisted", second).body_text == email.body_text


# --- offered ----------------------------------------------------------------------------------


def test_an_offer_email_carries_its_expiry_and_a_link_that_survives_a_second_run(
    make_cohort, person, run, client, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE, capacity=1, offer_hours=48, presidency_country="LV")
    janis = person("Jānis Bērziņš")
    malgorzata = person("Małgorzata Wąsowska", country="PL")
    holder = run(services.enrolment_apply, user=janis, cohort=cohort)
    waiting = run(services.enrolment_apply, user=malgorzata, cohort=cohort)

    run(services.enrolment_withdraw, enrolment=holder, actor=janis)

    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED
    email = queued("offered", waiting)
    assert email.recipient == malgorzata.email
    assert email.subject == f"A place is free for you in {TITLE}"
    assert "Dear Małgorzata Wąsowska" in email.body_text
    # In the cohort's time zone, the presidency's, written readably.
    riga = waiting.offer_expires_at.astimezone(ZoneInfo("Europe/Riga"))
    offset = int(riga.utcoffset().total_seconds() // 3600)
    expected = (
        f"{riga:%A} {riga.day} {riga:%B %Y}, {riga:%H:%M} Riga time ({riga.tzname()}, UTC+{offset})"
    )
    assert f"until {expected}" in email.body_text
    assert "open for 2 days" in email.body_text
    token = link_token(email.body_text, "cohorts:offer")
    assert services.enrolment_by_token(token).pk == waiting.pk
    assert token in delivered(email).body

    handle_again("offered", waiting, django_capture_on_commit_callbacks)
    assert services.enrolment_by_token(token).pk == waiting.pk, "the queued link still works"
    page = client.get(reverse("cohorts:offer", args=[token]))
    assert page.status_code == 200
    assert TITLE in page.content.decode()

    run(services.offer_respond, enrolment=services.enrolment_by_token(token), accept=True)
    assert queued("accepted", waiting).subject == f"Your place in {TITLE} is confirmed"


# --- rejected ---------------------------------------------------------------------------------


def test_a_rejection_is_kind_and_carries_the_staff_reason_when_given(
    make_cohort, person, run, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE, enrolment_mode=EnrolmentMode.APPROVAL)
    staff = UserFactory()
    janis, zydrunas = person("Jānis Bērziņš"), person("Žydrūnas Šimkus", "LT")
    with_reason = run(services.enrolment_apply, user=janis, cohort=cohort)
    without = run(services.enrolment_apply, user=zydrunas, cohort=cohort)

    run(
        services.enrolment_decide,
        enrolment_ids=[with_reason.pk],
        decision="reject",
        reason="This edition is for senior officers; Šiauliai's junior course suits you better.",
        actor=staff,
    )
    run(services.enrolment_decide, enrolment_ids=[without.pk], decision="reject", actor=staff)

    email = queued("rejected", with_reason)
    assert email.subject == f"Your application to {TITLE}"
    assert "We are sorry that we cannot offer you a place" in email.body_text
    assert "A note from the programme staff" in email.body_text
    assert "Šiauliai's junior course suits you better." in email.body_text
    assert "Šiauliai&#x27;s junior course" in email.body_html
    plain = queued("rejected", without)
    assert "Dear Žydrūnas Šimkus" in plain.body_text
    assert "A note from the programme staff" not in plain.body_text
    assert "Žydrūnas Šimkus" in delivered(plain).body

    handle_again("rejected", with_reason, django_capture_on_commit_callbacks)


# --- withdrawn --------------------------------------------------------------------------------


def test_withdrawal_emails_say_what_happened(
    make_cohort, person, run, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE, capacity=2, offer_hours=24)
    approval = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    leaving, declining, lapsing, late = (
        person(name, country)
        for name, country in (
            ("Jānis Bērziņš", "LV"),
            ("Søren Ærø", "DK"),
            ("Õie Täht", "EE"),
            ("Þórunn Guðmundsdóttir", "IS"),
        )
    )
    place = run(services.enrolment_apply, user=leaving, cohort=cohort)
    run(services.enrolment_apply, user=late, cohort=cohort)
    declined = run(services.enrolment_apply, user=declining, cohort=cohort)
    lapsed = run(services.enrolment_apply, user=lapsing, cohort=cohort)
    application = run(services.enrolment_apply, user=leaving, cohort=approval)

    run(services.enrolment_withdraw, enrolment=place, actor=leaving)
    run(services.offer_respond, enrolment=declined, accept=False)
    run(services.offers_expire, now=timezone.now() + timedelta(hours=25))
    run(
        services.enrolment_withdraw,
        enrolment=application,
        actor=UserFactory(),
        reason="Moved to the 2027 edition at Jānis's request.",
    )

    email = queued("withdrawn", place)
    assert email.subject == f"Your place in {TITLE} has been withdrawn"
    assert "The place is now free for someone else" in email.body_text
    assert "If you did not ask for this" in email.body_text
    email = queued("withdrawn", declined)
    assert email.subject == f"You declined the place in {TITLE}"
    assert "Dear Søren Ærø" in email.body_text
    assert "thank you for letting us know" in email.body_text
    email = queued("withdrawn", lapsed)
    assert email.subject == f"Your offer of a place in {TITLE} has expired"
    assert "not confirmed before the offer ran out" in email.body_text
    assert "Õie Täht" in delivered(email).body
    email = queued("withdrawn", application)
    assert email.subject == f"Your application to {approval.title} has been withdrawn"
    assert "The reason given: Moved to the 2027 edition at Jānis's request." in email.body_text

    for enrolment in (place, declined, lapsed, application):
        handle_again("withdrawn", enrolment, django_capture_on_commit_callbacks)


# --- completed --------------------------------------------------------------------------------


def test_completion_is_congratulated_without_promising_a_certificate(
    make_cohort, programme, person, run, django_capture_on_commit_callbacks
):
    cohort = make_cohort(title=TITLE)
    module = ModulePageFactory(parent=programme)
    cohort.modules.set([module])
    cohort.save()
    janis = person("Jānis Bērziņš")
    enrolment = run(services.enrolment_apply, user=janis, cohort=cohort)
    record_progress(user=janis, module=module, done=["step-1"], completed=timezone.now())

    run(services.enrolment_complete_check, user_id=janis.pk)

    email = queued("completed", enrolment)
    assert email.subject == f"Congratulations: you have completed {TITLE}"
    assert "Dear Jānis Bērziņš" in email.body_text
    assert "If the programme issues certificates" in email.body_text
    assert "will follow in a separate e-mail" in email.body_text
    links = re.findall(r'href="([^"]+)"', email.body_html)
    assert links and not any("certificate" in link for link in links)

    handle_again("completed", enrolment, django_capture_on_commit_callbacks)


# --- nominated --------------------------------------------------------------------------------


@pytest.fixture
def nomination_cohort(make_cohort, person):
    cohort = make_cohort(
        title=TITLE,
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=datetime(2030, 3, 1, 16, 0, tzinfo=UTC),
        presidency_country="LV",
        summary="A year-long leadership course for senior civil-protection experts.",
        country_cap=2,
    )
    focal_point = person("Jānis Bērziņš")
    FocalPoint.objects.create(user=focal_point, country="LV")
    return cohort, focal_point


def test_a_nominee_is_invited_by_their_focal_point_with_a_link_that_survives_a_second_run(
    nomination_cohort, run, client, django_capture_on_commit_callbacks
):
    cohort, focal_point = nomination_cohort
    nominee = services.Nominee(
        email="liga.ozolina@example.lv", full_name="Līga Ozoliņa", country="LV"
    )

    enrolment = run(services.nomination_create, actor=focal_point, cohort=cohort, nominee=nominee)

    event = Event.objects.get(key=f"cohorts.enrolment.nominated:{enrolment.pk}")
    assert set(event.payload) == {"enrolment_id", "user_id", "cohort_id"}
    email = queued("nominated", enrolment)
    assert email.recipient == "liga.ozolina@example.lv"
    assert email.subject == f"Jānis Bērziņš has nominated you for {TITLE}"
    text = email.body_text
    assert "Dear Līga Ozoliņa" in text
    assert "Jānis Bērziņš, national focal point for Latvia, has nominated you" in text
    assert "complete your profile and confirm before Friday 1 March 2030, 18:00" in text
    assert "Friday 1 March 2030, 18:00 Riga time (EET, UTC+2)" in text
    assert "A year-long leadership course" in text
    token = link_token(text, "cohorts:nomination")
    assert services.enrolment_by_token(token).pk == enrolment.pk
    message = delivered(email)
    assert message.subject == email.subject
    assert "Līga Ozoliņa" in message.body

    handle_again("nominated", enrolment, django_capture_on_commit_callbacks)
    assert services.enrolment_by_token(token).pk == enrolment.pk, "the queued link still works"
    page = client.get(reverse("cohorts:nomination", args=[token]))
    assert page.status_code == 200
    assert TITLE in page.content.decode()

    run(
        services.nomination_confirm,
        enrolment=services.enrolment_by_token(token),
        user=enrolment.user,
    )
    assert queued("accepted", enrolment).subject == f"Your place in {TITLE} is confirmed"


def test_a_substituted_nominee_is_told_and_the_substitute_invited(nomination_cohort, run):
    cohort, focal_point = nomination_cohort
    first = run(
        services.nomination_create,
        actor=focal_point,
        cohort=cohort,
        nominee=services.Nominee(email="liga@example.lv", full_name="Līga Ozoliņa", country="LV"),
    )

    second = run(
        services.nomination_substitute,
        actor=focal_point,
        enrolment=first,
        nominee=services.Nominee(email="maris@example.lv", full_name="Māris Kalniņš", country="LV"),
    )

    email = queued("withdrawn", first)
    assert email.recipient == "liga@example.lv"
    assert email.subject == f"Your nomination for {TITLE} has passed to someone else"
    assert "national focal point has nominated another person" in email.body_text
    invitation = queued("nominated", second)
    assert invitation.recipient == "maris@example.lv"
    assert "Dear Māris Kalniņš" in invitation.body_text
    assert services.enrolment_by_token(link_token(invitation.body_text, "cohorts:nomination"))
