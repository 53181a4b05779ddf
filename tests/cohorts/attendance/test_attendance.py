"""Attendance services: sessions per day, passes, check-in at the desk and its refusals, the
attended rule and its event, corrections, the diacritics-blind search and who runs the desk."""

import base64
import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from wagtail.models import ModelLogEntry

from cohorts.attendance import services as attendance
from cohorts.attendance.selectors import desk_can_use, desk_counts, desk_rows, fold
from cohorts.attendance.services import SessionInput
from cohorts.errors import CohortsError
from cohorts.models import (
    ActivitySession,
    AttendanceRecord,
    AttendanceRule,
    AttendanceStatus,
    EnrolmentState,
    ParticipantPass,
)
from cohorts.places.services import (
    cohort_staff_group_ensure,
    enrolment_withdraw,
)
from lms.models import Event
from tests.cohorts import attendance_builders as builders
from tests.cohorts.attendance_builders import (
    DAY_1,
    DAY_2,
    DAY_3,
    at,
    attended_events,
    records_of,
    session_on,
)
from tests.cohorts.conftest import events_of
from tests.factories import UserFactory
from tests.programmes.builders import local

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
desk_staff = builders.desk_staff
register = builders.register
tabletop = builders.tabletop


# --- sessions ---------------------------------------------------------------------------------


def test_a_three_day_activity_gets_one_session_per_day_in_its_own_time_zone(tabletop):
    sessions = attendance.sessions_ensure(activity=tabletop)

    assert [s.title for s in sessions] == ["Day 1", "Day 2", "Day 3"]
    assert [(s.starts_at, s.ends_at) for s in sessions] == [
        (local(f"{day} 09:00"), local(f"{day} 16:00")) for day in (DAY_1, DAY_2, DAY_3)
    ]
    assert [s.hours for s in sessions] == [Decimal("7.00")] * 3
    # Opening the desk again creates nothing more.
    assert len(attendance.sessions_ensure(activity=tabletop)) == 3
    assert ActivitySession.objects.filter(activity=tabletop).count() == 3


def test_the_agenda_sets_each_days_session_and_its_hours_without_the_breaks(make_activity):
    agenda = [
        {"type": "item", "value": {"day": 1, "starts": "10:00", "ends": "12:00", "title": "a"}},
        {"type": "item", "value": {"day": 1, "starts": "13:00", "ends": "17:00", "title": "b"}},
        {"type": "item", "value": {"day": 2, "starts": "09:00", "ends": "12:00", "title": "c"}},
    ]
    activity = make_activity(
        starts_at=local("2030-03-04 10:00", "Europe/Helsinki"),
        ends_at=local("2030-03-05 12:00", "Europe/Helsinki"),
        time_zone="Europe/Helsinki",
        agenda=agenda,
    )

    sessions = attendance.sessions_ensure(activity=activity)

    assert [(s.starts_at, s.ends_at, s.hours) for s in sessions] == [
        (
            local("2030-03-04 10:00", "Europe/Helsinki"),
            local("2030-03-04 17:00", "Europe/Helsinki"),
            Decimal("6.00"),
        ),
        (
            local("2030-03-05 09:00", "Europe/Helsinki"),
            local("2030-03-05 12:00", "Europe/Helsinki"),
            Decimal("3.00"),
        ),
    ]


