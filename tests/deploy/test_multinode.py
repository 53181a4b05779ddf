"""Two web nodes (gunicorn) and two job clusters, each with a working folder of its own standing in
for a machine of its own, against one PostgreSQL, one Redis and one S3-protocol object store: the
main journeys cross nodes (log in on one, go on on the other; apply on one, accepted by staff on
the other; a page published on one is fresh on the other; certificates rendered by one cluster are
downloaded from either web node) and one cluster is killed in the middle of a bulk issue: nothing
is lost and nothing is done twice. PostgreSQL and Redis only; bounded to a few minutes."""

import contextlib
import hashlib
import io
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
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.storage import storages
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_q.brokers import get_broker
from django_q.conf import Conf
from pypdf import PdfReader

from certificates.models import BulkIssue, BulkIssueState, Certificate, CertificateState
from cohorts.models import ApplicationQuestion, Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places.services import cohort_staff_group_ensure
from lms import jobs
from lms.models import Event, OutgoingEmail
from tests.certificates.issuing import completed_in, make_template
from tests.factories import UserFactory
from tests.lms.signin_steps import code_now
from tests.local import database_url, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (settings.IS_POSTGRES and settings.REDIS_URL),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 240.0  # seconds for the whole test
PASSWORD = "Correct-Horse-42-multinode"
PEOPLE = 16  # completed participants in the bulk issue, besides the one who applies
SWEEPS = (
    "certificates.tasks.certificates_sweep_task",
    "lms.tasks.event_sweep_task",
    "lms.tasks.email_sweep_task",
)


