"""Attendance pages as people use them: the participant's pass (page and PDF), the address in its
QR code, the check-in desk (search, one tap, scanned and typed passes, bad input), the
attendance list with corrections, days and sessions, sign-in sheets and the Excel export."""

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from cohorts.attendance import services as attendance
from cohorts.models import ActivitySession, AttendanceRecord
from cohorts.places.services import enrolment_withdraw
from lms.qr import qr_matrix
from tests.cohorts import attendance_builders as builders
from tests.cohorts.attendance_builders import DAY_1, DAY_2, at, records_of, session_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
desk_staff = builders.desk_staff
organiser = builders.organiser
register = builders.register
tabletop = builders.tabletop

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def desk_url(activity, **query) -> str:
    url = reverse("cohorts:check_in_desk", args=[activity.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def main_text(response) -> str:
    html = response.content.decode()
    html = html[html.index("<main") :]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def day_one(tabletop, register, desk_staff, clock, client):
    """Three people with places, the desk staff logged in, on the morning of day 1."""
    places = [
        register(tabletop, name="Jānis Bērziņš", organisation="Valsts ugunsdzēsības dienests"),
        register(tabletop, name="Þórunn Guðmundsdóttir", country="IS"),
        register(tabletop, name="Małgorzata Wąsowska", country="PL", organisation="PSP Gdańsk"),
    ]
    staff = desk_staff(tabletop)
    client.force_login(staff)
    at(clock, f"{DAY_1} 08:45")
    return places


# --- the participant's pass -------------------------------------------------------------------


def test_the_participant_sees_their_pass_with_a_qr_code_and_downloads_the_pdf(
    tabletop, register, client
):
    place = register(tabletop, name="Žydrūnas Šimkus", country="LT", organisation="PAGD")
    client.force_login(place.user)
    token = place.participant_pass.token

    page = client.get(reverse("cohorts:pass", args=[place.pk]))
    pdf = client.get(reverse("cohorts:pass_pdf", args=[place.pk]))

    text = main_text(page)
    assert "Žydrūnas Šimkus" in text
    assert "Storm Surge Table-top: Rīga" in text
    assert "Tuesday 15 January 2030, 09:00 – Thursday 17 January 2030, 16:00" in text
    assert "Latvian State Fire and Rescue Service College, Rīga, Latvia" in text
    assert 'src="data:image/svg+xml' in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert pdf["Content-Type"] == "application/pdf"
    body = text_of(pdf.content)
    for expected in ("Žydrūnas Šimkus", "Storm Surge Table-top: Rīga", "Lithuania", token):
        assert expected in body
    assert "Latvian State Fire and Rescue Service College, Rīga" in body


def test_the_pdfs_qr_code_carries_the_passs_address(tabletop, register):
    place = register(tabletop)
    pdf = attendance.pass_pdf_render(enrolment=place)
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    address = attendance.pass_address(place.participant_pass.token)

    first_row = qr_matrix(address)[0]
    runs, c = [], 0
    while c < len(first_row):
        if first_row[c]:
            start = c
            while c < len(first_row) and first_row[c]:
                c += 1
            runs.append(f"{start} 0 {c - start} 1 re")
        else:
            c += 1

    assert "\n".join(runs) in content
    assert address.endswith(f"/cohorts/pass/{place.participant_pass.token}/")


def test_someone_elses_pass_is_not_found(tabletop, register, client):
    place = register(tabletop)
    client.force_login(UserFactory())

    assert client.get(reverse("cohorts:pass", args=[place.pk])).status_code == 404
    assert client.get(reverse("cohorts:pass_pdf", args=[place.pk])).status_code == 404


def test_a_withdrawn_participant_is_told_the_pass_was_cancelled(
    tabletop, register, client, django_capture_on_commit_callbacks
):
    place = register(tabletop)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_withdraw(enrolment=place, actor=place.user)
    client.force_login(place.user)

    page = client.get(reverse("cohorts:pass", args=[place.pk]))

    assert "your pass was cancelled" in main_text(page)
    assert client.get(reverse("cohorts:pass_pdf", args=[place.pk])).status_code == 404


def test_my_learning_links_the_pass_and_the_desk(tabletop, register, desk_staff, client, clock):
    at(clock, "2030-01-10 12:00")
    place = register(tabletop)
    client.force_login(place.user)
    mine = main_text(client.get(reverse("my_learning")))
    staff = desk_staff(tabletop)
    client.force_login(staff)
    theirs = client.get(reverse("my_learning")).content.decode()

    assert "My passes" in mine and "Pass for Storm Surge Table-top: Rīga" in mine
    assert reverse("cohorts:check_in_desk", args=[tabletop.pk]) in theirs


def test_the_qr_address_sends_staff_to_the_desk_the_holder_to_the_pass_others_nowhere(
    tabletop, register, desk_staff, client
):
    place = register(tabletop, name="Jānis Bērziņš")
    url = reverse("cohorts:pass_scan", args=[place.participant_pass.token])

    anonymous = client.get(url)
    client.force_login(UserFactory())
    stranger = client.get(url)
    client.force_login(place.user)
    holder = client.get(url)
    client.force_login(desk_staff(tabletop))
    staff = client.get(url)
    forged = client.get(reverse("cohorts:pass_scan", args=["A" * 43]))
    junk = client.get("/cohorts/pass/not-a-token/")

    assert anonymous.status_code == stranger.status_code == 200
    for response in (anonymous, stranger):
        assert "Jānis" not in response.content.decode()
        assert "Storm Surge" not in response.content.decode()
        assert response["Referrer-Policy"] == "same-origin"
    assert holder.url == reverse("cohorts:pass", args=[place.pk])
    assert staff.url.startswith(reverse("cohorts:check_in_pass", args=[tabletop.pk]))
    assert forged.status_code == junk.status_code == 404


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_lists_everyone_with_counts_and_searches_without_diacritics(
    tabletop, day_one, client
):
    page = client.get(desk_url(tabletop))
    found = client.get(desk_url(tabletop, q="Berzins"))
    fragment = client.get(desk_url(tabletop, q="wasowska", fragment="roster"))

    text = main_text(page)
    assert "Check-in: Storm Surge Table-top: Rīga" in text
    assert "3 expected 0 checked in 3 missing" in text
    for name in ("Jānis Bērziņš", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska"):
        assert name in text
    assert "Jānis Bērziņš" in main_text(found)
    assert "Þórunn" not in main_text(found)
    assert "Małgorzata Wąsowska" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_one_tap_checks_in_and_the_counts_follow(tabletop, day_one, client):
    janis = day_one[0]
    url = reverse("cohorts:check_in", args=[tabletop.pk, janis.pk])
    session = session_on(tabletop, DAY_1)

    tapped = client.post(url, {"session": session.pk, "q": "Berzins"}, **FETCH)
    again = client.post(url, {"session": session.pk}, **FETCH)
    counts = client.get(
        reverse("cohorts:check_in_counts", args=[tabletop.pk]), {"session": session.pk}
    )

    assert tapped.json()["ok"] is True
    assert tapped.json()["message"] == "Jānis Bērziņš is checked in."
    assert tapped.json()["counts"] == {
        "expected": 3,
        "checked_in": 1,
        "missing": 2,
        "session": session.pk,
    }
    assert "✓ Checked in at 08:45" in tapped.json()["row"]
    assert again.json()["message"] == "Jānis Bērziņš was already checked in at 08:45."
    assert counts.json()["checked_in"] == 1
    assert records_of(janis) == [("Day 1", "present")]


def test_without_javascript_a_tap_reloads_the_desk_with_a_message(tabletop, day_one, client):
    url = reverse("cohorts:check_in", args=[tabletop.pk, day_one[1].pk])

    response = client.post(url, {"session": session_on(tabletop, DAY_1).pk}, follow=True)

    text = main_text(response)
    assert "Þórunn Guðmundsdóttir is checked in." in text
    assert "3 expected 1 checked in 2 missing" in text


def test_a_scanned_pass_shows_the_person_then_one_tap_checks_in(tabletop, day_one, client):
    janis = day_one[0]
    token = janis.participant_pass.token
    scanned = attendance.pass_address(token)
    pass_url = reverse("cohorts:check_in_pass", args=[tabletop.pk])

    card = client.get(pass_url, {"code": scanned, "fragment": "1", "method": "scan"})
    assert AttendanceRecord.objects.count() == 0
    done = client.post(
        pass_url,
        {"code": token, "session": session_on(tabletop, DAY_1).pk, "method": "scan"},
        **FETCH,
    )

    assert "Jānis Bērziņš" in card.content.decode()
    assert "Latvia" in card.content.decode()
    assert "Check in Jānis Bērziņš" in card.content.decode()
    assert done.json()["ok"] is True
    assert AttendanceRecord.objects.get().method == "scan"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "This is not a BSR Academy participant pass"),
        ("'\"<script>alert(1)</script>", "This is not a BSR Academy participant pass"),
        ("Q" * 43, "This pass is not valid"),
        ("%ff" * 200, "This is not a BSR Academy participant pass"),
    ],
)
def test_bad_codes_get_a_clear_message_on_the_desk_and_nothing_is_recorded(
    tabletop, day_one, client, code, message
):
    pass_url = reverse("cohorts:check_in_pass", args=[tabletop.pk])

    shown = client.get(pass_url, {"code": code})
    posted = client.post(pass_url, {"code": code, "session": "x"}, **FETCH)
    plain = client.post(pass_url, {"code": code}, follow=True)

    assert shown.status_code == 200 and message in main_text(shown)
    assert "<script>alert" not in shown.content.decode()
    assert posted.json()["ok"] is False and posted.json()["message"].startswith(message)
    assert message in main_text(plain)
    assert AttendanceRecord.objects.count() == 0