def test_staff_edit_split_and_remove_sessions_with_clear_refusals(tabletop, desk_staff):
    staff = desk_staff(tabletop)
    day_2 = session_on(tabletop, DAY_2)

    attendance.session_save(
        activity=tabletop,
        session_id=day_2.pk,
        data=SessionInput("Day 2 morning", dt.date(2030, 1, 16), dt.time(9), dt.time(12)),
        actor=staff,
    )
    added = attendance.session_save(
        activity=tabletop,
        data=SessionInput(
            "Day 2 afternoon", dt.date(2030, 1, 16), dt.time(13), dt.time(17), Decimal("3.5")
        ),
        actor=staff,
    )

    day_2.refresh_from_db()
    assert (day_2.title, day_2.hours) == ("Day 2 morning", Decimal("3.00"))
    assert (added.starts_at, added.hours) == (local(f"{DAY_2} 13:00"), Decimal("3.50"))
    with pytest.raises(CohortsError, match="on one of the activity's days"):
        attendance.session_save(
            activity=tabletop,
            data=SessionInput("", dt.date(2030, 1, 18), dt.time(9), dt.time(12)),
            actor=staff,
        )
    with pytest.raises(CohortsError, match="end after it starts"):
        attendance.session_save(
            activity=tabletop,
            data=SessionInput("", dt.date(2030, 1, 16), dt.time(12), dt.time(9)),
            actor=staff,
        )
    with pytest.raises(CohortsError, match="at most the session's 3.00"):
        attendance.session_save(
            activity=tabletop,
            data=SessionInput("", dt.date(2030, 1, 16), dt.time(9), dt.time(12), Decimal(4)),
            actor=staff,
        )
    attendance.session_delete(activity=tabletop, session_id=added.pk, actor=staff)
    assert ActivitySession.objects.filter(activity=tabletop).count() == 3
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {
        "cohorts.attendance.session_edit",
        "cohorts.attendance.session_add",
        "cohorts.attendance.session_delete",
    } <= actions


def test_a_session_with_records_and_the_last_session_cannot_be_removed(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    day_1 = session_on(tabletop, DAY_1)
    at(clock, f"{DAY_1} 09:05")
    attendance.check_in(enrolment=place, session=day_1, actor=staff)

    with pytest.raises(CohortsError, match="has 1 attendance record"):
        attendance.session_delete(activity=tabletop, session_id=day_1.pk, actor=staff)
    for day in (DAY_2, DAY_3):
        attendance.session_delete(
            activity=tabletop, session_id=session_on(tabletop, day).pk, actor=staff
        )
    AttendanceRecord.objects.all().delete()
    with pytest.raises(CohortsError, match="at least one session"):
        attendance.session_delete(activity=tabletop, session_id=day_1.pk, actor=staff)


# --- passes -----------------------------------------------------------------------------------


def test_a_confirmed_place_gets_an_unguessable_pass_used_for_nothing_but_check_in(
    tabletop, register, client
):
    first = register(tabletop, name="Jānis Bērziņš")
    second = register(tabletop, name="Õie Täht", country="EE")

    tokens = [first.participant_pass.token, second.participant_pass.token]

    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 random bits
        assert attendance.token_from_text(attendance.pass_address(token)) == token
    assert tokens[0] != tokens[1]
    # The token opens no offer, no nomination and no place page: it is a pass and only a pass.
    for url in (f"/cohorts/offer/{tokens[0]}/", f"/cohorts/nomination/{tokens[0]}/"):
        assert client.get(url).status_code == 404
    assert first.token_hash is None


def test_a_withdrawn_place_loses_its_pass_and_scanning_it_says_so(
    tabletop, register, desk_staff, clock, django_capture_on_commit_callbacks
):
    staff = desk_staff(tabletop)
    place = register(tabletop, name="Søren Ærø", country="DK")
    token = place.participant_pass.token
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_withdraw(enrolment=place, actor=place.user)
    place.participant_pass.refresh_from_db()
    at(clock, f"{DAY_1} 09:05")

    with pytest.raises(CohortsError) as refused:
        attendance.check_in_by_token(
            activity=tabletop, text=token, session=session_on(tabletop, DAY_1), actor=staff
        )

    assert place.participant_pass.revoked_at is not None
    assert "This pass was cancelled" in refused.value.message
    assert "Søren Ærø no longer has a place" in refused.value.message
    assert records_of(place) == []


def test_a_pass_of_another_activity_is_refused_with_the_activitys_name(
    tabletop, make_activity, register, desk_staff, clock
):
    webinar = make_activity(
        title="Webinar: early warning for coastal towns",
        starts_at=local(f"{DAY_1} 13:00"),
        ends_at=local(f"{DAY_1} 15:00"),
    )
    other = register(webinar, name="Małgorzata Wąsowska", country="PL")
    staff = desk_staff(tabletop)
    at(clock, f"{DAY_1} 09:05")

    found = attendance.pass_lookup(activity=tabletop, text=other.participant_pass.token)

    assert not found.ok
    assert found.message == (
        "This pass is for another activity (Webinar: early warning for coastal towns), not for "
        "Storm Surge Table-top: Rīga. Nothing was recorded."
    )
    with pytest.raises(CohortsError):
        attendance.check_in_by_token(
            activity=tabletop,
            text=other.participant_pass.token,
            session=session_on(tabletop, DAY_1),
            actor=staff,
        )
    assert AttendanceRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This is not a BSR Academy participant pass"),
        ("hello", "This is not a BSR Academy participant pass"),
        ("https://example.org/verify/ABCD-1234", "This is not a BSR Academy participant pass"),
        ("x" * 5000, "This is not a BSR Academy participant pass"),
        ("A" * 43, "This pass is not valid: no pass has this code"),
        ("https://bsr.example/cohorts/pass/" + "B" * 43 + "/", "This pass is not valid"),
    ],
)
def test_malformed_or_forged_codes_are_refused_and_nothing_is_recorded(
    tabletop, register, desk_staff, clock, text, message
):
    register(tabletop)
    staff = desk_staff(tabletop)
    at(clock, f"{DAY_1} 09:05")

    with pytest.raises(CohortsError) as refused:
        attendance.check_in_by_token(
            activity=tabletop, text=text, session=session_on(tabletop, DAY_1), actor=staff
        )

    assert refused.value.message.startswith(message)
    assert AttendanceRecord.objects.count() == 0


