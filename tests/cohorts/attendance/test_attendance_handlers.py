"""Handlers of attendance and the confirmation e-mail's pass: each handler run twice changes
nothing more; the PDF pass arrives attached, once, with every diacritic of the name."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from cohorts.attendance import handlers as handlers_attendance
from cohorts.models import Enrolment, EnrolmentSource, EnrolmentState, ParticipantPass
from cohorts.places.services import enrolment_apply, enrolment_withdraw
from lms.events import event_dispatch
from lms.mail.services import email_send
from lms.models import Event, OutgoingEmail
from tests.cohorts import attendance_builders as builders
from tests.programmes.builders import local

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
register = builders.register
tabletop = builders.tabletop


def event_for(verb: str, enrolment: Enrolment) -> Event:
    return Event.objects.get(key=f"cohorts.enrolment.{verb}:{enrolment.pk}")


def test_the_pass_is_issued_once_however_often_the_accepted_event_is_handled(tabletop, register):
    place = register(tabletop)
    event = event_for("accepted", place)
    token = place.participant_pass.token

    handlers_attendance.pass_issue(event)
    handlers_attendance.pass_issue(event)
    event_dispatch(event_id=event.pk)

    assert [ticket.token for ticket in ParticipantPass.objects.all()] == [token]
    assert ParticipantPass.objects.get().revoked_at is None


def test_withdrawal_revokes_the_pass_once(
    tabletop, register, clock, django_capture_on_commit_callbacks
):
    place = register(tabletop)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_withdraw(enrolment=place, actor=place.user)
    revoked_at = ParticipantPass.objects.get().revoked_at
    clock.advance(hours=1)

    handlers_attendance.pass_revoke(event_for("withdrawn", place))
    handlers_attendance.pass_issue(event_for("accepted", place))

    ticket = ParticipantPass.objects.get()
    assert revoked_at is not None and ticket.revoked_at == revoked_at


def test_the_confirmation_e_mail_carries_the_pass_pdf_once(
    tabletop, register, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    place = register(tabletop, name="Małgorzata Wąsowska", country="PL")
    event = event_for("accepted", place)

    with django_capture_on_commit_callbacks(execute=True):
        event_dispatch(event_id=event.pk)
        from cohorts.places.handlers import accepted_email_send

        accepted_email_send(event)

    email = OutgoingEmail.objects.get(reason=f"cohorts.accepted:{place.pk}")
    names = [a["filename"] for a in email.attachments]
    assert names == [f"{tabletop.slug}.ics", f"pass-{tabletop.slug}.pdf"]
    [message] = [m for m in mail.outbox if m.to == [place.user.email]]
    pdf = next(content for name, content, _ in message.attachments if name.endswith(".pdf"))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert pdf.startswith(b"%PDF")
    assert "Małgorzata Wąsowska" in text
    assert place.participant_pass.token in text
    assert "Your pass is attached" in message.body


def test_a_sent_confirmation_is_not_changed_by_a_later_run(
    tabletop, register, django_capture_on_commit_callbacks
):
    place = register(tabletop)
    email = OutgoingEmail.objects.get(reason=f"cohorts.accepted:{place.pk}")
    email_send(email_id=email.pk)
    email.refresh_from_db()
    OutgoingEmail.objects.filter(pk=email.pk).update(attachments=email.attachments[:1])
    from cohorts.places.handlers import accepted_email_send

    accepted_email_send(event_for("accepted", place))

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(email.attachments) == 1


def test_cohort_members_get_each_activitys_pass_in_its_own_e_mail_once(
    make_cohort, make_activity, make_person, clock, django_capture_on_commit_callbacks
):
    activity = make_activity(starts_at=local("2030-01-15 10:00"), ends_at=local("2030-01-15 15:00"))
    clock.now = local("2030-01-01 12:00")
    cohort = make_cohort(activities=[activity])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        member = enrolment_apply(user=make_person("EE", full_name="Õie Täht"), cohort=cohort)

    place = Enrolment.objects.get(activity=activity, user=member.user)
    assert (place.source, place.state) == (EnrolmentSource.COHORT, EnrolmentState.ACCEPTED)
    assert ParticipantPass.objects.filter(enrolment=place, revoked_at__isnull=True).exists()
    # The activity place is confirmed by its pass, not by a second "your place is confirmed".
    assert not OutgoingEmail.objects.filter(reason=f"cohorts.accepted:{place.pk}").exists()
    from cohorts.places.handlers import accepted_email_send

    accepted_email_send(event_for("accepted", place))  # a second run sends nothing more
    email = OutgoingEmail.objects.get(reason=f"cohorts.pass:{place.pk}")
    assert email.subject == f"Your pass for {activity.title}"
    assert [a["filename"] for a in email.attachments] == [f"pass-{activity.slug}.pdf"]
    [message] = [m for m in mail.outbox if m.subject == email.subject]
    assert message.to == [member.user.email]
    assert f"/cohorts/places/{place.pk}/pass/" in message.body
    pdf = message.attachments[0][1]
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Õie Täht" in text
    assert place.participant_pass.token in text


def test_a_cohort_activity_place_withdrawn_before_its_handler_runs_gets_no_pass_e_mail(
    make_cohort, make_activity, make_person, clock, django_capture_on_commit_callbacks
):
    activity = make_activity(starts_at=local("2030-01-15 10:00"), ends_at=local("2030-01-15 15:00"))
    clock.now = local("2030-01-01 12:00")
    cohort = make_cohort(activities=[activity])
    with django_capture_on_commit_callbacks(execute=True):
        member = enrolment_apply(user=make_person("EE", full_name="Õie Täht"), cohort=cohort)
    place = Enrolment.objects.get(activity=activity, user=member.user)
    OutgoingEmail.objects.filter(reason=f"cohorts.pass:{place.pk}").delete()
    Enrolment.objects.filter(pk=place.pk).update(state=EnrolmentState.WITHDRAWN)
    from cohorts.places.handlers import accepted_email_send

    accepted_email_send(event_for("accepted", place))

    assert not OutgoingEmail.objects.filter(reason=f"cohorts.pass:{place.pk}").exists()
