"""Peer groups of a cohort through the real services: a matching run requested, run by its job
with progress and stored with its explanation; the same seed giving the same groups; staff
moving people, re-matching after drop-outs and publishing; the e-mail each participant gets
(once per publication) and their group on My learning."""

import datetime as dt
import random
import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf
from wagtail.models import ModelLogEntry

from cohorts.errors import CohortsError
from cohorts.matching import algorithm as matching
from cohorts.matching import handlers as handlers_peergroups
from cohorts.matching import selectors as matching_selectors
from cohorts.matching import services as peergroups
from cohorts.matching.services import runs
from cohorts.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    MatchingRun,
    MatchingRunState,
    PeerGroup,
    PeerGroupMember,
)
from cohorts.places import services
from lms.events import event_dispatch
from lms.jobs import broker
from lms.models import Delivery, Event, Level, Organisation, OutgoingEmail, Profile, Sector, User
from tests.cohorts.desk.test_desk import staff_of
from tests.factories import OrganisationFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

S = Sector
# name, country, sector, level, organisation (Straż Graniczna is shared by two people).
POOL = [
    ("Jānis Bērziņš", "LV", S.FIRE_RESCUE, Level.NATIONAL, "Valsts ugunsdzēsības dienests"),
    ("Elīna Vītola", "LV", S.MUNICIPALITY, Level.LOCAL, "Jelgavas pašvaldība"),
    ("Žydrūnas Šimkus", "LT", S.POLICE, Level.REGIONAL, "Lietuvos policija"),
    ("Dovilė Jankūnaitė", "LT", S.FIRE_RESCUE, Level.REGIONAL, "Priešgaisrinės departamentas"),
    ("Þórunn Guðmundsdóttir", "IS", S.CIVIL_PROTECTION, Level.NATIONAL, "Almannavarnir"),
    ("Małgorzata Wąsowska", "PL", S.BORDER_GUARD, Level.NATIONAL, "Straż Graniczna"),
    ("Bartłomiej Wierzbicki", "PL", S.BORDER_GUARD, Level.REGIONAL, "Straż Graniczna"),
    ("Søren Ærø", "DK", S.POLICE, Level.LOCAL, "Rigspolitiet"),
    ("Õie Täht", "EE", S.NGO, Level.LOCAL, "Päästeliit"),
    ("Aino Mäkinen", "FI", S.MUNICIPALITY, Level.LOCAL, "Helsingin kaupunki"),
    ("Göran Ström", "SE", S.COAST_GUARD, Level.REGIONAL, "Kustbevakningen"),
    ("Jürgen Weiß", "DE", S.MINISTRY, Level.NATIONAL, "Bundesministerium des Innern"),
    ("Ingrid Øvrebø", "NO", S.RESEARCH, Level.INTERNATIONAL, "Universitetet i Stavanger"),
]


@pytest.fixture
def add_participant(make_person):
    organisations = {}

    def add(cohort, name, country, sector, level, organisation, **profile):
        key = (organisation, country)
        if key not in organisations:
            organisations[key] = OrganisationFactory(
                name=organisation, country=country, sector=sector
            )
        person = make_person(
            country,
            sector=sector,
            organisation=organisations[key],
            full_name=name,
            level=level,
            **profile,
        )
        enrolment = services.enrolment_apply(user=person, cohort=cohort)
        assert enrolment.state == "accepted"
        return enrolment

    return add


@pytest.fixture
def cohort_pool(make_cohort, add_participant):
    """BEP with thirteen accepted participants from eleven countries, and its staff."""
    cohort = make_cohort(
        title="BEP 2026 — Latvian presidency, Rīga", enrolment_mode=EnrolmentMode.OPEN
    )
    people = {row[0]: add_participant(cohort, *row) for row in POOL}
    staff = staff_of(cohort, full_name="Helmi Väänänen")
    return cohort, people, staff


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Call a service the way a request does: commit, then the events' handlers and jobs."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


def request_run(cohort, staff, **kwargs):
    kwargs.setdefault("group_size", 4)
    kwargs.setdefault("seed", 11)
    kwargs.setdefault("time_limit", 2)
    return peergroups.matching_run_request(cohort=cohort, actor=staff, **kwargs)