def test_the_scanned_address_and_the_typed_code_both_check_in(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    scanned = register(tabletop, name="Jānis Bērziņš")
    typed = register(tabletop, name="Žydrūnas Šimkus", country="LT")
    at(clock, f"{DAY_1} 08:40")
    day_1 = session_on(tabletop, DAY_1)

    attendance.check_in_by_token(
        activity=tabletop,
        text=attendance.pass_address(scanned.participant_pass.token),
        session=day_1,
        actor=staff,
    )
    attendance.check_in_by_token(
        activity=tabletop,
        text=f"  {typed.participant_pass.token}  ",
        session=day_1,
        actor=staff,
        method="code",
    )

    methods = dict(AttendanceRecord.objects.values_list("enrolment_id", "method"))
    assert methods == {scanned.pk: "scan", typed.pk: "code"}
    assert desk_counts(tabletop, day_1) == {"expected": 2, "checked_in": 2, "missing": 0}


# --- check-in ---------------------------------------------------------------------------------


def test_a_double_check_in_changes_nothing(tabletop, register, desk_staff, clock):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    day_1 = session_on(tabletop, DAY_1)
    at(clock, f"{DAY_1} 09:02")
    first = attendance.check_in(enrolment=place, session=day_1, actor=staff)
    events_before = Event.objects.count()
    clock.advance(minutes=5)

    second = attendance.check_in(enrolment=place, session=day_1, actor=staff)

    assert not first.already and second.already
    assert second.message == "Jānis Bērziņš was already checked in at 09:02."
    assert AttendanceRecord.objects.filter(enrolment=place).count() == 1
    assert second.record.recorded_at == local(f"{DAY_1} 09:02")
    assert Event.objects.count() == events_before
    assert ModelLogEntry.objects.filter(action="cohorts.attendance.correct").count() == 0


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (
            "2030-01-14 18:00",
            "Check-in for Storm Surge Table-top: Rīga opens on Tuesday 15 January",
        ),
        ("2030-01-18 08:00", "Storm Surge Table-top: Rīga ended on Thursday 17 January 2030"),
    ],
)
def test_check_in_outside_the_activitys_dates_is_refused(
    tabletop, register, desk_staff, clock, moment, message
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    at(clock, moment)

    with pytest.raises(CohortsError) as refused:
        attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)

    assert refused.value.message.startswith(message)
    assert "Nothing was recorded" in refused.value.message
    assert records_of(place) == []


