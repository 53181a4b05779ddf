"""Attendance as people meet it: a rescheduled activity at the desk, a sign-in sheet
for a day of many sessions, a withdrawn place before its pass is revoked, and file names of
downloads for an activity whose address has the region's letters."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cohorts.attendance import services as attendance
from cohorts.models import AttendanceRecord
from cohorts.places.services import enrolment_withdraw
from tests.cohorts import attendance_builders as builders
from tests.cohorts.attendance_builders import DAY_1, DAY_2, at, attended_events, session_on

pytestmark = pytest.mark.django_db

desk_staff = builders.desk_staff
organiser = builders.organiser
register = builders.register
tabletop = builders.tabletop

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_a_rescheduled_activity_is_checked_in_on_its_new_days(
    tabletop, register, desk_staff, client, clock
):
    """Staff looked at the desk before the exercise was postponed by a week: on the new first
    day the desk must offer that day's session and check people in."""
    place = register(tabletop, name="Jānis Bērziņš")
    client.force_login(desk_staff(tabletop))
    at(clock, "2030-01-10 10:00")
    assert client.get(reverse("cohorts:check_in_desk", args=[tabletop.pk])).status_code == 200
    tabletop.starts_at += dt.timedelta(days=7)
    tabletop.ends_at += dt.timedelta(days=7)
    tabletop.save_revision().publish()

    at(clock, "2030-01-22 09:30")
    desk = client.get(reverse("cohorts:check_in_desk", args=[tabletop.pk])).content.decode()
    tapped = client.post(reverse("cohorts:check_in", args=[tabletop.pk, place.pk]), **FETCH)

    assert "Tuesday 22 January 2030" in desk
    assert tapped.json()["message"] == "Jānis Bērziņš is checked in."
    assert AttendanceRecord.objects.get(enrolment=place).session.starts_at.date() == (
        dt.date(2030, 1, 22)
    )


def test_a_shortened_activity_drops_its_last_day_and_being_there_every_day_counts(
    tabletop, register, desk_staff, client, clock
):
    place = register(tabletop, name="Jānis Bērziņš")
    staff = desk_staff(tabletop)
    at(clock, f"{DAY_1} 09:30")
    attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)
    tabletop.ends_at -= dt.timedelta(days=1)  # the third day is called off
    tabletop.save_revision().publish()
    client.force_login(staff)

    at(clock, f"{DAY_2} 09:30")
    tapped = client.post(reverse("cohorts:check_in", args=[tabletop.pk, place.pk]), **FETCH)
    listed = client.get(reverse("cohorts:attendance", args=[tabletop.pk])).content.decode()

    assert tapped.json()["message"] == "Jānis Bērziņš is checked in."
    assert "Thursday 17 January 2030" not in listed
    assert "the system: Removed an attendance session (Day 3)" in " ".join(listed.split())
    assert len(attended_events(place)) == 1


def test_the_desk_says_when_there_is_no_session_today(
    tabletop, register, desk_staff, organiser, client, clock
):
    """Once attendance was taken, moved sessions stay where they were: the desk says why nobody
    can be checked in and where to fix it (or whom to ask)."""
    place = register(tabletop)
    staff = desk_staff(tabletop)
    at(clock, f"{DAY_1} 09:30")
    attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)
    tabletop.ends_at += dt.timedelta(days=1)
    tabletop.save_revision().publish()
    sessions_url = reverse("cohorts:attendance_sessions", args=[tabletop.pk])

    at(clock, "2030-01-18 09:30")
    client.force_login(organiser(tabletop))
    desk = client.get(reverse("cohorts:check_in_desk", args=[tabletop.pk])).content.decode()
    client.force_login(staff)
    door = client.get(reverse("cohorts:check_in_desk", args=[tabletop.pk])).content.decode()

    assert "There is no session today, so nobody can be checked in" in desk
    assert sessions_url in desk
    assert "There is no session today, so nobody can be checked in" in door
    assert "ask the activity's organisers to add or move today's session" in door
    assert sessions_url not in door


