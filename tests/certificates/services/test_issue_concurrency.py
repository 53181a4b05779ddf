"""Issuing at the same moment from many threads on PostgreSQL: the same person issued twice at
once, one event delivered by several workers at once, and a bulk issue racing automatic issues
and its own duplicated jobs. Every person ends with exactly one certificate and one e-mail.
PostgreSQL only."""

import logging
import random
from collections import Counter
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import transaction
from django_q.conf import Conf

from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
)
from certificates.services import (
    certificate_issue,
    certificate_render,
    certificates_bulk_render,
    certificates_bulk_request,
    certificates_bulk_run,
)
from cohorts.models import Enrolment, EnrolmentSource, EnrolmentState
from lms.events import emit, event_dispatch
from lms.models import Delivery, Event, OutgoingEmail, Profile, User
from tests.certificates.issuing import (  # noqa: F401 (fixture)
    events_named,
    make_template,
    private_files_in_tmp,
)
from tests.threads import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]

NAMES = ["Jānis Bērziņš", "Žydrūnas Šimkus", "Þórunn Guðmundsdóttir", "Małgorzata Wąsowska"]


def completed_people(cohort, count: int, *, tag: str) -> list[User]:
    users = User.objects.bulk_create(
        User(email=f"{tag}-{i}@example.org", password="!") for i in range(count)
    )
    Profile.objects.bulk_create(
        Profile(user=user, full_name=f"{NAMES[i % len(NAMES)]} {i}", country="LV")
        for i, user in enumerate(users)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            cohort=cohort,
            user=user,
            state=EnrolmentState.COMPLETED,
            source=EnrolmentSource.STAFF,
            country="LV",
        )
        for user in users
    )
    return users


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_issuing_one_person_from_many_threads_at_once_makes_one_certificate(
    make_cohort, caplog, capsys
):
    caplog.set_level(logging.INFO, logger="certificates.services")
    cohort = make_cohort()
    make_template(CertificateKind.PROGRAMME)
    collisions = 0
    for attempt in range(1, 11):
        [person] = completed_people(cohort, 1, tag=f"same{attempt}")
        caplog.clear()
        results, errors = at_once(
            [
                lambda person=person: certificate_issue(
                    user=person, cohort=cohort, source=CertificateSource.MANUAL
                )
                for _ in range(16)
            ],
            workers=16,
        )

        assert errors == []
        assert len({certificate.pk for certificate in results}) == 1
        [certificate] = Certificate.objects.filter(user=person)
        assert certificate.state == CertificateState.ISSUED
        assert len(events_named("certificates.certificate.issued", user_id=person.pk)) == 1
        assert OutgoingEmail.objects.filter(recipient=person.email).count() == 1
        collisions += sum("issued concurrently" in r.getMessage() for r in caplog.records)
        if collisions:
            break
    with capsys.disabled():
        print(
            f"\n  {collisions} concurrent insert(s) ended as the one certificate, round {attempt}"
        )
    # The race is real: some thread's insert met another's row and returned it instead.
    assert collisions > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_completion_events_delivered_by_many_workers_at_once_issue_once(make_cohort, monkeypatch):
    cohort = make_cohort()
    make_template(CertificateKind.PROGRAMME)
    people = completed_people(cohort, 20, tag="deliver")
    monkeypatch.setattr(Conf, "SYNC", False)  # dispatch waits in the queue, run below
    for enrolment in Enrolment.objects.filter(cohort=cohort):
        with transaction.atomic():
            emit(
                "cohorts.enrolment.completed",
                key=f"cohorts.enrolment.completed:{enrolment.pk}",
                payload={
                    "enrolment_id": enrolment.pk,
                    "user_id": enrolment.user_id,
                    "cohort_id": cohort.pk,
                },
            )
    monkeypatch.setattr(Conf, "SYNC", True)  # each worker runs what it queues
    ids = list(Event.objects.values_list("pk", flat=True))

    def worker(seed: int) -> Callable:
        def job():
            order = ids[:]
            random.Random(seed).shuffle(order)
            for event_id in order:
                event_dispatch(event_id=event_id)

        return job

    _, errors = at_once([worker(seed) for seed in range(8)], workers=8)

    assert errors == []
    by_person = Counter(Certificate.objects.values_list("user_id", flat=True))
    assert by_person == {person.pk: 1 for person in people}
    assert set(Certificate.objects.values_list("state", flat=True)) == {CertificateState.ISSUED}
    emails = Counter(
        OutgoingEmail.objects.filter(reason__startswith="certificates.").values_list(
            "recipient", flat=True
        )
    )
    assert emails == {person.email: 1 for person in people}
    assert Delivery.objects.exclude(status=Delivery.Status.DONE).count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_issue_racing_automatic_issues_and_its_own_duplicate_jobs(
    make_cohort, staff, monkeypatch, settings
):
    settings.CERTIFICATES_BULK_CHUNK = 10
    monkeypatch.setattr(Conf, "SYNC", False)  # jobs wait in the queue; the threads run them
    cohort = make_cohort()
    make_template(CertificateKind.PROGRAMME)
    people = completed_people(cohort, 80, tag="bulk")

    # Two members of staff press "Issue certificates" at the same moment.
    requests, errors = at_once(
        [lambda: certificates_bulk_request(cohort=cohort, actor=staff) for _ in range(8)],
        workers=8,
    )
    assert errors == []
    assert len({bulk.pk for bulk in requests}) == 1
    assert BulkIssue.objects.count() == 1
    bulk_id = requests[0].pk

    # The bulk job (delivered twice) races automatic issues for a quarter of the people.
    automatic = [
        lambda person=person: certificate_issue(
            user=person, cohort=cohort, source=CertificateSource.AUTOMATIC
        )
        for person in people[::4]
    ]
    bulk_jobs = [lambda: certificates_bulk_run(bulk_id=bulk_id) for _ in range(2)]
    _, errors = at_once(bulk_jobs + automatic, workers=12)
    assert errors == []
    assert Counter(Certificate.objects.values_list("user_id", flat=True)) == {
        person.pk: 1 for person in people
    }
    bulk = BulkIssue.objects.get(pk=bulk_id)
    assert bulk.state == BulkIssueState.RUNNING
    assert bulk.total == 80

    # Every chunk delivered twice, and every certificate's own job too, all at once.
    pending = list(
        Certificate.objects.filter(state=CertificateState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [pending[i : i + 10] for i in range(0, len(pending), 10)]
    jobs = [
        lambda chunk=chunk: certificates_bulk_render(bulk_id=bulk_id, certificate_ids=chunk)
        for chunk in chunks * 2
    ] + [lambda pk=pk: certificate_render(certificate_id=pk) for pk in pending]
    random.Random(3).shuffle(jobs)
    _, errors = at_once(jobs, workers=12)

    assert errors == []
    certificates = Certificate.objects.filter(cohort=cohort)
    assert certificates.count() == 80
    assert set(certificates.values_list("state", flat=True)) == {CertificateState.ISSUED}
    assert len(set(certificates.values_list("code", flat=True))) == 80
    issued_events = Counter(
        e.payload["certificate_id"] for e in events_named("certificates.certificate.issued")
    )
    assert issued_events == {pk: 1 for pk in certificates.values_list("pk", flat=True)}
    bulk = BulkIssue.objects.get(pk=bulk_id)
    by_bulk = certificates.filter(source=CertificateSource.BULK).count()
    assert (bulk.state, bulk.total, bulk.failed) == (BulkIssueState.DONE, 80, 0)
    assert (bulk.issued, bulk.skipped) == (by_bulk, 80 - by_bulk)
    assert bulk.progress_percent == 100
