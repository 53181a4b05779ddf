"""A real job cluster killed with SIGKILL while it renders certificates: a new cluster and the
sweepers finish the work, and every person ends with exactly one certificate and one e-mail.
PostgreSQL only (the cluster is a separate process on the test database); bounded to 90 s."""

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django_q.brokers import get_broker
from django_q.conf import Conf

from certificates.models import Certificate, CertificateKind, CertificateSource, CertificateState
from certificates.services import certificate_issue
from lms import jobs
from lms.models import Event, OutgoingEmail
from tests.certificates.issuing import (  # noqa: F401 (fixture)
    completed_in,
    make_template,
    pdf_text,
    private_files_in_tmp,
)
from tests.local import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]

ROOT = Path(__file__).resolve().parents[3]
BUDGET = 90.0  # seconds for the whole test
RENDER_SECONDS = 0.4  # per certificate, in the cluster only
NAMES = [
    "Jānis Bērziņš",
    "Žydrūnas Šimkus",
    "Þórunn Guðmundsdóttir",
    "Małgorzata Wąsowska",
    "Søren Ærø",
    "Õie Täht",
]
SWEEPS = (
    "certificates.tasks.certificates_sweep_task",
    "lms.tasks.event_sweep_task",
    "lms.tasks.email_sweep_task",
)


class Cluster:
    """`manage.py qcluster` in its own process group, so one signal reaches the master, its
    workers, pusher and monitor alike."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in kill()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=15)
        self.log.close()

    def tail(self) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])


def wait_for(predicate, *, deadline: float, cluster: Cluster, what: str, tick=None) -> None:
    last_tick = 0.0
    while not predicate():
        assert cluster.proc.poll() is None, f"the cluster exited:\n{cluster.tail()}"
        assert time.monotonic() < deadline, f"not done in time: {what}\n{cluster.tail()}"
        if tick and time.monotonic() - last_tick > 2:
            tick()
            last_tick = time.monotonic()
        time.sleep(0.1)


def mailed(mail_dir: Path) -> Counter:
    """Recipients of the messages the cluster's file e-mail backend wrote."""
    found = Counter()
    for path in mail_dir.iterdir():
        found.update(re.findall(r"^To: (\S+)$", path.read_text(errors="replace"), re.M))
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cluster_killed_mid_render_ends_with_one_certificate_and_one_email_each(
    make_cohort, make_person, tmp_path, monkeypatch, capsys
):
    deadline = time.monotonic() + BUDGET
    queue = f"certificates-killed-{os.getpid()}-{secrets.token_hex(3)}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.certificates.qcluster_settings",
        DATABASE_URL=database_url(),
        Q_NAME=settings.Q_CLUSTER["name"],
        SECRET_KEY=settings.SECRET_KEY,
        PRIVATE_ROOT=str(storages["private"].location),
        BASE_URL=settings.BASE_URL,
        KILL_TEST_QUEUE=queue,
        KILL_TEST_MAIL_DIR=str(mail_dir),
        KILL_TEST_RENDER_SECONDS=str(RENDER_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    # This process enqueues like a web server would, onto the test's own queue.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(jobs, "_broker", get_broker(list_key=queue))

    cohort = make_cohort(title="BEP 2026 — Finnish presidency")
    make_template(CertificateKind.PROGRAMME)
    people = [make_person("LV", full_name=f"{NAMES[i % 6]} {i + 1}") for i in range(12)]
    for person in people:
        completed_in(cohort, person)

    first = Cluster(env, tmp_path / "qcluster-1.log")
    try:
        for person in people:
            certificate_issue(user=person, cohort=cohort, source=CertificateSource.AUTOMATIC)
        issued = Certificate.objects.filter(state=CertificateState.ISSUED)
        wait_for(
            lambda: issued.count() >= 3,
            deadline=deadline,
            cluster=first,
            what="the first certificates",
        )
    finally:
        first.kill()  # SIGKILL to the whole group, mid-render
    killed_at = BUDGET - (deadline - time.monotonic())
    pending_after_kill = Certificate.objects.filter(state=CertificateState.PENDING).count()
    still_queued = jobs.broker().queue_size() or 0
    assert pending_after_kill > 0, "the kill should land before every certificate is rendered"

    second = Cluster(env, tmp_path / "qcluster-2.log")
    try:

        def sweep():
            for func in SWEEPS:
                jobs.enqueue(func)

        def converged() -> bool:
            return (
                not Certificate.objects.filter(state=CertificateState.PENDING).exists()
                and OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count()
                >= len(people)
                and not Event.objects.filter(dispatched_at__isnull=True).exists()
            )

        wait_for(converged, deadline=deadline, cluster=second, what="recovery", tick=sweep)
        with capsys.disabled():
            print(
                f"\n  killed at {killed_at:.1f} s with {pending_after_kill} certificates pending "
                f"({still_queued} of their jobs still in the queue); recovered "
                f"at {BUDGET - (deadline - time.monotonic()):.1f} s"
            )

        certificates = Certificate.objects.filter(cohort=cohort)
        assert Counter(certificates.values_list("user_id", flat=True)) == {
            person.pk: 1 for person in people
        }
        for person in people:
            certificate = certificates.get(user=person)
            assert certificate.state == CertificateState.ISSUED
            text = pdf_text(certificate)
            assert person.profile.full_name in text and certificate.code in text
        emails = OutgoingEmail.objects.filter(reason__startswith="certificates.")
        assert Counter(emails.values_list("recipient", flat=True)) == {
            person.email: 1 for person in people
        }
        wait_for(
            lambda: sum(mailed(mail_dir).values()) >= len(people),
            deadline=deadline,
            cluster=second,
            what="the e-mails written",
        )
        # One outbox row each (above); a message being handed to the mail server at the very
        # moment of the kill may go out again, since the send and the row's commit cannot be one
        # step: at most that one message is written twice.
        written = mailed(mail_dir)
        assert set(written) == {person.email for person in people}
        assert sum(written.values()) - len(people) <= 1

        # The recovered cluster takes new work straight away.
        newcomer = make_person("IS", full_name="Þórunn Guðmundsdóttir-Newcomer")
        completed_in(cohort, newcomer)
        certificate_issue(user=newcomer, cohort=cohort, source=CertificateSource.AUTOMATIC)
        wait_for(
            lambda: OutgoingEmail.objects.filter(
                recipient=newcomer.email, status=OutgoingEmail.Status.SENT
            ).exists(),
            deadline=deadline,
            cluster=second,
            what="a new certificate after the recovery",
        )
        assert certificates.get(user=newcomer).state == CertificateState.ISSUED
    finally:
        second.kill()