def test_the_desk_refuses_a_withdrawn_participant_and_outside_the_dates_without_a_500(
    tabletop, day_one, client, clock, django_capture_on_commit_callbacks
):
    withdrawn = day_one[2]
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_withdraw(enrolment=withdrawn, actor=withdrawn.user)
    session = session_on(tabletop, DAY_1)

    by_search = client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, withdrawn.pk]),
        {"session": session.pk},
        **FETCH,
    )
    by_pass = client.get(
        reverse("cohorts:check_in_pass", args=[tabletop.pk]),
        {"code": withdrawn.participant_pass.token},
    )
    at(clock, "2030-01-19 09:00")  # door staff keep the desk two days after the activity
    after = client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, day_one[0].pk]),
        {"session": session.pk},
        **FETCH,
    )
    desk_after = client.get(desk_url(tabletop))

    assert by_search.json()["ok"] is False
    assert by_search.json()["message"] == (
        "Małgorzata Wąsowska withdrew from this activity on Tuesday 15 January 2030. "
        "Nothing was recorded."
    )
    assert "This pass was cancelled" in main_text(by_pass)
    assert after.json()["message"].startswith(
        "Storm Surge Table-top: Rīga ended on Thursday 17 January 2030"
    )
    assert "the desk is closed" in main_text(desk_after)
    assert AttendanceRecord.objects.count() == 0