def done_run(cohort, staff, **kwargs) -> MatchingRun:
    run = request_run(cohort, staff, **kwargs)
    peergroups.matching_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == MatchingRunState.DONE, run.error
    return run


def events_named(prefix: str) -> list[str]:
    return list(
        Event.objects.filter(name__startswith=prefix).order_by("pk").values_list("name", flat=True)
    )


def group_of(run, enrolment) -> int:
    """The group number (from 1) of an enrolment or an enrolment id in a run."""
    pk = getattr(enrolment, "pk", enrolment)
    return next(n for n, group in enumerate(run.groups, 1) if pk in group)


def bulk_accepted(cohort, count: int, *, seed: int) -> None:
    """Many accepted participants at once, with uneven countries and mixed attributes, and every
    fourth from one large agency (more than there are groups, so the search cannot stop early:
    some clashes are unavoidable); places are not what such a test is about."""
    rng = random.Random(seed)
    countries = ["DE", "PL", "SE", "FI", "DK", "NO", "LT", "LV", "EE", "IS"]
    organisations = {
        c: [Organisation.objects.create(name=f"{c} agency {i}", country=c) for i in range(3)]
        for c in countries
    }
    agency = Organisation.objects.create(name="Baltic joint agency", country="EU")
    users = User.objects.bulk_create(
        User(email=f"bulk-{cohort.pk}-{i}@example.org", password="!") for i in range(count)
    )
    enrolments = []
    for i, user in enumerate(users):
        country = rng.choices(countries, [22, 18, 12, 10, 9, 8, 6, 5, 4, 3])[0]
        enrolments.append(
            Enrolment(
                cohort=cohort,
                user=user,
                state=EnrolmentState.ACCEPTED,
                country=country,
                organisation=agency if i % 4 == 0 else rng.choice(organisations[country]),
                sector=rng.choice(list(Sector.values)),
                level=rng.choice(list(Level.values)),
                gender=rng.choice(["female", "male"]),
            )
        )
        Profile.objects.create(user=user, full_name=f"Participant {i}", country=country)
    Enrolment.objects.bulk_create(enrolments)


# --- requesting and running -------------------------------------------------------------------


def test_a_requested_run_is_run_by_its_job_and_stored_with_its_result(cohort_pool, run_job):
    cohort, people, staff = cohort_pool

    run = run_job(
        peergroups.matching_run_request,
        cohort=cohort,
        actor=staff,
        group_size=4,
        min_countries=3,
        seed=2026,
        time_limit=2,
    )

    run.refresh_from_db()
    assert run.state == MatchingRunState.DONE, run.error
    assert (run.number, run.seed, run.requested_by) == (1, 2026, staff)
    assert run.params["group_size"] == 4 and run.params["min_countries"] == 3
    assert run.participants == 13
    assert sorted(eid for group in run.groups for eid in group) == sorted(
        e.pk for e in people.values()
    )
    assert sorted(len(group) for group in run.groups) == [4, 4, 5]
    assert run.progress == 100 and run.progress_note.startswith("done: exact search")
    assert run.started_at <= run.finished_at
    assert 0 < run.score <= run.upper_bound and 0 <= run.gap < 1
    assert run.proven_optimal, "thirteen people are searched exactly"
    assert matching_selectors.run_total_violations(run) == 0
    # The two border guards of Straż Graniczna are never in one group.
    assert group_of(run, people["Małgorzata Wąsowska"]) != group_of(
        run, people["Bartłomiej Wierzbicki"]
    )
    # Each group is explained: what it holds, and that nothing was relaxed.
    assert [entry["number"] for entry in run.explanation] == [1, 2, 3]
    for entry, group in zip(run.explanation, run.groups, strict=True):
        assert entry["size"] == len(group)
        assert len(entry["countries"]) >= 3 and entry["relaxed"] == {}
        words = peergroups.explanation_sentences(entry, run.params)
        assert any("countries (" in w for w in words)
        assert "No two people from the same organisation." in words
        assert "Meets the minimum of 3 countries." in words
    assert events_named("cohorts.matching.") == [
        "cohorts.matching.requested",
        "cohorts.matching.completed",
    ]
    entry = ModelLogEntry.objects.get(action="cohorts.matching.request")
    assert entry.user == staff and entry.data["run"] == 1


