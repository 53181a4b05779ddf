"""Group leaders booking the last places at the same moment, with real threads on PostgreSQL:
never more places than there are, an all-or-nothing group gets all its places or none, and every
refusal is a clear message. PostgreSQL only."""

from collections import Counter

import pytest
from django.conf import settings
from django_q.conf import Conf

from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.models import Enrolment, EnrolmentState, GroupKind, PlaceClaim
from tests.cohorts.groups_builders import member_data
from tests.factories import UserFactory
from tests.threads import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]

COUNTRIES = ["LV", "SE", "EE", "LT", "FI", "PL"]


@pytest.fixture(autouse=True)
def queued_jobs(monkeypatch):
    # Jobs go to the queue table, as from a web process: the e-mails are not measured here.
    monkeypatch.setattr(Conf, "SYNC", False)


def group_of_four(country: str, tag: str):
    leader = UserFactory(profile__country=country)
    group = groups.group_create(
        actor=leader,
        data=groups.GroupData(
            name=f"Jaunie glābēji {tag}", organisation=f"Rescue youth {country}",
            country=country, kind=GroupKind.RESCUE_YOUTH,
        ),
    )  # fmt: skip
    members = [
        groups.member_add(
            actor=leader, group=group, data=member_data(f"Mārtiņš {i}", age=30, guardian=False)
        )
        for i in range(4)
    ]
    return leader, group, members


def book_job(leader, group, members, exchange, mode):
    def job():
        try:
            result = groups.group_book(
                actor=leader,
                group=group,
                target=exchange,
                member_ids=[m.pk for m in members],
                mode=mode,
            )
        except CohortsError as exc:
            return (group.pk, mode, exc.code)
        return (group.pk, mode, len(result.booked))

    return job


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_leaders_booking_the_last_places_at_once_never_overfill(make_activity):
    for round_number in range(5):
        exchange = make_activity(
            title=f"Youth exchange {round_number}", capacity=10, places_per_country=None
        )
        jobs = []
        for index, country in enumerate(COUNTRIES):
            leader, group, members = group_of_four(country, f"{country} {round_number}")
            mode = groups.ALL if index % 2 == 0 else groups.PARTIAL
            jobs.append(book_job(leader, group, members, exchange, mode))

        results, errors = at_once(jobs, workers=len(jobs))

        assert errors == []
        holding = Enrolment.objects.filter(activity=exchange, state=EnrolmentState.ACCEPTED)
        # The partial groups alone want 12 places: the 10 are always all taken, never more.
        assert holding.count() == 10
        assert PlaceClaim.objects.filter(scope=f"a:{exchange.pk}").count() == 10
        per_group = Counter(holding.values_list("group_id", flat=True))
        for group_id, mode, outcome in results:
            if mode == groups.ALL:
                assert per_group.get(group_id, 0) in (0, 4)
                assert outcome in (4, "no_place", "busy")
            else:
                assert per_group.get(group_id, 0) == (outcome if isinstance(outcome, int) else 0)
