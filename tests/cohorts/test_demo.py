"""The cohorts demo: after `manage.py load_demo` a newcomer finds BEP 2026 run by the Finnish
presidency with about forty applicants, capped places and a waitlist, a NEEDS nomination round
and a study visit with registrations; running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import ModelLogEntry

from cohorts.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    FocalPoint,
    PlaceClaim,
)
from lms.demo import demo_loaders
from lms.models import Event, Organisation, OutgoingEmail, User

pytestmark = pytest.mark.django_db

MEMBER_STATES = {"DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE"}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def bep() -> Cohort:
    return Cohort.objects.get(title="BEP 2026 — Finnish presidency")


def needs() -> Cohort:
    return Cohort.objects.get(title="NEEDS 2027 — needs assessment round")


def person(name: str) -> User:
    return User.objects.get(profile__full_name=name)


def snapshot() -> dict:
    return {
        "users": User.objects.count(),
        "organisations": Organisation.objects.count(),
        "cohorts": Cohort.objects.count(),
        "states": sorted(
            Enrolment.objects.values_list("user__email", "cohort_id", "activity_id", "state"),
            key=str,
        ),
        "claims": PlaceClaim.objects.count(),
        "focal points": FocalPoint.objects.count(),
        "events": Event.objects.count(),
        "audit": ModelLogEntry.objects.filter(action__startswith="cohorts.").count(),
    }


def test_the_cohorts_demo_runs_after_the_programmes_it_uses():
    names = [name for name, _ in demo_loaders()]

    assert names.index("programmes") < names.index("cohorts")


def test_load_demo_twice_creates_the_cohorts_people_and_places_once():
    first = load_demo()
    counts = snapshot()

    second = load_demo()

    assert "created cohort BEP 2026 — Finnish presidency" in first
    assert "created" not in second
    assert "cohorts already present" in second
    assert snapshot() == counts
    assert Cohort.objects.filter(slug="bep-2026").count() == 1
    assert bep().enrolments.count() == 40


def test_the_demo_events_send_their_e_mails_with_names_intact(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()

    def mail(name: str, verb: str) -> OutgoingEmail:
        user = person(name)
        enrolment = bep().enrolments.filter(user=user).first() or needs().enrolments.get(user=user)
        return OutgoingEmail.objects.get(
            recipient=user.email, reason=f"cohorts.{verb}:{enrolment.pk}"
        )

    assert "Þórunn Guðmundsdóttir" in mail("Þórunn Guðmundsdóttir", "accepted").body_text
    assert "Märta Åkesson" in mail("Märta Åkesson", "waitlisted").body_text
    assert "Sanna Kärkkäinen" in mail("Sanna Kärkkäinen", "offered").body_text
    rejected = mail("Özlem Krüger", "rejected")
    assert "endorsement" in rejected.body_text
    assert "Kristaps Liepiņš" in mail("Kristaps Liepiņš", "nominated").body_text
    # The job cluster's later run of the withdrawal handler offers no second place.
    assert bep().enrolments.filter(state=EnrolmentState.OFFERED).count() == 1
    counts = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    assert snapshot() == counts