def test_only_the_activitys_staff_open_its_desk_and_lists(tabletop, register, client):
    place = register(tabletop)
    urls = [
        desk_url(tabletop),
        reverse("cohorts:check_in_counts", args=[tabletop.pk]),
        reverse("cohorts:check_in_pass", args=[tabletop.pk]),
        reverse("cohorts:attendance", args=[tabletop.pk]),
        reverse("cohorts:attendance_sessions", args=[tabletop.pk]),
        reverse("cohorts:attendance_export", args=[tabletop.pk]),
        reverse("cohorts:attendance_sheet", args=[tabletop.pk, DAY_1]),
    ]

    anonymous = [client.get(url) for url in urls]
    client.force_login(place.user)
    participant = [client.get(url).status_code for url in urls]
    tap = client.post(reverse("cohorts:check_in", args=[tabletop.pk, place.pk]))

    assert all(r.status_code == 302 and "/account/login/" in r.url for r in anonymous)
    assert participant == [404] * len(urls)
    assert tap.status_code == 404
    assert AttendanceRecord.objects.count() == 0


def test_presidency_staff_run_the_desk_only_of_an_activity_no_other_cohort_shares(
    tabletop, register, make_cohort, client
):
    """A desk lists every place at the activity: when another cohort shares the activity, its
    members are not the first presidency's to see or mark, so only the activity's own desk
    group and programme admins run it."""
    from tests.cohorts.desk.test_desk import staff_of

    register(tabletop)
    ours = make_cohort(title="BEP 2026", starts_on=dt.date(2029, 9, 1), ends_on=dt.date(2030, 6, 1))
    ours.activities.add(tabletop)
    ours.save()
    presidency = staff_of(ours)
    export = reverse("cohorts:attendance_export", args=[tabletop.pk])
    client.force_login(presidency)
    alone = client.get(export).status_code

    theirs = make_cohort(
        title="NEEDS 2030", starts_on=dt.date(2029, 9, 1), ends_on=dt.date(2030, 6, 1)
    )
    theirs.activities.add(tabletop)
    theirs.save()
    shared = [client.get(url).status_code for url in (desk_url(tabletop), export)]

    assert alone == 200
    assert shared == [404, 404]