def test_the_same_parameters_and_seed_give_the_same_groups(cohort_pool):
    cohort, _people, staff = cohort_pool
    for mode in ("fast", "exact"):
        first = done_run(cohort, staff, mode=mode, seed=77, group_size=3)
        again = done_run(cohort, staff, mode=mode, seed=77, group_size=3)
        assert first.groups == again.groups, mode
        assert (first.score, first.violations) == (again.score, again.violations)
    other = done_run(cohort, staff, mode="fast", seed=78, group_size=3)
    assert other.number == 5, "runs are numbered within the cohort"


def test_a_progress_listener_never_changes_the_groups():
    people = [
        matching.Participant(id=f"p{i}", country=c, sector=s, organisation=f"{c}{i % 3}")
        for i, (c, s) in enumerate(
            (c, s) for c in ("LV", "LT", "EE", "FI", "SE") for s in ("fire", "police", "ngo")
        )
    ]
    heard = []
    for mode in ("fast", "exact"):
        quiet = matching.match(people, group_size=4, seed=5, mode=mode, time_limit=1)
        told = matching.match(
            people,
            group_size=4,
            seed=5,
            mode=mode,
            time_limit=1,
            progress=lambda p, n: heard.append((p, n)),
        )
        assert quiet.groups == told.groups
    assert any(note.startswith("searching: restart") for _p, note in heard)
    assert any(note == "searching for the most diverse groups" for _p, note in heard)
    assert all(0 <= p <= 100 for p, _n in heard)


def test_whoever_started_a_run_hears_once_when_it_is_ready(cohort_pool, run_job):
    cohort, _, staff = cohort_pool

    run = run_job(request_run, cohort=cohort, staff=staff, min_countries=3)

    run.refresh_from_db()
    [email] = OutgoingEmail.objects.filter(recipient=staff.email)
    assert email.subject == f"Matching run 1 for {cohort.title} is ready"
    assert "13 participants in 3 groups" in email.body_text
    assert "every rule kept" in email.body_text
    assert reverse("cohorts_matching_run", args=[cohort.pk, 1]) in email.body_text
    # A second delivery of the same event sends nothing more.
    event = Event.objects.get(key=f"cohorts.matching.completed:{run.pk}")
    handlers_peergroups.run_finished_email_send(event)
    assert OutgoingEmail.objects.filter(recipient=staff.email).count() == 1


def test_the_job_writes_its_progress_to_the_status_row_as_it_goes(cohort_pool, monkeypatch):
    cohort, _people, staff = cohort_pool
    monkeypatch.setattr(runs, "PROGRESS_EVERY", 0)
    run = request_run(cohort, staff, mode="fast")

    with CaptureQueriesContext(connection) as queries:
        peergroups.matching_run_execute(run_id=run.pk)

    written = " ".join(
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "progress_note" in q["sql"]
    )
    for note in ("loading 13 participants", "searching: restart 1", "checking rules"):
        assert note in written
    run.refresh_from_db()
    assert (run.progress, run.state) == (100, "done")


def test_the_progress_bar_does_not_go_back_when_a_stage_starts_its_count_at_zero(cohort_pool):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    started_at = timezone.now()
    MatchingRun.objects.filter(pk=run.pk).update(
        state=MatchingRunState.RUNNING, started_at=started_at
    )
    write = runs._ProgressWriter(run.pk, started_at)

    seen = []
    for percent, note in [(1, "loading 12 participants"), (0, "searching: restart 1"),
                          (40, "improving: swap 3"), (5, "checking rules")]:  # fmt: skip
        write(percent, note)
        run.refresh_from_db()
        seen.append(run.progress)

    assert seen == [1, 1, 40, 40]


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_status_page_follows_a_running_job(make_cohort, client, monkeypatch):
    """The job runs in its own thread, as in a worker; the staff member's page polls."""
    # Queued, as from a web process, rather than run inline when the request commits.
    monkeypatch.setattr(Conf, "SYNC", False)
    cohort = make_cohort(enrolment_mode=EnrolmentMode.OPEN, capacity=200)
    bulk_accepted(cohort, 80, seed=3)
    staff = staff_of(cohort)
    run = request_run(cohort, staff, mode="fast", time_limit=10, group_size=5)
    client.force_login(staff)
    status_url = reverse("cohorts_matching_status", args=[cohort.pk, run.number])

    def job():
        try:
            peergroups.matching_run_execute(run_id=run.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=job)
    worker.start()
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(status_url).json()
        seen.append((status["state"], status["progress"], status["note"]))
        if status["finished"]:
            break
        time.sleep(0.05)
    worker.join()
    broker().purge_queue()

    running = [s for s in seen if s[0] == "running"]
    assert any(note.startswith("searching: restart") and 0 < p < 100 for _s, p, note in running)
    assert seen[-1][0] == "done" and seen[-1][1] == 100
    progress = [p for _s, p, _n in seen]
    assert progress == sorted(progress), "the bar only moves forward"


