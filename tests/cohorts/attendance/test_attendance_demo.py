"""The attendance demo: after `manage.py load_demo` BEP's table-top exercise has its four days,
a pass for every confirmed place and a partly filled record, with or without the job cluster
having run the events; running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from cohorts.attendance.selectors import desk_can_use
from cohorts.models import (
    ActivityAttendance,
    AttendanceRecord,
    AttendanceRule,
    AttendanceStatus,
    Enrolment,
    ParticipantPass,
)
from cohorts.places.models import CONFIRMED
from lms.demo import demo_loaders
from lms.models import User
from programmes.models import ActivityPage

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    """The demos this one builds on, and this one (the other apps' demos are theirs to test)."""
    out = StringIO()
    call_command("load_demo", only=["programmes", "cohorts", "attendance"], stdout=out)
    return out.getvalue()


def state() -> dict:
    tabletop = ActivityPage.objects.get(slug="storm-and-power-cut-tabletop-exercise")
    return {
        "places": Enrolment.objects.filter(activity=tabletop, state__in=CONFIRMED).count(),
        "passes": sorted(
            ParticipantPass.objects.filter(enrolment__activity=tabletop).values_list(
                "token_hash", flat=True
            )
        ),
        "records": sorted(
            AttendanceRecord.objects.filter(session__activity=tabletop).values_list(
                "session__title", "enrolment_id", "status"
            )
        ),
    }


@pytest.mark.parametrize("handlers_run", [False, True])
def test_the_demo_exercise_has_passes_and_a_partly_filled_record(
    handlers_run, django_capture_on_commit_callbacks
):
    if handlers_run:
        with django_capture_on_commit_callbacks(execute=True):
            out = load_demo()
    else:
        out = load_demo()
    tabletop = ActivityPage.objects.get(slug="storm-and-power-cut-tabletop-exercise")
    first = state()

    assert "[attendance] issued" in out or handlers_run
    assert first["places"] >= 8
    assert len(first["passes"]) == first["places"]
    setup = ActivityAttendance.objects.get(activity=tabletop)
    assert (setup.rule, setup.min_percent) == (AttendanceRule.HOURS_PERCENT, 80)
    day_1 = [r for r in first["records"] if r[0] == "Day 1"]
    day_2 = [r for r in first["records"] if r[0] == "Day 2"]
    assert len(day_1) == first["places"]
    assert {status for *_, status in day_1} == {
        AttendanceStatus.PRESENT,
        AttendanceStatus.ABSENT,
        AttendanceStatus.EXCUSED,
    }
    assert 0 < len(day_2) < first["places"]
    assert not any(r[0] in ("Day 3", "Day 4") for r in first["records"])
    assert not Enrolment.objects.filter(activity=tabletop, attended_at__isnull=False).exists()
    staff = User.objects.get(email="presidency.fi@bsr-academy.local")
    assert desk_can_use(staff, tabletop)

    load_demo()
    assert state() == first


def test_the_attendance_demo_runs_after_the_cohorts_demo():
    names = [name for name, _ in demo_loaders()]

    assert names.index("cohorts") < names.index("attendance")