# --- the attendance list, sessions, paper and export ------------------------------------------


def test_organisers_correct_a_record_of_another_day_and_the_log_shows_it(
    tabletop, day_one, organiser, client, clock
):
    janis = day_one[0]
    day_1 = session_on(tabletop, DAY_1)
    url = reverse("cohorts:attendance", args=[tabletop.pk])
    client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, janis.pk]), {"session": day_1.pk}, **FETCH
    )
    at(clock, f"{DAY_2} 10:00")
    client.force_login(organiser(tabletop))

    response = client.post(
        url, {"enrolment": janis.pk, "session": day_1.pk, "status": "excused"}, follow=True
    )
    bad = client.post(
        url, {"enrolment": "x", "session": day_1.pk, "status": "present"}, follow=True
    )

    text = main_text(response)
    assert "Jānis Bērziņš is recorded excused for Day 1." in text
    assert "Corrected an attendance record" in text
    assert "present → excused" in text
    assert "That person or session is not part of this activity." in main_text(bad)
    assert ModelLogEntry.objects.filter(action="cohorts.attendance.correct").count() == 1


def test_check_in_staff_correct_today_only_and_leave_sessions_and_export_to_the_organisers(
    tabletop, day_one, client, clock
):
    janis = day_one[0]
    url = reverse("cohorts:attendance", args=[tabletop.pk])
    day_1, day_2 = session_on(tabletop, DAY_1), session_on(tabletop, DAY_2)
    client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, janis.pk]), {"session": day_1.pk}, **FETCH
    )
    at(clock, f"{DAY_2} 10:00")

    yesterday = client.post(
        url, {"enrolment": janis.pk, "session": day_1.pk, "status": "absent"}, follow=True
    )
    today = client.post(
        url, {"enrolment": janis.pk, "session": day_2.pk, "status": "excused"}, follow=True
    )
    sessions = client.get(reverse("cohorts:attendance_sessions", args=[tabletop.pk]))
    moved = client.post(
        reverse("cohorts:attendance_sessions", args=[tabletop.pk]),
        {"action": "delete", "session": day_2.pk},
    )
    export = client.get(reverse("cohorts:attendance_export", args=[tabletop.pk]))
    desk = main_text(client.get(desk_url(tabletop)))

    assert "Check-in staff record today's sessions only" in main_text(yesterday)
    assert "Nothing was changed." in main_text(yesterday)
    assert "Jānis Bērziņš is recorded excused for Day 2." in main_text(today)
    assert records_of(janis) == [("Day 1", "present"), ("Day 2", "excused")]
    assert "As check-in staff you record today's sessions" in main_text(today)
    # The list shows other days' records without a control to change them.
    assert f'id="status-{janis.pk}-{day_1.pk}"' not in today.content.decode()
    assert f'id="status-{janis.pk}-{day_2.pk}"' in today.content.decode()
    for refused in (sessions, moved, export):
        assert refused.status_code == 403
        assert "ask the activity's organisers" in main_text(refused)
    assert ActivitySession.objects.filter(pk=day_2.pk).exists()
    assert "Export the attendance" not in desk and "Days and sessions" not in desk
    assert "Attendance list: today's corrections" in desk
    assert not ModelLogEntry.objects.filter(action="cohorts.attendance.export").exists()