def _text_spans(pdf: bytes) -> tuple[float, list[tuple[float, str]]]:
    """The page width and (x, text) of every piece of text on the first page."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    spans = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            spans.append((tm[4] * cm[0] + cm[4], text.strip()))

    page.extract_text(visitor_text=visit)
    return float(page.mediabox.width), spans


def test_a_sign_in_sheet_of_a_day_of_many_sessions_keeps_every_column_on_the_paper(
    tabletop, register, desk_staff, client
):
    register(tabletop, name="Małgorzata Wąsowska", country="PL", organisation="PSP Gdańsk")
    staff = desk_staff(tabletop)
    day_1 = session_on(tabletop, DAY_1)
    for hour in (9, 10, 11, 13, 14, 15):
        data = attendance.SessionInput(
            title=f"Talk at {hour}",
            date=dt.date(2030, 1, 15),
            starts=dt.time(hour),
            ends=dt.time(hour, 50),
        )
        attendance.session_save(activity=tabletop, data=data, actor=staff)
    attendance.session_delete(activity=tabletop, session_id=day_1.pk, actor=staff)
    client.force_login(staff)

    response = client.get(reverse("cohorts:attendance_sheet", args=[tabletop.pk, DAY_1]))

    width, spans = _text_spans(response.content)
    placed = [(x, text) for x, text in spans if text.startswith(("No.", "Małgorzata", "Talk at"))]
    assert any(text.startswith("No.") for _, text in placed)
    reader = PdfReader(io.BytesIO(response.content))
    every_page = " ".join(page.extract_text() for page in reader.pages)
    for hour in (9, 10, 11, 13, 14, 15):
        assert f"Talk at {hour}" in every_page
    # Nothing is cut off at either edge of the paper.
    assert all(0 <= x <= width - 40 for x, _ in placed), placed


def test_a_withdrawn_place_shows_no_working_pass_even_before_it_is_revoked(
    tabletop, register, client
):
    """The pass is revoked by the withdrawn event's handler, after the withdrawal; in between,
    the holder's page must not show a QR code that looks valid."""
    place = register(tabletop)
    enrolment_withdraw(enrolment=place, actor=place.user)  # its handlers have not run yet
    client.force_login(place.user)

    page = client.get(reverse("cohorts:pass", args=[place.pk])).content.decode()

    assert "data:image/svg+xml" not in page
    assert place.participant_pass.token not in page
    assert "your pass was cancelled" in page


def test_downloads_keep_their_file_names_for_an_activity_with_the_regions_letters(
    make_activity, register, organiser, client, clock
):
    activity = make_activity(
        title="Mācības Rīgā",
        slug="mācības-rīgā",
        starts_at=builders.local(f"{DAY_1} 09:00"),
        ends_at=builders.local("2030-01-17 16:00"),
    )
    place = register(activity)
    at(clock, f"{DAY_1} 10:00")
    client.force_login(place.user)
    pass_pdf = client.get(reverse("cohorts:pass_pdf", args=[place.pk]))
    client.force_login(organiser(activity))
    export = client.get(reverse("cohorts:attendance_export", args=[activity.pk]))
    sheet = client.get(reverse("cohorts:attendance_sheet", args=[activity.pk, DAY_1]))

    assert pass_pdf["Content-Disposition"].startswith("inline; filename")
    assert "pass-m%C4%81c%C4%ABbas-r%C4%ABg%C4%81.pdf" in pass_pdf["Content-Disposition"]
    assert export["Content-Disposition"].startswith("attachment; filename")
    assert ".xlsx" in export["Content-Disposition"]
    assert sheet["Content-Disposition"].startswith("inline; filename")
    assert "sign-in-2030-01-15.pdf" in sheet["Content-Disposition"]