class Node:
    """One process group (a gunicorn master and its workers, or a cluster and its workers) with
    its own working folder and log."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = folder / f"{name}.log"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "VAR_DIR": str(folder / "var")},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def tail(self) -> str:
        with contextlib.suppress(ValueError):
            self.log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.name} ---\n" + "\n".join(lines[-25:])


class WebNode(Node):
    def __init__(self, name: str, env: dict, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--no-control-socket",
            ],
            env,
            folder,
        )

    def ready(self) -> bool:
        try:
            return requests.get(self.url + reverse("login"), timeout=2).status_code == 200
        except requests.RequestException:
            return False


class Person:
    """Someone with a browser: one cookie jar, used on whichever node the balancer picks (the
    cookies belong to the host, not the port, so both nodes see the same session)."""

    def __init__(self, email: str):
        self.email = email
        self.http = requests.Session()

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def get(self, node: WebNode, path: str, **kwargs) -> requests.Response:
        return self.http.get(node.url + path, timeout=30, **kwargs)

    def post(self, node: WebNode, path: str, data: dict, **kwargs) -> requests.Response:
        if not self.csrf():
            self.get(node, reverse("login"))
        data = {**data, "csrfmiddlewaretoken": self.csrf()}
        return self.http.post(node.url + path, data=data, timeout=30, **kwargs)

    def log_in(self, node: WebNode, *, device: TOTPDevice | None = None) -> None:
        self.get(node, reverse("login"))
        answer = self.post(
            node,
            reverse("login"),
            {"username": self.email, "password": PASSWORD},
            allow_redirects=False,
        )
        assert answer.status_code == 302, f"login refused for {self.email}"
        if device is not None:
            device.refresh_from_db()
            code = code_now(device.key, after_step=device.last_t)
            verified = self.post(
                node, reverse("two_factor_verify"), {"code": code}, allow_redirects=False
            )
            assert verified.status_code == 302, "the second step was refused"


def wait_for(predicate, *, deadline: float, nodes: list[Node], what: str, tick=None) -> None:
    last_tick = 0.0
    while not predicate():
        for node in nodes:
            assert node.alive(), f"{node.name} exited:\n{node.tail()}"
        if time.monotonic() > deadline:
            raise AssertionError(f"not done in time: {what}\n" + "\n".join(n.tail() for n in nodes))
        if tick and time.monotonic() - last_tick > 2:
            tick()
            last_tick = time.monotonic()
        time.sleep(0.2)


def with_password(user):
    """A password the nodes can check with the project's own hashers (the tests' fast one is
    not among them)."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8), iterations=1000)
    user.save(update_fields=["password"])
    return user


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[:3000]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_web_nodes_and_two_clusters_share_everything_and_lose_nothing(
    make_cohort, make_person, programme, s3_storage, tmp_path, monkeypatch, capsys
):
    deadline = time.monotonic() + BUDGET
    queue = f"multinode-{os.getpid()}-{secrets.token_hex(3)}"
    # --- the world, as staff set it up ---------------------------------------------------------
    cohort = make_cohort(
        title="BEP 2026 — Finnish presidency",
        enrolment_mode=EnrolmentMode.APPROVAL,
        capacity=40,
    )
    question = ApplicationQuestion.objects.create(
        cohort=cohort, label="Why do you want to take part?"
    )
    make_template("programme", name="BEP completion", programme=programme)
    applicant = with_password(make_person("LV", full_name="Jānis Bērziņš"))
    presidency = with_password(UserFactory(profile__full_name="Helmi Väänänen"))
    presidency.groups.add(cohort_staff_group_ensure(cohort=cohort))
    presidency_device = TOTPDevice.objects.create(user=presidency, name="Phone", confirmed=True)
    editor = with_password(UserFactory(is_staff=True, is_superuser=True))
    editor_device = TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)
    others = [make_person("EE", full_name=f"Õie Täht {n}") for n in range(PEOPLE)]
    for person in others:
        completed_in(cohort, person)

    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SQLITE_PATH",
            "PRIVATE_ROOT",
            "MEDIA_ROOT",
            "STORAGE_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.deploy.node_settings",
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CACHE_PREFIX=f"{settings.CACHE_PREFIX}-{queue}",
        Q_NAME=settings.Q_CLUSTER["name"],
        NODE_QUEUE=queue,
        SECRET_KEY=settings.SECRET_KEY,
        BASE_URL="http://127.0.0.1",
        CERTIFICATES_SWEEP_AFTER_SECONDS="5",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **s3_storage.env,
    )
    # This process queues the sweeps, as the clusters' scheduler would, onto the test's queue.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(jobs, "_broker", get_broker(list_key=queue))

    marker = tmp_path / "cluster-1-rendering"
    nodes: list[Node] = []
    try:
        web = [WebNode(f"web-{n}", env, tmp_path / f"web-{n}") for n in (1, 2)]
        nodes += web
        slow = {"NODE_RENDER_SECONDS": "1.5", "NODE_RENDER_MARKER": str(marker)}
        first = Node(
            "cluster-1",
            [sys.executable, "manage.py", "qcluster"],
            {**env, **slow},
            tmp_path / "cluster-1",
        )
        second = Node(
            "cluster-2", [sys.executable, "manage.py", "qcluster"], env, tmp_path / "cluster-2"
        )
        nodes += [first, second]
        wait_for(
            lambda: all(node.ready() for node in web),
            deadline=min(deadline, time.monotonic() + 60),
            nodes=nodes,
            what="the web nodes answering",
        )
        one, two = web

        # --- log in on one node, go on on the other; apply on one, accepted on the other -----
        jan = Person(applicant.email)
        jan.log_in(one)
        applied = jan.post(
            one,
            reverse("cohorts:apply", args=[cohort.slug]),
            {question.field_name: "Floods cross borders."},
        )
        assert applied.status_code == 200
        assert "Application received" in applied.text, visible(applied.text)
        enrolment = Enrolment.objects.get(cohort=cohort, user=applicant)
        place = jan.get(two, reverse("cohorts:place", args=[enrolment.pk]))
        assert place.status_code == 200 and not place.history, "the other node knows the session"
        assert "BEP 2026" in place.text

        helmi = Person(presidency.email)
        helmi.log_in(two, device=presidency_device)
        decided = helmi.post(
            two,
            reverse("cohorts_desk_decide", args=[cohort.pk]),
            {"enrolment": [str(enrolment.pk)], "decision": "accept", "reason": "", "country": ""},
        )
        assert decided.status_code == 200 and "Accepted 1" in decided.text
        enrolment.refresh_from_db()
        assert enrolment.state == EnrolmentState.ACCEPTED

        # --- a page published on one node is fresh on the other at once ----------------------
        path = programme.url
        anonymous = requests.Session()
        anonymous.get(two.url + path, timeout=30)
        cached = anonymous.get(two.url + path, timeout=30)
        assert cached.headers.get("X-Page-Cache") == "hit"
        programme.title = "Baltic Excellence Programme 2027"
        programme.save_revision()  # a draft: nothing changes for visitors yet
        assert programme.title not in anonymous.get(two.url + path, timeout=30).text
        editor_person = Person(editor.email)
        editor_person.log_in(one, device=editor_device)
        published = editor_person.post(
            one,
            f"/admin/bulk/wagtailcore/page/publish/?id={programme.pk}",
            {},
            allow_redirects=False,
        )
        assert published.status_code == 302, (published.status_code, visible(published.text))
        fresh = anonymous.get(two.url + path, timeout=30)
        assert "Baltic Excellence Programme 2027" in fresh.text, "the other node's cache is purged"

        # --- a bulk issue rendered by both clusters, one killed in the middle ----------------
        completed_in_place = Enrolment.objects.filter(pk=enrolment.pk)
        completed_in_place.update(state=EnrolmentState.COMPLETED)
        everyone = [applicant, *others]
        requested = helmi.post(two, reverse("certificates_cohort_bulk", args=[cohort.pk]), {})
        assert requested.status_code == 200
        bulk = BulkIssue.objects.get(cohort=cohort)

        def sweep():
            for func in SWEEPS:
                jobs.enqueue(func)

        wait_for(
            marker.exists,
            deadline=deadline,
            nodes=nodes,
            what="the first cluster rendering a certificate",
            tick=sweep,
        )
        first.stop(signal.SIGKILL)  # a machine lost, with a render in its hands
        nodes.remove(first)
        killed_with = Certificate.objects.filter(
            cohort=cohort, state=CertificateState.PENDING
        ).count()

        def converged() -> bool:
            bulk.refresh_from_db()
            return (
                bulk.state == BulkIssueState.DONE
                and not Certificate.objects.filter(state=CertificateState.PENDING).exists()
                and not Event.objects.filter(dispatched_at__isnull=True).exists()
                and OutgoingEmail.objects.filter(reason__startswith="certificates.").count()
                >= len(everyone)
                and not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists()
            )

        wait_for(converged, deadline=deadline, nodes=nodes, what="recovery", tick=sweep)

        certificates = Certificate.objects.filter(cohort=cohort)
        assert Counter(certificates.values_list("user_id", flat=True)) == {
            person.pk: 1 for person in everyone
        }, "one certificate each, none twice"
        emails = OutgoingEmail.objects.filter(reason__startswith="certificates.")
        assert Counter(emails.values_list("recipient", flat=True)) == {
            person.email: 1 for person in everyone
        }, "one e-mail each, none twice"
        storage = storages["private"]
        for certificate in certificates:
            assert certificate.state == CertificateState.ISSUED
            with storage.open(certificate.pdf.name, "rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == certificate.sha256

        # Jānis downloads his own from either web node, whichever cluster rendered it.
        mine = certificates.get(user=applicant)
        for node in web:
            download = jan.get(node, reverse("certificates:download", args=[mine.pk]))
            assert download.status_code == 200, node.name
            text = pdf_text(download.content)
            assert "Jānis Bērziņš" in text and mine.code in text
        someone_else = certificates.exclude(user=applicant).first()
        refused = jan.get(two, reverse("certificates:download", args=[someone_else.pk]))
        assert refused.status_code == 404
        took = BUDGET - (deadline - time.monotonic())
        with capsys.disabled():
            print(
                f"\n  multi-node: cluster killed with {killed_with} certificates pending; "
                f"{len(everyone)} issued once each in {took:.0f} s"
            )
    finally:
        for node in nodes:
            node.stop(signal.SIGKILL)
        with contextlib.suppress(Exception):
            jobs.broker().purge_queue()