def test_organisers_add_and_change_sessions_with_messages_for_bad_input(
    tabletop, day_one, organiser, client
):
    client.force_login(organiser(tabletop))
    url = reverse("cohorts:attendance_sessions", args=[tabletop.pk])
    day_2 = session_on(tabletop, DAY_2)

    added = client.post(
        url,
        {
            "action": "add",
            "title": "Evening debrief",
            "date": DAY_2,
            "starts": "18:00",
            "ends": "19:30",
        },
        follow=True,
    )
    edited = client.post(
        url,
        {
            "action": "edit",
            "session": day_2.pk,
            "title": "Day 2",
            "date": DAY_2,
            "starts": "09:00",
            "ends": "12:00",
            "hours": "2.5",
        },
        follow=True,
    )
    outside = client.post(
        url,
        {"action": "add", "title": "", "date": "2030-02-01", "starts": "09:00", "ends": "10:00"},
        follow=True,
    )
    junk = client.post(url, {"action": "edit", "session": "x", "date": "0000-00-00"}, follow=True)

    assert "Session added." in main_text(added)
    assert "The session is saved." in main_text(edited)
    day_2.refresh_from_db()
    assert str(day_2.hours) == "2.50"
    assert "A session must be on one of the activity's days" in main_text(outside)
    assert junk.status_code == 200
    assert ActivitySession.objects.filter(activity=tabletop).count() == 4