def test_bad_parameters_are_refused_and_nothing_is_created(cohort_pool, make_cohort):
    cohort, people, staff = cohort_pool
    jan = people["Jānis Bērziņš"].pk
    bad = [
        ({"group_size": 1}, "between 2 and 30"),
        ({"group_size": 31}, "between 2 and 30"),
        ({"weights": {"country": 0, "sector": 0}}, "at least one attribute"),
        ({"weights": {"shoe_size": 3}}, "cannot be weighted"),
        ({"weights": {"country": 11}}, "between 0 and 10"),
        ({"mode": "magic"}, "automatic, exact or fast"),
        ({"time_limit": 0}, "between 1 and 120"),
        ({"seed": -1}, "from 0 to"),
        ({"seed": 2**40}, "from 0 to"),
        ({"pinned": [[jan, jan]]}, "names one person twice"),
        ({"pinned": [[jan, 999_999]]}, "not an accepted participant"),
        ({"no_lone": [["organisation", "x"]]}, "cannot be protected"),
    ]
    for kwargs, message in bad:
        with pytest.raises(CohortsError) as refused:
            request_run(cohort, staff, **kwargs)
        assert message in refused.value.message, kwargs
    empty = make_cohort()
    with pytest.raises(CohortsError, match="At least two accepted participants"):
        request_run(empty, staff_of(empty))
    assert MatchingRun.objects.count() == 0
    assert events_named("cohorts.matching.") == []


def test_staff_of_another_cohort_cannot_run_adjust_or_publish(cohort_pool, make_cohort):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    outsider = staff_of(make_cohort())

    for call in (
        lambda: request_run(cohort, outsider),
        lambda: peergroups.matching_rematch(run=run, actor=outsider),
        lambda: peergroups.matching_run_move(
            run=run, enrolment_id=run.groups[0][0], to_group=2, actor=outsider
        ),
        lambda: peergroups.matching_run_publish(run=run, actor=outsider),
    ):
        with pytest.raises(CohortsError) as refused:
            call()
        assert refused.value.code == "forbidden"
    assert MatchingRun.objects.count() == 1 and not PeerGroup.objects.exists()


def test_running_a_finished_run_again_changes_nothing(cohort_pool):
    cohort, _people, staff = cohort_pool
    run = done_run(cohort, staff)
    before = MatchingRun.objects.filter(pk=run.pk).values().get()
    events = Event.objects.count()

    peergroups.matching_run_execute(run_id=run.pk)

    assert MatchingRun.objects.filter(pk=run.pk).values().get() == before
    assert Event.objects.count() == events


def test_a_run_another_worker_holds_is_left_alone_until_it_is_stale(cohort_pool):
    cohort, _people, staff = cohort_pool
    run = request_run(cohort, staff)
    started = timezone.now()
    MatchingRun.objects.filter(pk=run.pk).update(
        state=MatchingRunState.RUNNING, started_at=started, progress=40, progress_note="busy"
    )

    peergroups.matching_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.progress, run.started_at) == ("running", 40, started)

    timeout = settings.Q_CLUSTER["timeout"]
    MatchingRun.objects.filter(pk=run.pk).update(
        started_at=started - dt.timedelta(seconds=timeout + 1)
    )
    peergroups.matching_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == "done" and run.progress == 100