def test_early_arrivals_on_the_first_morning_are_checked_in_in_the_venues_time_zone(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    # 00:30 in Rīga is still 14 January in Stockholm, the site's zone: the venue's day counts.
    at(clock, f"{DAY_1} 00:30")

    attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)

    assert records_of(place) == [("Day 1", "present")]


def test_checking_in_for_another_days_session_is_refused(tabletop, register, desk_staff, clock):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    at(clock, f"{DAY_2} 09:00")

    with pytest.raises(CohortsError, match="Day 1 is on Tuesday 15 January 2030, not today"):
        attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)
    assert records_of(place) == []


def test_a_participant_withdrawn_since_is_refused_at_the_desk(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop, name="Þórunn Guðmundsdóttir", country="IS")
    enrolment_withdraw(enrolment=place, actor=place.user)
    at(clock, f"{DAY_1} 09:00")

    with pytest.raises(CohortsError) as refused:
        attendance.check_in(enrolment=place, session=session_on(tabletop, DAY_1), actor=staff)

    assert refused.value.message.startswith("Þórunn Guðmundsdóttir withdrew from this activity")
    assert records_of(place) == []


def test_the_single_place_where_guardian_consent_will_join_passes_a_confirmed_adult(
    tabletop, register, clock
):
    place = register(tabletop)
    at(clock, f"{DAY_1} 10:00")

    assert attendance.check_in_blocked_reason(place) is None
    place.state = EnrolmentState.WAITLISTED
    assert "has no confirmed place" in attendance.check_in_blocked_reason(place)


# --- the attended rule ------------------------------------------------------------------------


def _check_in_on(place, staff, clock, day):
    at(clock, f"{day} 09:00")
    return attendance.check_in(
        enrolment=place, session=session_on(place.activity, day), actor=staff
    )