def test_the_sign_in_sheet_lists_everyone_for_the_day(tabletop, day_one, client):
    client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, day_one[0].pk]),
        {"session": session_on(tabletop, DAY_1).pk},
        **FETCH,
    )

    response = client.get(reverse("cohorts:attendance_sheet", args=[tabletop.pk, DAY_1]))
    missing = client.get(reverse("cohorts:attendance_sheet", args=[tabletop.pk, "2030-02-01"]))
    junk = client.get(f"/cohorts/activities/{tabletop.pk}/attendance/sign-in-2030-13-45.pdf")

    text = text_of(response.content)
    assert response["Content-Type"] == "application/pdf"
    assert "Sign-in sheet: Storm Surge Table-top: Rīga" in text
    assert "Tuesday 15 January 2030" in text
    for name in ("Jānis Bērziņš", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska"):
        assert name in text
    assert "Present (recorded at the desk)" in text
    assert missing.status_code == junk.status_code == 404


def test_the_excel_export_keeps_diacritics_and_neutralises_formulas(
    tabletop, register, desk_staff, organiser, client, clock
):
    janis = register(tabletop, name="Jānis Bērziņš")
    register(tabletop, name='=HYPERLINK("http://evil.example")', organisation="@SUM(A1)")
    client.force_login(desk_staff(tabletop))
    at(clock, f"{DAY_1} 09:10")
    client.post(
        reverse("cohorts:check_in", args=[tabletop.pk, janis.pk]),
        {"session": session_on(tabletop, DAY_1).pk},
        **FETCH,
    )
    client.force_login(organiser(tabletop))

    response = client.get(reverse("cohorts:attendance_export", args=[tabletop.pk]))

    workbook = load_workbook(io.BytesIO(response.content))
    summary = list(workbook["Attendance"].values)
    records = list(workbook["Records"].values)
    assert summary[0][:4] == ("Full name", "E-mail", "Country", "Organisation")
    assert summary[0][4].startswith("Day 1 (2030-01-15 09:00, 7.00 h)")
    by_name = {row[0]: row for row in summary[1:]}
    assert by_name["Jānis Bērziņš"][4] == "Present"
    assert by_name["Jānis Bērziņš"][7:10] == (7.0, 21.0, 33.3)
    assert '\'=HYPERLINK("http://evil.example")' in by_name
    assert by_name['\'=HYPERLINK("http://evil.example")'][3] == "'@SUM(A1)"
    assert records[1][:3] == ("Day 1", "Jānis Bērziņš", "Present")
    assert records[1][3] == "Kristīne Ozoliņa"
    assert ModelLogEntry.objects.filter(action="cohorts.attendance.export").count() == 1


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_lists_the_desks_a_person_runs_and_links_them_from_the_cohort_desk(
    tabletop, desk_staff, make_cohort, client, staff
):
    staff_admin = staff
    from cohorts.places.services import cohort_staff_group_ensure

    staff = desk_staff(tabletop)
    client.force_login(staff)
    listing = client.get(reverse("cohorts_check_in_index"))
    cohort = make_cohort(activities=[tabletop])
    presidency = UserFactory()
    presidency.groups.add(cohort_staff_group_ensure(cohort=cohort))
    client.force_login(presidency)
    cohort_desk = client.get(reverse("cohorts_desk", args=[cohort.pk]))
    client.force_login(UserFactory())
    outsider = client.get(reverse("cohorts_check_in_index"))
    client.force_login(staff_admin)
    admin_listing = client.get(reverse("cohorts_check_in_index"))

    assert listing.status_code == 200
    assert "Storm Surge Table-top: Rīga" in listing.content.decode()
    assert reverse("cohorts:check_in_desk", args=[tabletop.pk]) in listing.content.decode()
    export = reverse("cohorts:attendance_export", args=[tabletop.pk])
    assert export not in listing.content.decode()  # door staff: the list, not the export
    assert export in admin_listing.content.decode()
    assert reverse("cohorts:check_in_desk", args=[tabletop.pk]) in cohort_desk.content.decode()
    assert outsider.status_code in (302, 403)
    assert admin_listing.status_code == 200
    setup = attendance.attendance_setup_ensure(activity=tabletop)
    edit = reverse("cohorts_attendance_setup:edit", args=[setup.pk])
    assert edit in admin_listing.content.decode()


def test_a_programme_admin_changes_the_rule_and_it_applies_to_what_was_recorded(
    tabletop, day_one, client, staff, clock, django_capture_on_commit_callbacks
):
    from lms.models import Event

    janis = day_one[0]
    for day in (DAY_1, DAY_2):
        at(clock, f"{day} 09:00")
        attendance.check_in(enrolment=janis, session=session_on(tabletop, day), actor=staff)
    janis.refresh_from_db()
    assert janis.attended_at is None  # two of three days: not every session
    setup = attendance.attendance_setup_ensure(activity=tabletop)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts_attendance_setup:edit", args=[setup.pk]),
            {"activity": tabletop.pk, "rule": "hours", "min_percent": 60, "staff_group": ""},
        )

    assert response.status_code == 302
    setup.refresh_from_db()
    assert (setup.rule, setup.min_percent) == ("hours", 60)
    assert setup.staff_group is not None  # created for the activity's desk staff
    janis.refresh_from_db()
    assert janis.attended_at is not None  # 14 of 21 hours
    assert Event.objects.filter(name="programmes.activity.attended").count() == 1


def test_a_set_up_cannot_be_moved_to_another_activity(tabletop, make_activity, client, staff):
    setup = attendance.attendance_setup_ensure(activity=tabletop)
    other = make_activity(title="Study visit: Gdańsk port", slug="study-visit-gdansk")
    client.force_login(staff)

    response = client.post(
        reverse("cohorts_attendance_setup:edit", args=[setup.pk]),
        {"activity": other.pk, "rule": "all", "min_percent": 80, "staff_group": ""},
    )

    assert response.status_code == 302  # saved, with the activity it had
    setup.refresh_from_db()
    assert setup.activity_id == tabletop.pk
    page = client.get(reverse("cohorts_attendance_setup:edit", args=[setup.pk]))
    assert "A set-up stays with its activity" in page.content.decode()


def test_only_the_desk_may_use_the_camera_and_run_its_webassembly_reader(tabletop, day_one, client):
    desk = client.get(desk_url(tabletop))
    my_learning = client.get(reverse("my_learning"))

    assert "camera=(self)" in desk["Permissions-Policy"]
    assert "'wasm-unsafe-eval'" in desk["Content-Security-Policy"]
    assert "camera=()" in my_learning["Permissions-Policy"]
    assert "wasm-unsafe-eval" not in my_learning["Content-Security-Policy"]