def test_a_run_whose_pool_emptied_fails_with_the_reason(cohort_pool, make_cohort, add_participant):
    small = make_cohort(enrolment_mode=EnrolmentMode.OPEN)
    first = add_participant(small, *POOL[0])
    add_participant(small, *POOL[2])
    staff = staff_of(small)
    run = request_run(small, staff)
    services.enrolment_withdraw(enrolment=first, actor=first.user)

    peergroups.matching_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.state == MatchingRunState.FAILED
    assert "Fewer than two accepted participants" in run.error
    assert run.groups == [] and run.finished_at is not None
    assert events_named("cohorts.matching.") == [
        "cohorts.matching.requested",
        "cohorts.matching.failed",
    ]


def test_youth_comes_from_the_date_of_birth_and_no_young_person_is_alone(
    make_cohort, add_participant
):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.OPEN)
    day = cohort.starts_on
    young = []
    for i, row in enumerate(POOL[:12]):
        born = day.replace(year=day.year - (16 if i < 2 else 40))
        enrolment = add_participant(cohort, *row, date_of_birth=born)
        if i < 2:
            young.append(enrolment.pk)
    staff = staff_of(cohort)

    run = done_run(cohort, staff, group_size=3)

    together = [group for group in run.groups if set(young) & set(group)]
    assert len(together) == 1, "the two young participants share a group"
    entry = run.explanation[run.groups.index(together[0])]
    assert entry["youth"] == 2
    assert "2 young participants, so nobody is the only one." in peergroups.explanation_sentences(
        entry, run.params
    )


# --- adjusting --------------------------------------------------------------------------------


def test_moving_a_person_updates_the_score_and_shows_a_broken_rule(cohort_pool):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff, min_countries=3)
    small = next(n for n, g in enumerate(run.groups, 1) if len(g) == 4)
    big = next(n for n, g in enumerate(run.groups, 1) if len(g) == 5)
    mover = run.groups[small - 1][0]
    score = run.score

    moved = peergroups.matching_run_move(run=run, enrolment_id=mover, to_group=big, actor=staff)

    assert mover in moved.groups[big - 1] and mover not in moved.groups[small - 1]
    assert sorted(len(g) for g in moved.groups) == [3, 4, 6]
    assert matching_selectors.run_violations(moved)["size"] == 1
    assert moved.score != score and moved.adjustments == 1 and not moved.proven_optimal
    assert moved.explanation[big - 1]["size"] == 6
    assert "size" in moved.explanation[big - 1]["relaxed"]
    words = peergroups.explanation_sentences(moved.explanation[big - 1], moved.params)
    assert any(w.startswith("Rule relaxed — group sizes differ") for w in words)
    stored = MatchingRun.objects.get(pk=run.pk)
    assert stored.groups == moved.groups and stored.adjustments == 1

    back = peergroups.matching_run_move(run=moved, enrolment_id=mover, to_group=small, actor=staff)
    assert matching_selectors.run_total_violations(back) == 0
    assert back.score == score and back.adjustments == 2
    assert events_named("cohorts.matching.adjusted") == ["cohorts.matching.adjusted"] * 2
    log = ModelLogEntry.objects.filter(action="cohorts.matching.move").order_by("pk")
    assert [e.data["to_group"] for e in log] == [big, small]


def test_putting_two_colleagues_together_breaks_the_organisation_rule(cohort_pool):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    gosia, bartek = people["Małgorzata Wąsowska"], people["Bartłomiej Wierzbicki"]
    target = group_of(run, bartek)
    # Keep sizes even: swap Małgorzata with someone from Bartłomiej's group.
    other = next(eid for eid in run.groups[target - 1] if eid != bartek.pk)
    home = group_of(run, gosia)
    run = peergroups.matching_run_move(run=run, enrolment_id=gosia.pk, to_group=target, actor=staff)
    run = peergroups.matching_run_move(run=run, enrolment_id=other, to_group=home, actor=staff)

    assert matching_selectors.run_violations(run) == {
        **dict.fromkeys(matching_selectors.RULE_LABELS, 0),
        "organisation": 1,
    }
    assert run.explanation[target - 1]["relaxed"] == {"organisation": 1}