def test_present_every_day_is_attended_once_and_the_event_feeds_completion(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    events_before = events_of(place)

    _check_in_on(place, staff, clock, DAY_1)
    _check_in_on(place, staff, clock, DAY_2)
    place.refresh_from_db()
    assert place.attended_at is None
    assert attended_events(place) == []

    _check_in_on(place, staff, clock, DAY_3)
    _check_in_on(place, staff, clock, DAY_3)

    place.refresh_from_db()
    assert place.attended_at == local(f"{DAY_3} 09:00")
    assert attended_events(place) == [
        {"enrolment_id": place.pk, "activity_id": tabletop.pk, "user_id": place.user_id}
    ]
    assert events_of(place) == events_before  # no cohort event for a check-in


def test_a_correction_below_the_rule_clears_attended_and_is_logged_and_the_event_stays_single(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop, name="Jānis Bērziņš")
    for day in (DAY_1, DAY_2, DAY_3):
        _check_in_on(place, staff, clock, day)

    corrected = attendance.attendance_set(
        enrolment=place,
        session=session_on(tabletop, DAY_2),
        status=AttendanceStatus.ABSENT,
        actor=staff,
    )
    place.refresh_from_db()

    assert place.attended_at is None
    assert "no longer meets the activity's attendance rule" in corrected.message
    entry = ModelLogEntry.objects.get(action="cohorts.attendance.correct")
    assert (entry.user, entry.data["from"], entry.data["to"]) == (staff, "present", "absent")
    assert entry.data["person"] == "Jānis Bērziņš"

    attendance.attendance_set(
        enrolment=place,
        session=session_on(tabletop, DAY_2),
        status=AttendanceStatus.PRESENT,
        actor=staff,
    )
    place.refresh_from_db()
    assert place.attended_at is not None
    assert len(attended_events(place)) == 1


@pytest.mark.parametrize(
    ("day_3_hours", "attended"),
    [
        (Decimal("4.00"), True),  # days 1 and 2: 16 of 20 hours, exactly 80 %
        (Decimal("4.01"), False),  # 16 of 20.01 hours: 79.96 %
    ],
)
def test_the_share_of_hours_rule_counts_its_threshold_as_met(
    tabletop, register, desk_staff, clock, day_3_hours, attended
):
    staff = desk_staff(tabletop)
    setup = attendance.attendance_setup_ensure(activity=tabletop)
    setup.rule, setup.min_percent = AttendanceRule.HOURS_PERCENT, 80
    setup.save()
    sessions = attendance.sessions_ensure(activity=tabletop)
    for session, hours in zip(sessions, (Decimal(8), Decimal(8), day_3_hours), strict=True):
        ActivitySession.objects.filter(pk=session.pk).update(hours=hours)
    place = register(tabletop)
    # Day 1 only: 8 hours, far below.
    _check_in_on(place, staff, clock, DAY_1)
    place.refresh_from_db()
    assert place.attended_at is None

    _check_in_on(place, staff, clock, DAY_2)

    place.refresh_from_db()
    assert (place.attended_at is not None) is attended
    assert len(attended_events(place)) == (1 if attended else 0)


def test_attending_a_cohorts_activity_completes_the_cohort_through_the_event(
    make_cohort, make_activity, make_person, desk_staff, clock, django_capture_on_commit_callbacks
):
    from cohorts.models import Enrolment
    from cohorts.places.services import enrolment_apply

    activity = make_activity(starts_at=local(f"{DAY_1} 10:00"), ends_at=local(f"{DAY_1} 15:00"))
    at(clock, "2030-01-01 12:00")
    cohort = make_cohort(activities=[activity], starts_on=dt.date(2030, 1, 10))
    with django_capture_on_commit_callbacks(execute=True):
        member = enrolment_apply(user=make_person("LV", full_name="Jānis Bērziņš"), cohort=cohort)
    place = Enrolment.objects.get(activity=activity, user=member.user)
    staff = desk_staff(activity)
    at(clock, f"{DAY_1} 10:00")

    session = attendance.sessions_ensure(activity=activity)[0]
    with django_capture_on_commit_callbacks(execute=True):
        attendance.check_in(enrolment=place, session=session, actor=staff)

    member.refresh_from_db()
    assert member.state == EnrolmentState.COMPLETED
    assert "completed" in events_of(member)


# --- corrections and statuses -----------------------------------------------------------------


def test_an_absence_is_excused_ahead_but_presence_is_not_recorded_before_its_day(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    at(clock, f"{DAY_1} 12:00")
    day_3 = session_on(tabletop, DAY_3)

    attendance.attendance_set(
        enrolment=place, session=day_3, status=AttendanceStatus.EXCUSED, actor=staff
    )
    with pytest.raises(CohortsError, match="Day 3 is on Thursday 17 January 2030"):
        attendance.attendance_set(
            enrolment=place, session=day_3, status=AttendanceStatus.PRESENT, actor=staff
        )
    with pytest.raises(CohortsError, match="Choose present, absent or excused"):
        attendance.attendance_set(enrolment=place, session=day_3, status="late", actor=staff)

    assert records_of(place) == [("Day 3", "excused")]


def test_someone_recorded_absent_who_turns_up_is_corrected_to_present_and_logged(
    tabletop, register, desk_staff, clock
):
    staff = desk_staff(tabletop)
    place = register(tabletop)
    at(clock, f"{DAY_1} 09:30")
    day_1 = session_on(tabletop, DAY_1)
    attendance.attendance_set(
        enrolment=place, session=day_1, status=AttendanceStatus.ABSENT, actor=staff
    )
    clock.advance(minutes=45)

    done = attendance.check_in(enrolment=place, session=day_1, actor=staff)

    assert not done.already
    assert records_of(place) == [("Day 1", "present")]
    assert ModelLogEntry.objects.filter(action="cohorts.attendance.correct").count() == 1


# --- search and permissions -------------------------------------------------------------------


def test_fold_ignores_the_regions_diacritics():
    assert fold("Jānis Bērziņš") == "janis berzins"
    assert fold("Þórunn Guðmundsdóttir") == "thorunn gudmundsdottir"
    assert fold("Małgorzata Wąsowska") == "malgorzata wasowska"
    assert fold("Søren Ærø") == "soren aero"
    assert fold("Žydrūnas Šimkus") == "zydrunas simkus"
    assert fold("Jürgen Größ") == "jurgen gross"
    assert fold("Õie Täht") == "oie taht"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Berzins", ["Jānis Bērziņš"]),
        ("bērziņš", ["Jānis Bērziņš"]),
        ("thorunn", ["Þórunn Guðmundsdóttir"]),
        ("Soren Aero", ["Søren Ærø"]),
        ("wasowska", ["Małgorzata Wąsowska"]),
        ("ugunsdzesibas", ["Jānis Bērziņš"]),  # organisation
        ("iceland", ["Þórunn Guðmundsdóttir"]),  # country
        ("poland malgorzata", ["Małgorzata Wąsowska"]),
        ("nobody", []),
        ("", ["Jānis Bērziņš", "Małgorzata Wąsowska", "Søren Ærø", "Þórunn Guðmundsdóttir"]),
    ],
)
def test_the_desk_search_ignores_diacritics_in_names_organisations_and_countries(
    tabletop, register, query, found
):
    register(tabletop, name="Jānis Bērziņš", organisation="Valsts ugunsdzēsības dienests")
    register(tabletop, name="Þórunn Guðmundsdóttir", country="IS", organisation="Almannavarnir")
    register(tabletop, name="Søren Ærø", country="DK", organisation="Beredskabsstyrelsen")
    register(tabletop, name="Małgorzata Wąsowska", country="PL", organisation="PSP Gdańsk")

    rows = desk_rows(tabletop, None, q=query)

    assert [row.name for row in rows] == found


