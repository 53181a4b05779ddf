"""Peer groups in the cohort desk: staff start runs from a form (bad input gives field errors),
follow a run's progress, compare runs side by side, move people and see the rule checks change,
re-match and publish with a confirmation — and staff of another cohort get a 404 everywhere."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cohorts.matching import selectors as matching_selectors
from cohorts.matching import services as peergroups
from cohorts.models import MatchingRun, MatchingRunState, PeerGroup
from cohorts.places import services
from lms.models import Level, OutgoingEmail, Sector
from tests.cohorts.desk.test_desk import messages_of, staff_of
from tests.cohorts.matching import test_peergroups as shared
from tests.cohorts.matching.test_peergroups import done_run, request_run
from tests.programmes.conftest import visible_text
from tests.redis_server import on_redis, redis_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# The fixtures of the service tests: a cohort with thirteen accepted participants and its staff.
add_participant = shared.add_participant
cohort_pool = shared.cohort_pool


def url(name: str, cohort, *args) -> str:
    return reverse(name, args=[cohort.pk, *args])


def form_data(**changes) -> dict:
    data = {
        "group_size": "4",
        "min_countries": "3",
        "separate_organisations": "on",
        "no_lone_youth": "on",
        "weight_country": "4",
        "weight_sector": "3",
        "weight_level": "2",
        "weight_gender": "1",
        "weight_language": "1",
        "together": "",
        "apart": "",
        "mode": "auto",
        "time_limit": "2",
        "seed": "2026",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def start(client, cohort, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url("cohorts_matching_start", cohort), form_data(**changes))


# --- starting and following a run -------------------------------------------------------------


def test_staff_start_a_run_from_the_form_and_see_the_explained_groups(
    cohort_pool, client, django_capture_on_commit_callbacks
):
    cohort, people, staff = cohort_pool
    client.force_login(staff)
    desk = visible_text(client.get(reverse("cohorts_desk", args=[cohort.pk])))
    assert "Peer groups Match the accepted participants into peer groups." in desk

    form = client.get(url("cohorts_matching_start", cohort))
    assert form.status_code == 200
    assert "Gender: Female" not in visible_text(form), "only values present are offered"
    assert "Sector: Municipality" in visible_text(form)

    response = start(
        client,
        cohort,
        django_capture_on_commit_callbacks,
        together=f"{people['Jānis Bērziņš'].user.email}, {people['Õie Täht'].user.email}",
    )

    run = MatchingRun.objects.get(cohort=cohort)
    assert response.status_code == 302 and response.url == url("cohorts_matching_run", cohort, 1)
    assert run.state == MatchingRunState.DONE and run.seed == 2026
    assert run.params["pinned"] == [sorted([people["Jānis Bērziņš"].pk, people["Õie Täht"].pk])]
    page = client.get(response.url)
    text = visible_text(page)
    assert "Matching run 1 has started." in text
    assert "Every rule check passes." in text
    for name in people:
        assert name in text
    assert "Why this group" in text and "No two people from the same organisation." in text
    assert 'class="matching-groups"' in page.content.decode()
    assert "meta http-equiv" not in page.content.decode(), "a finished run stops refreshing"
    # Jānis and Õie were asked to be together.
    jan_group = next(g for g in run.groups if people["Jānis Bērziņš"].pk in g)
    assert people["Õie Täht"].pk in jan_group


def test_bad_input_gives_field_errors_and_starts_nothing(cohort_pool, client):
    cohort, people, staff = cohort_pool
    client.force_login(staff)
    jan = people["Jānis Bērziņš"].user.email
    cases = [
        ({"group_size": "1"}, "group_size", "greater than or equal to 2"),
        ({"group_size": "x"}, "group_size", "Enter a whole number"),
        ({"group_size": None}, "group_size", "This field is required"),
        ({"weight_country": "-1"}, "weight_country", "greater than or equal to 0"),
        ({"seed": "-5"}, "seed", "greater than or equal to 0"),
        ({"seed": "99999999999999999999"}, "seed", "less than or equal to"),
        ({"time_limit": "500"}, "time_limit", "less than or equal to 120"),
        ({"mode": "magic"}, "mode", "Select a valid choice"),
        ({"no_lone": "organisation:1"}, "no_lone", "Select a valid choice"),
        ({"together": "nobody@example.org, " + jan}, "together", "no accepted participant"),
        ({"together": f"{jan}, {jan}"}, "together", "the same person twice"),
        ({"apart": jan}, "apart", "write two e-mail addresses"),
    ]
    for changes, field, message in cases:
        response = client.post(url("cohorts_matching_start", cohort), form_data(**changes))
        assert response.status_code == 200, changes
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field]), (changes, errors)
        assert "nothing was started" in visible_text(response)
    zero = {f"weight_{a}": "0" for a in peergroups.WEIGHTED_ATTRIBUTES}
    response = client.post(url("cohorts_matching_start", cohort), form_data(**zero))
    assert "Give at least one attribute a weight above 0." in visible_text(response)
    pair = f"{jan}, {people['Õie Täht'].user.email}"
    response = client.post(
        url("cohorts_matching_start", cohort), form_data(together=pair, apart=pair)
    )
    assert "A pair cannot be both together and apart." in visible_text(response)
    assert not MatchingRun.objects.exists()


def test_the_exact_search_is_refused_for_a_large_cohort(make_cohort, client):
    cohort = make_cohort(capacity=100)
    shared.bulk_accepted(cohort, 41, seed=1)
    client.force_login(staff_of(cohort))

    response = client.post(url("cohorts_matching_start", cohort), form_data(mode="exact"))

    assert "The exact search is for up to 40 people" in " ".join(
        response.context["form"].errors["mode"]
    )
    assert not MatchingRun.objects.exists()


def test_a_running_run_shows_its_progress_and_refreshes_without_javascript(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    MatchingRun.objects.filter(pk=run.pk).update(
        state=MatchingRunState.RUNNING,
        started_at=timezone.now(),
        progress=42,
        progress_note="searching: restart 3 of about 8",
    )
    client.force_login(staff)

    page = client.get(url("cohorts_matching_run", cohort, run.number))
    html = page.content.decode()
    assert re.search(r'<progress[^>]*max="100" value="42"', html)
    assert "42 % · searching: restart 3 of about 8" in visible_text(page)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert url("cohorts_matching_status", cohort, run.number) in html

    status = client.get(url("cohorts_matching_status", cohort, run.number))
    assert status["Content-Type"] == "application/json"
    assert status.json() == {
        "state": "running",
        "label": "Running",
        "progress": 42,
        "note": "searching: restart 3 of about 8",
        "finished": False,
        "error": "",
    }
    index = visible_text(client.get(url("cohorts_matching", cohort)))
    assert "Running 42 % · searching: restart 3 of about 8" in index


def test_a_lost_job_can_be_queued_again(cohort_pool, client, django_capture_on_commit_callbacks):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)  # its job never ran: the request's events were not sent
    MatchingRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    client.force_login(staff)
    page = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "Queue the job again" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cohorts_matching_requeue", cohort, run.number))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == MatchingRunState.DONE


def test_a_lost_job_says_it_stalled_and_the_sweeper_runs_it_once(
    cohort_pool, client, django_capture_on_commit_callbacks
):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)  # its job never ran: the request's events were not sent
    client.force_login(staff)
    stalled = "This has stalled: it will resume by itself within about a minute."
    with django_capture_on_commit_callbacks(execute=True):
        assert peergroups.matching_runs_sweep() == 0  # too young: its own job may still come
    assert stalled not in visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))

    MatchingRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=2)
    )
    assert stalled in visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    with django_capture_on_commit_callbacks(execute=True):
        assert peergroups.matching_runs_sweep() == 1

    run.refresh_from_db()
    assert run.state == MatchingRunState.DONE
    finished_at = run.finished_at
    # A late copy of the job, and the next sweep, change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        peergroups.matching_run_execute(run_id=run.pk)
        assert peergroups.matching_runs_sweep() == 0
    run.refresh_from_db()
    assert (run.state, run.finished_at) == (MatchingRunState.DONE, finished_at)


def test_queueing_a_job_again_while_the_queue_is_down_says_to_retry(
    cohort_pool,
    client,
    on_redis,  # noqa: F811
):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    MatchingRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    client.force_login(staff)
    on_redis.stop()

    response = client.post(url("cohorts_matching_requeue", cohort, run.number))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = visible_text(response)
    assert "Please try again in a minute" in text
    assert "Nothing was changed" in text
    assert "redis" not in text.lower()
    run.refresh_from_db()
    assert run.state == MatchingRunState.REQUESTED
    # Once the queue is back, the sweeper queues the lost job without anyone asking.
    on_redis.start()
    assert peergroups.matching_runs_sweep() == 1
    assert any(b"django_q" in key for key in on_redis.stored_keys())


def test_a_failed_run_says_why(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    MatchingRun.objects.filter(pk=run.pk).update(
        state=MatchingRunState.FAILED, error="Fewer than two accepted participants are left."
    )
    client.force_login(staff)
    text = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "The run failed Fewer than two accepted participants are left." in text
    assert "Start a new run with these settings" in text


def test_runs_are_listed_and_compared_side_by_side(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    first = done_run(cohort, staff, mode="fast", seed=1)
    second = done_run(cohort, staff, mode="exact", seed=2, group_size=3)
    client.force_login(staff)

    text = visible_text(client.get(url("cohorts_matching", cohort)))
    assert "Run 1" in text and "Run 2" in text
    assert (
        "3 × 4, 1 × 5" in text
        or "1 × 3, 3 × 4" in text
        or matching_selectors.run_sizes(second) in text
    )

    page = client.get(url("cohorts_matching", cohort), {"compare": ["1", "2"]})
    text = visible_text(page)
    assert "Runs side by side" in text
    row = re.search(r"Diversity score (\S+) (\S+)", text)
    assert row.groups() == (f"{first.score:g}", f"{second.score:g}")
    assert re.search(r"Broken: no two people from one organisation in a group 0 0", text)
    assert f"Groups (count × size) {matching_selectors.run_sizes(first)} " in text
    assert "Seed 1 2" in text
    assert "Gap to the bound" in text and "Seconds" in text

    for junk in (["1"], ["x", "99999999999999999999999"], ["-1", "0"]):
        response = client.get(url("cohorts_matching", cohort), {"compare": junk})
        assert response.status_code == 200
        assert "Choose at least two runs to compare." in visible_text(response)


def test_the_form_can_repeat_a_run_with_its_settings(cohort_pool, client):
    cohort, people, staff = cohort_pool
    pair = [people["Søren Ærø"].pk, people["Göran Ström"].pk]
    run = done_run(cohort, staff, seed=4242, forbidden=[pair], min_countries=2)
    client.force_login(staff)

    form = client.get(url("cohorts_matching_start", cohort), {"from": run.number})

    assert form.context["form"].initial["seed"] == 4242
    html = form.content.decode()
    assert 'value="4242"' in html
    assert people["Søren Ærø"].user.email in html and people["Göran Ström"].user.email in html
    assert "Filled in as run 1 was started" in visible_text(form)
    assert client.get(url("cohorts_matching_start", cohort), {"from": "x"}).status_code == 200


# --- permissions ------------------------------------------------------------------------------


def test_staff_of_another_cohort_get_a_404_everywhere(
    cohort_pool, make_cohort, client, make_person
):
    cohort, _people, staff = cohort_pool
    run = done_run(cohort, staff)
    other = make_cohort()
    gets = [
        url("cohorts_matching", cohort),
        url("cohorts_matching_start", cohort),
        url("cohorts_matching_run", cohort, run.number),
        url("cohorts_matching_status", cohort, run.number),
        url("cohorts_matching_publish", cohort, run.number),
    ]
    posts = [
        (url("cohorts_matching_start", cohort), form_data()),
        (
            url("cohorts_matching_move", cohort, run.number),
            {"enrolment": run.groups[0][0], "to_group": 2},
        ),
        (url("cohorts_matching_rematch", cohort, run.number), {}),
        (url("cohorts_matching_requeue", cohort, run.number), {}),
        (url("cohorts_matching_publish", cohort, run.number), {"accept_violations": "yes"}),
    ]
    before = MatchingRun.objects.filter(pk=run.pk).values().get()

    client.force_login(staff_of(other))
    for address in gets:
        assert client.get(address).status_code == 404, address
    for address, data in posts:
        assert client.post(address, data).status_code == 404, address
    desk = visible_text(client.get(reverse("cohorts_desk", args=[other.pk])))
    assert "Peer groups" in desk, "their own cohort has its link"
    # A run number of their own cohort is not found under another cohort either.
    assert client.get(url("cohorts_matching_run", other, run.number)).status_code == 404

    client.force_login(make_person("LV"))  # a participant: no admin at all
    for address in gets:
        assert client.get(address).status_code in (302, 403), address
    client.logout()
    assert client.get(gets[0]).status_code == 302

    assert MatchingRun.objects.count() == 1
    assert MatchingRun.objects.filter(pk=run.pk).values().get() == before
    assert not PeerGroup.objects.exists()


# --- adjusting, re-matching, publishing -------------------------------------------------------


def test_moving_a_person_updates_the_score_and_shows_the_broken_rule(cohort_pool, client):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    small = next(n for n, g in enumerate(run.groups, 1) if len(g) == 4)
    big = next(n for n, g in enumerate(run.groups, 1) if len(g) == 5)
    mover = next(e for e in people.values() if e.pk == run.groups[small - 1][0])
    client.force_login(staff)
    page = client.get(url("cohorts_matching_run", cohort, run.number))
    assert f'<option value="{mover.pk}">{mover.user.profile.full_name} — ' in page.content.decode()

    response = client.post(
        url("cohorts_matching_move", cohort, run.number),
        {"enrolment": mover.pk, "to_group": big},
    )

    assert response.status_code == 302 and response.url.endswith("#groups")
    moved = MatchingRun.objects.get(pk=run.pk)
    [message] = messages_of(response)
    name = mover.user.profile.full_name
    assert message.startswith(f"Moved {name} to group {big}. Score {moved.score:g} (was ")
    assert "Rule checks: 1 broken (group sizes differ by at most one)." in message
    text = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "1 rule check broken: see the marked groups below." in text
    assert "Group sizes differ by at most one Broken 1 time" in text
    assert f"Group {big} (6 people) Breaks: group sizes differ by at most one" in text
    assert "Staff moved people 1 time by hand." in text

    back = client.post(
        url("cohorts_matching_move", cohort, run.number),
        {"enrolment": mover.pk, "to_group": small},
    )
    assert "Every rule check passes." in messages_of(back)[-1]


def test_junk_moves_are_refused_with_a_message(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    run = done_run(cohort, staff)
    client.force_login(staff)
    someone = run.groups[0][0]
    for data, message in (
        ({}, "Choose a person and the group"),
        ({"enrolment": "x", "to_group": "2"}, "Choose a person and the group"),
        ({"enrolment": someone, "to_group": "-1"}, "Choose a person and the group"),
        ({"enrolment": someone, "to_group": "99"}, "Choose a group from 1 to 3."),
        ({"enrolment": "123456789", "to_group": "2"}, "is not in this run"),
        ({"enrolment": someone, "to_group": "1"}, "already in group 1"),
    ):
        response = client.post(url("cohorts_matching_move", cohort, run.number), data)
        assert response.status_code == 302
        assert message in messages_of(response)[-1], data
    assert client.get(url("cohorts_matching_move", cohort, run.number)).status_code == 405
    assert MatchingRun.objects.get(pk=run.pk).adjustments == 0


def test_rematch_from_the_run_page_starts_a_new_run_based_on_it(
    cohort_pool, add_participant, client, django_capture_on_commit_callbacks
):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    leaver = people["Ingrid Øvrebø"]
    services.enrolment_withdraw(enrolment=leaver, actor=leaver.user)
    add_participant(cohort, "Kristaps Liepiņš", "LV", Sector.RESEARCH, Level.NATIONAL, "RTU")
    client.force_login(staff)
    text = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "The cohort has changed since this run:" in text
    assert "1 person in these groups no longer holds a place: Ingrid Øvrebø." in text
    assert "1 accepted participant is in no group: Kristaps Liepiņš." in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cohorts_matching_rematch", cohort, run.number))

    assert response.url == url("cohorts_matching_run", cohort, 2)
    new = MatchingRun.objects.get(cohort=cohort, number=2)
    assert new.based_on == run and new.state == "done"
    text = visible_text(client.get(response.url))
    assert "Run 2: re-match of run 1" in text
    assert re.search(r"The re-match moved \d+ (person|people)\.", text)
    assert "The cohort has changed since this run" not in text


def test_publishing_asks_for_confirmation_and_tells_everyone(
    cohort_pool, client, django_capture_on_commit_callbacks
):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    client.force_login(staff)

    confirm = client.get(url("cohorts_matching_publish", cohort, run.number))
    text = visible_text(confirm)
    assert "Publish the groups of run 1?" in text
    assert "3 groups with 13 people become the cohort's peer groups." in text
    assert "accept_violations" not in confirm.content.decode(), "no broken rule, no tick"
    assert not PeerGroup.objects.exists(), "looking is not publishing"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cohorts_matching_publish", cohort, run.number))

    assert response.status_code == 302
    assert "Published the peer groups of run 1." in messages_of(response)[-1]
    assert PeerGroup.objects.filter(cohort=cohort, run=run).count() == 3
    assert OutgoingEmail.objects.filter(reason__startswith="cohorts.peergroups.").count() == 13
    assert len(mail.outbox) == 13
    text = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "These groups are published: participants see them on My learning." in text
    index = visible_text(client.get(url("cohorts_matching", cohort)))
    assert re.search(r"Published: run 1 , \d+ \w+ \d{4}", index)
    desk = visible_text(client.get(reverse("cohorts_desk", args=[cohort.pk])))
    assert "1 run; run 1 published" in desk
    assert "Published the peer groups" in desk, "the desk's audit log shows it"

    # A change after publication is flagged until it is published again.
    a, b = run.groups[0][0], run.groups[1][0]
    peergroups.matching_run_move(run=run, enrolment_id=a, to_group=2, actor=staff)
    peergroups.matching_run_move(run=run, enrolment_id=b, to_group=1, actor=staff)
    text = visible_text(client.get(url("cohorts_matching_run", cohort, run.number)))
    assert "you changed them since" in text


def test_publishing_groups_that_break_a_rule_needs_the_tick(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    run = done_run(cohort, staff)
    small = next(n for n, g in enumerate(run.groups, 1) if len(g) == 4)
    big = next(n for n, g in enumerate(run.groups, 1) if len(g) == 5)
    peergroups.matching_run_move(
        run=run, enrolment_id=run.groups[small - 1][0], to_group=big, actor=staff
    )
    client.force_login(staff)
    address = url("cohorts_matching_publish", cohort, run.number)

    confirm = client.get(address)
    text = visible_text(confirm)
    assert "These groups break rule checks" in text
    assert "Group sizes differ by at most one: broken 1 time" in text
    assert 'name="accept_violations"' in confirm.content.decode()

    refused = client.post(address)
    assert refused.status_code == 200
    assert "Nothing was published: These groups break 1 rule check." in visible_text(refused)
    assert not PeerGroup.objects.exists()

    accepted = client.post(address, {"accept_violations": "yes"})
    assert accepted.status_code == 302
    assert PeerGroup.objects.filter(cohort=cohort).count() == 3


def test_publishing_an_unfinished_run_is_refused(cohort_pool, client):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    client.force_login(staff)
    address = url("cohorts_matching_publish", cohort, run.number)
    assert "has no groups to publish yet" in visible_text(client.get(address))
    response = client.post(address, {"accept_violations": "yes"})
    assert "Only a finished run can be published." in visible_text(response)
    assert not PeerGroup.objects.exists()