def test_a_bad_move_is_refused_and_changes_nothing(cohort_pool, make_cohort, add_participant):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    someone = run.groups[0][0]
    stranger = add_participant(make_cohort(), *POOL[0]).pk
    for enrolment_id, to_group, code in (
        (stranger, 2, "not_in_run"),
        (someone, 0, "bad_group"),
        (someone, 4, "bad_group"),
        (someone, 1, "same_group"),
    ):
        with pytest.raises(CohortsError) as refused:
            peergroups.matching_run_move(
                run=run, enrolment_id=enrolment_id, to_group=to_group, actor=staff
            )
        assert refused.value.code == code
    waiting = request_run(cohort, staff)
    with pytest.raises(CohortsError, match="Only a finished run"):
        peergroups.matching_run_move(run=waiting, enrolment_id=someone, to_group=2, actor=staff)
    assert MatchingRun.objects.get(pk=run.pk).adjustments == 0
    assert events_named("cohorts.matching.adjusted") == []


def test_a_group_cannot_be_emptied(make_cohort, add_participant):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.OPEN)
    for row in POOL[:3]:
        add_participant(cohort, *row)
    staff = staff_of(cohort)
    run = done_run(cohort, staff, group_size=2)
    lone = next(group for group in run.groups if len(group) == 1)[0]
    with pytest.raises(CohortsError, match="would be empty"):
        peergroups.matching_run_move(
            run=run, enrolment_id=lone, to_group=3 - group_of(run, lone), actor=staff
        )


# --- re-matching ------------------------------------------------------------------------------


def test_rematch_after_a_drop_out_and_a_newcomer_moves_few_people(
    cohort_pool, add_participant, run_job
):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff, min_countries=3)
    leaver = people["Søren Ærø"]
    services.enrolment_withdraw(enrolment=leaver, actor=leaver.user)
    newcomer = add_participant(
        cohort, "Kristaps Liepiņš", "LV", S.RESEARCH, Level.NATIONAL, "Ugunsdrošības koledža"
    )

    new = run_job(peergroups.matching_rematch, run=run, actor=staff)

    new.refresh_from_db()
    assert new.state == "done", new.error
    assert (new.number, new.based_on, new.seed) == (2, run, run.seed)
    members = {eid for group in new.groups for eid in group}
    assert leaver.pk not in members and newcomer.pk in members
    assert len(new.groups) == len(run.groups)
    assert new.moves is not None and new.moves <= 2
    assert matching_selectors.run_total_violations(new) == 0
    assert new.progress_note.startswith("done: re-match")
    stayed = [
        eid
        for group_old in run.groups
        for eid in group_old
        if eid in members and group_of(new, eid) == group_of(run, eid)
    ]
    assert len(stayed) >= 12 - new.moves
    assert ModelLogEntry.objects.filter(action="cohorts.matching.rematch").count() == 1
    with pytest.raises(CohortsError, match="Only a finished run"):
        peergroups.matching_rematch(run=request_run(cohort, staff), actor=staff)


# --- publishing, e-mail and My learning -------------------------------------------------------


