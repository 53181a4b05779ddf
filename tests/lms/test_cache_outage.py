"""A Redis outage with the site on Redis (cache and job broker): pages, logins and actions keep
working from the database, the work that could not be queued is picked up by the sweepers, and
the cache is used again once Redis is back. Each test runs its own redis-server and kills it."""

# The fixtures imported below are parameters of the tests, which ruff takes for redefinitions.
# ruff: noqa: F811

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cohorts.models import ApplicationQuestion, Enrolment, EnrolmentState
from lms import jobs, ratelimit
from lms.events import event_sweep
from lms.mail.services import email_sweep
from lms.models import Event, OutgoingEmail, User
from tests.cohorts.conftest import make_cohort, make_person, programme  # noqa: F401 (fixtures)
from tests.factories import UserFactory
from tests.programmes.conftest import (  # noqa: F401 (fixtures)
    home,
    make_programme,
    programme_index,
)
from tests.redis_server import on_redis, redis_server  # noqa: F401 (fixtures)

# Real commits, so that the on-commit hooks run inside the request as they do in production.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "X-Page-Cache"
PASSWORD = "Correct-Horse-42"
SIGNUP = {
    "email": "jaanis@example.lv",
    "full_name": "Jānis Bērziņš",
    "country": "LV",
    "date_of_birth": "1984-03-02",
    "preferred_language": "lv",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def aged(model, **filters) -> None:
    """Make rows look older than the sweepers' grace, as they will be a minute later."""
    model.objects.filter(**filters).update(created_at=timezone.now() - timedelta(minutes=5))


@pytest.fixture
def cohort(make_cohort):  # noqa: F811
    cohort = make_cohort(
        title="BEP 2026 — Latvian presidency",
        slug="bep-2026",
        applications_close_at=timezone.now() + timedelta(days=20),
    )
    ApplicationQuestion.objects.create(cohort=cohort, label="Why?", required=True)
    return cohort


def test_pages_logins_and_actions_keep_working_while_redis_is_down(
    on_redis, client, programme, cohort, make_person, caplog
):
    person = make_person("LV", full_name="Žydrūnas Šimkus")
    assert client.get(programme.url)[HEADER] == "miss"
    assert client.get(programme.url)[HEADER] == "hit", "the cache works before the outage"

    on_redis.stop()
    caplog.set_level(logging.WARNING)

    # Anonymous pages: rendered afresh.
    home_page = client.get("/")
    programme_page = client.get(programme.url)
    assert home_page.status_code == 200
    assert programme_page.status_code == 200
    assert programme_page[HEADER] == "off"
    assert programme.title in programme_page.content.decode()
    # Logging in, and a page for the logged-in person.
    assert client.get(reverse("login")).status_code == 200
    login = client.post(reverse("login"), {"username": person.email, "password": PASSWORD})
    assert login.status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    # Applying: the place is saved and the person told so, although nothing could be queued.
    motivation = cohort.questions.get().field_name
    applied = client.post(reverse("cohorts:apply", args=[cohort.slug]), {motivation: "Floods."})
    enrolment = Enrolment.objects.get(cohort=cohort, user=person)
    assert applied.status_code == 302
    assert applied["Location"] == reverse("cohorts:place", args=[enrolment.pk])
    assert enrolment.state == EnrolmentState.ACCEPTED
    assert client.get(applied["Location"]).status_code == 200
    # The events wait for the sweeper, which does their work and queues the e-mail.
    waiting = Event.objects.filter(dispatched_at__isnull=True, key__contains=str(enrolment.pk))
    assert waiting.exists()
    assert "left to the sweeper" in caplog.text
    assert "lms.tasks.event_dispatch_task" in caplog.text
    aged(Event)
    assert event_sweep() >= 1
    assert not waiting.exists()
    confirmation = OutgoingEmail.objects.get(recipient=person.email)
    assert confirmation.status == OutgoingEmail.Status.PENDING
    aged(OutgoingEmail)
    email_sweep()
    assert [message.to for message in mail.outbox] == [[person.email]]
    # The outage was reported once, not once per request.
    assert caplog.text.count("Cache unreachable") == 1


def test_signing_up_while_redis_is_down_queues_the_email_and_still_limits(
    on_redis, client, settings
):
    settings.EMAIL_LIMIT_PER_ADDRESS = 2
    on_redis.stop()

    first = client.post(reverse("signup"), SIGNUP)

    assert first.status_code == 200
    assert "Check your e-mail" in first.content.decode()
    assert User.objects.get(email=SIGNUP["email"]).signup_pending
    assert OutgoingEmail.objects.filter(recipient=SIGNUP["email"]).count() == 1
    # The limit is still counted (by this process) while the shared count cannot be.
    for _ in range(3):
        client.post(reverse("signup"), SIGNUP)
    assert OutgoingEmail.objects.filter(recipient=SIGNUP["email"]).count() == 2


def test_the_cache_is_used_again_once_redis_is_back(on_redis, client, programme):
    on_redis.stop()
    assert client.get(programme.url)[HEADER] == "off"

    on_redis.start()
    keys_before = len(on_redis.stored_keys())

    first = client.get(programme.url)
    if first[HEADER] == "off":  # still inside the pause after the failure
        threading.Event().wait(0.3)
        first = client.get(programme.url)
    assert first[HEADER] == "miss"
    assert client.get(programme.url)[HEADER] == "hit"
    assert len(on_redis.stored_keys()) > keys_before


def test_a_page_changed_during_the_outage_is_not_served_stale_when_redis_returns(
    on_redis, client, programme
):
    assert client.get(programme.url)[HEADER] == "miss"
    assert client.get(programme.url)[HEADER] == "hit"
    on_redis.stop()

    programme.title = "Baltic Excellence Programme 2027"
    programme.save_revision().publish()
    on_redis.start()  # back with the page it held, stored under the old generation
    threading.Event().wait(0.3)

    page = client.get(programme.url)
    assert page[HEADER] == "miss"
    assert "Baltic Excellence Programme 2027" in page.content.decode()


def test_no_request_fails_when_redis_stops_under_traffic(on_redis, client, programme):
    person = UserFactory()
    reader = client_for(person)
    answers: list[tuple[str, int]] = []
    killer = threading.Thread(target=on_redis.stop)

    for number in range(30):
        if number == 10:
            killer.start()  # while the next requests are being answered
        for url, browser in ((programme.url, client), ("/", client), (reverse("login"), client)):
            answers.append((url, browser.get(url).status_code))
        answers.append(("profile", reader.get(reverse("profile")).status_code))
    killer.join(timeout=10)

    assert on_redis.process is None, "Redis was stopped during the run"
    assert len(answers) == 120
    assert [a for a in answers if a[1] >= 500] == []
    assert {status for _, status in answers} == {200}


def client_for(person):
    from django.test import Client

    browser = Client()
    browser.force_login(person)
    return browser


def test_a_refused_job_leaves_the_other_on_commit_hooks_run(on_redis, caplog):
    on_redis.stop()
    ran: list[str] = []

    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("before"))
        jobs.enqueue_on_commit("lms.tasks.email_send_task", 4242)
        transaction.on_commit(lambda: ran.append("after"))

    assert ran == ["before", "after"]
    warning = next(r for r in caplog.records if "left to the sweeper" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert "lms.tasks.email_send_task" in warning.getMessage()
    assert "4242" in warning.getMessage()


def test_a_job_is_queued_on_redis_when_it_is_up(on_redis):
    with transaction.atomic():
        jobs.enqueue_on_commit("lms.tasks.email_send_task", 4242)

    assert any(b"django_q" in key for key in on_redis.stored_keys())


def test_rate_limit_counts_per_process_while_the_shared_cache_is_down(on_redis):
    on_redis.stop()

    hits = [
        ratelimit.hit(scope="outage-test", subject="198.51.100.7", limit=2, window=60).allowed
        for _ in range(3)
    ]

    assert hits == [True, True, False]