def test_only_the_activitys_staff_run_its_desk(
    tabletop, make_activity, make_cohort, desk_staff, register, staff, clock
):
    other_activity = make_activity(title="Another exercise")
    desk_member = desk_staff(tabletop)
    cohort = make_cohort(activities=[tabletop])
    cohort_staff = UserFactory()
    cohort_staff.groups.add(cohort_staff_group_ensure(cohort=cohort))
    other_cohort = make_cohort(activities=[other_activity])
    other_staff = UserFactory()
    other_staff.groups.add(cohort_staff_group_ensure(cohort=other_cohort))
    participant = register(tabletop).user

    assert desk_can_use(desk_member, tabletop)
    assert desk_can_use(cohort_staff, tabletop)
    assert desk_can_use(staff, tabletop)  # a programme admin
    assert not desk_can_use(other_staff, tabletop)
    assert not desk_can_use(participant, tabletop)
    assert not desk_can_use(desk_member, other_activity)
    # A presidency's rights end 90 days after its cohort.
    clock.now = clock.now + dt.timedelta(days=400)
    assert not desk_can_use(cohort_staff, tabletop)
    client = Client()
    client.force_login(other_staff)
    assert client.get(f"/cohorts/activities/{tabletop.pk}/check-in/").status_code == 404


def test_pass_records_survive_a_revoked_and_reissued_pass(tabletop, register):
    place = register(tabletop)
    old = place.participant_pass.token
    attendance.pass_revoke(enrolment=place)

    reissued = attendance.pass_ensure(enrolment=place)

    assert reissued.token != old and reissued.revoked_at is None
    assert ParticipantPass.objects.filter(enrolment=place).count() == 1
    assert attendance.pass_by_token(old) is None