def test_publishing_makes_the_groups_the_cohorts_and_emails_each_member_once(
    cohort_pool, run_job, django_capture_on_commit_callbacks
):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)

    run_job(peergroups.matching_run_publish, run=run, actor=staff)

    run.refresh_from_db()
    assert run.published_by == staff and run.published_at is not None
    groups = list(PeerGroup.objects.filter(cohort=cohort).order_by("number"))
    assert [g.number for g in groups] == [1, 2, 3] and {g.run_id for g in groups} == {run.pk}
    assert [sorted(g.members.values_list("enrolment_id", flat=True)) for g in groups] == [
        sorted(group) for group in run.groups
    ]
    assert groups[0].explanation["summary"], "the published group keeps its explanation"
    event = Event.objects.get(name="cohorts.peergroups.published")
    assert event.key == f"cohorts.peergroups.published:{run.pk}:1"
    assert sorted(event.payload["notify"]) == sorted(e.pk for e in people.values())
    assert ModelLogEntry.objects.get(action="cohorts.matching.publish").user == staff

    jan = people["Jānis Bērziņš"]
    email = OutgoingEmail.objects.get(recipient=jan.user.email)
    assert email.subject == f"Your peer group in {cohort.title}"
    assert email.body_text.startswith("Dear Jānis Bērziņš,")
    number = group_of(run, jan)
    assert f"You are in group {number}" in email.body_text
    for peer_id in run.groups[number - 1]:
        if peer_id == jan.pk:
            continue
        peer = next(e for e in people.values() if e.pk == peer_id)
        line = f"- {peer.user.profile.full_name}, {peer.country.name}, {peer.organisation.name}"
        assert line in email.body_text
        assert peer.user.profile.full_name in email.body_html
    strangers = [e for e in people.values() if e.pk not in run.groups[number - 1]]
    assert all(s.user.profile.full_name not in email.body_text for s in strangers)
    assert OutgoingEmail.objects.filter(reason__startswith="cohorts.peergroups.").count() == 13
    assert len(mail.outbox) == 13

    # A second delivery of the event, and the handler run directly, send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        handlers_peergroups.peer_group_email_send(event)
        Delivery.objects.filter(event=event).delete()
        Event.objects.filter(pk=event.pk).update(dispatched_at=None)
        event_dispatch(event_id=event.pk)
    assert OutgoingEmail.objects.filter(reason__startswith="cohorts.peergroups.").count() == 13
    assert len(mail.outbox) == 13


def test_publishing_another_run_replaces_the_groups_and_tells_only_those_who_changed(
    cohort_pool, run_job
):
    cohort, people, staff = cohort_pool
    first = done_run(cohort, staff)
    run_job(peergroups.matching_run_publish, run=first, actor=staff)
    # The second run differs from the first only by a swap of two people.
    a, b = first.groups[0][0], first.groups[1][0]
    second = done_run(cohort, staff)
    second = peergroups.matching_run_move(run=second, enrolment_id=a, to_group=2, actor=staff)
    second = peergroups.matching_run_move(run=second, enrolment_id=b, to_group=1, actor=staff)
    second.groups = [sorted(g) for g in second.groups]
    changed = {eid for group in second.groups[:2] for eid in group}
    assert second.groups[2] == sorted(first.groups[2])
    mail.outbox.clear()

    run_job(peergroups.matching_run_publish, run=second, actor=staff, accept_violations=True)

    assert set(PeerGroup.objects.filter(cohort=cohort).values_list("run_id", flat=True)) == {
        second.pk
    }
    assert PeerGroupMember.objects.filter(group__cohort=cohort).count() == 13
    event = Event.objects.filter(name="cohorts.peergroups.published").latest("pk")
    assert set(event.payload["notify"]) == changed
    assert {m.to[0] for m in mail.outbox} == {
        e.user.email for e in people.values() if e.pk in changed
    }
    assert all("has changed" in m.body for m in mail.outbox)

    # Publishing the same groups again is a new publication that nobody needs an e-mail for.
    mail.outbox.clear()
    run_job(peergroups.matching_run_publish, run=second, actor=staff, accept_violations=True)
    latest = Event.objects.filter(name="cohorts.peergroups.published").latest("pk")
    assert latest.key == f"cohorts.peergroups.published:{second.pk}:2"
    assert latest.payload["notify"] == [] and mail.outbox == []


def test_publishing_groups_that_break_rules_needs_an_explicit_confirmation(cohort_pool):
    cohort, _people, staff = cohort_pool
    run = done_run(cohort, staff)
    big = next(n for n, g in enumerate(run.groups, 1) if len(g) == 5)
    small = next(n for n, g in enumerate(run.groups, 1) if len(g) == 4)
    run = peergroups.matching_run_move(
        run=run, enrolment_id=run.groups[small - 1][0], to_group=big, actor=staff
    )

    with pytest.raises(CohortsError) as refused:
        peergroups.matching_run_publish(run=run, actor=staff)
    assert refused.value.code == "violations" and "break 1 rule check" in refused.value.message
    assert not PeerGroup.objects.exists()
    assert events_named("cohorts.peergroups.") == []

    peergroups.matching_run_publish(run=run, actor=staff, accept_violations=True)
    assert PeerGroup.objects.filter(cohort=cohort).count() == 3
    assert ModelLogEntry.objects.get(action="cohorts.matching.publish").data["broken_rules"] == 1


def test_groups_with_someone_who_left_are_not_published(cohort_pool):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    leaver = people["Õie Täht"]
    services.enrolment_withdraw(enrolment=leaver, actor=leaver.user)

    with pytest.raises(CohortsError) as refused:
        peergroups.matching_run_publish(run=run, actor=staff, accept_violations=True)

    assert refused.value.code == "stale"
    assert "Õie Täht" in refused.value.message and "re-match first" in refused.value.message
    assert not PeerGroup.objects.exists()
    with pytest.raises(CohortsError, match="Only a finished run"):
        peergroups.matching_run_publish(run=request_run(cohort, staff), actor=staff)


def test_my_learning_shows_my_group_with_my_peers_and_no_one_elses(
    cohort_pool, run_job, client, make_person
):
    cohort, people, staff = cohort_pool
    run = done_run(cohort, staff)
    run_job(peergroups.matching_run_publish, run=run, actor=staff)
    jan = people["Jānis Bērziņš"]
    mine = run.groups[group_of(run, jan) - 1]
    peers = [e for e in people.values() if e.pk in mine and e.pk != jan.pk]
    others = [e for e in people.values() if e.pk not in mine]

    client.force_login(jan.user)
    text = visible_text(client.get(reverse("my_learning")))

    assert f"{cohort.title}: group {group_of(run, jan)}" in text
    for peer in peers:
        assert peer.user.profile.full_name in text
        assert peer.country.name in text and peer.organisation.name in text
    for other in others:
        assert other.user.profile.full_name not in text

    # A peer who withdraws disappears from the group; someone without a group sees no panel.
    gone = peers[0]
    services.enrolment_withdraw(enrolment=gone, actor=gone.user)
    text = visible_text(client.get(reverse("my_learning")))
    assert gone.user.profile.full_name not in text
    client.force_login(gone.user)
    assert "peer group" not in visible_text(client.get(reverse("my_learning"))).lower()
    client.force_login(make_person("FI"))
    assert "peer group" not in visible_text(client.get(reverse("my_learning"))).lower()


def test_a_stale_publication_sends_nothing(cohort_pool, run_job):
    """An event of an earlier publication, delivered late, does not e-mail the groups that have
    replaced it."""
    cohort, _people, staff = cohort_pool
    first = done_run(cohort, staff)
    peergroups.matching_run_publish(run=first, actor=staff)
    second = done_run(cohort, staff, group_size=3)
    peergroups.matching_run_publish(run=second, actor=staff)
    early = Event.objects.get(key=f"cohorts.peergroups.published:{first.pk}:1")

    handlers_peergroups.peer_group_email_send(early)

    assert not OutgoingEmail.objects.filter(reason__contains=f"published:{first.pk}:").exists()
    assert Cohort.objects.get(pk=cohort.pk).peer_groups.count() == len(second.groups)


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_publishes_bep_2026_peer_groups_once():
    from io import StringIO

    from django.core.management import call_command

    from lms.demo import demo_loaders

    names = [name for name, _ in demo_loaders()]
    assert names.index("cohorts") < names.index("peergroups")
    first = StringIO()
    call_command("load_demo", stdout=first)
    cohort = Cohort.objects.get(slug="bep-2026")
    runs = list(MatchingRun.objects.filter(cohort=cohort).order_by("number"))
    counts = (MatchingRun.objects.count(), PeerGroup.objects.count(), Event.objects.count())

    second = StringIO()
    call_command("load_demo", stdout=second)

    assert "[peergroups] matched" in first.getvalue()
    assert "[peergroups] peer groups already published" in second.getvalue()
    assert (MatchingRun.objects.count(), PeerGroup.objects.count(), Event.objects.count()) == counts
    assert [run.state for run in runs] == ["done", "done"]
    published = runs[-1]
    assert published.published_at and published.published_by.email.startswith("presidency.fi@")
    members = set(
        PeerGroupMember.objects.filter(group__cohort=cohort).values_list("enrolment_id", flat=True)
    )
    assert members == {e.pk for e in matching_selectors.pool_of(cohort)}
    assert Event.objects.filter(name="cohorts.peergroups.published").count() == 1
