"""Handlers of peer-group events, declared in the event catalogue (cohorts/event_types.py): a
requested matching run is handed to the job cluster, and a publication tells each participant
their group by e-mail."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from cohorts.matching.models import MatchingRun, MatchingRunState, PeerGroup, PeerGroupMember
from cohorts.matching.selectors import person_of, run_total_violations, stored_text
from cohorts.places.emails import absolute, person_name
from cohorts.places.models import CONFIRMED
from lms import languages
from lms.jobs import enqueue_on_commit
from lms.mail.services import email_queue
from lms.models import Event, OutgoingEmail

PUBLISHED = "cohorts.peergroups.published"


def matching_run_enqueue(event: Event) -> None:
    """Start the run's job once this delivery commits; a second job finds the run taken."""
    run_id = event.payload.get("run_id")
    if not run_id:
        return
    if MatchingRun.objects.filter(pk=run_id, state=MatchingRunState.REQUESTED).exists():
        enqueue_on_commit("cohorts.tasks.matching_run_task", run_id)


def email_reason(event: Event, enrolment_id: int) -> str:
    return f"{PUBLISHED}:{event.payload['run_id']}:{event.payload['publication']}:{enrolment_id}"


def _current(event: Event) -> bool:
    """Whether this publication is still the cohort's: a later one sends its own e-mails."""
    run_id = event.payload.get("run_id")
    cohort_id = event.payload.get("cohort_id")
    published = PeerGroup.objects.filter(cohort_id=cohort_id).values_list("run_id", flat=True)
    if run_id not in set(published):
        return False
    later = Event.objects.filter(
        name=PUBLISHED, key__startswith=f"{PUBLISHED}:{run_id}:", pk__gt=event.pk
    )
    return not later.exists()


def peer_group_email_send(event: Event) -> None:
    """One e-mail per person per publication, naming their peers, where they come from and
    their organisations."""
    notify = set(event.payload.get("notify") or [])
    if not notify or not _current(event):
        return
    memberships = (
        PeerGroupMember.objects.filter(
            group__run_id=event.payload["run_id"],
            enrolment_id__in=notify,
            enrolment__state__in=CONFIRMED,
        )
        .select_related("group__cohort__programme", "enrolment__user__profile")
        .order_by("group__number", "enrolment_id")
    )
    for membership in memberships:
        enrolment = membership.enrolment
        reason = email_reason(event, enrolment.pk)
        if OutgoingEmail.objects.filter(recipient=enrolment.user.email, reason=reason).exists():
            continue
        group = membership.group
        cohort = group.cohort
        members = (
            PeerGroupMember.objects.filter(group=group, enrolment__state__in=CONFIRMED)
            .exclude(pk=membership.pk)
            .select_related("enrolment__user__profile", "enrolment__organisation")
            .order_by("enrolment__country", "enrolment_id")
        )
        updated = event.payload.get("publication", 1) > 1 or _replaced(event)
        with languages.reading(languages.of_user(enrolment.user)):
            # Country names and "A participant" are in the reader's language too.
            peers = [person_of(m.enrolment, cohort.starts_on) for m in members]
            email_queue(
                recipient=enrolment.user.email,
                reason=reason,
                subject=_("Your peer group in %(cohort)s") % {"cohort": cohort.title},
                template=PUBLISHED,
                context={
                    "name": person_name(enrolment.user),
                    "cohort_title": cohort.title,
                    "programme_title": cohort.programme.title,
                    "group_number": group.number,
                    "peers": peers,
                    "updated": updated,
                    "my_learning_url": absolute(reverse("my_learning")),
                },
            )


def _replaced(event: Event) -> bool:
    """Whether earlier groups of the cohort were published before this run's first time."""
    return Event.objects.filter(
        name=PUBLISHED, payload__cohort_id=event.payload.get("cohort_id"), pk__lt=event.pk
    ).exists()


def run_finished_email_send(event: Event) -> None:
    """The person who started a run hears when it is done (or failed), with a link to it: large
    runs take a while, and nobody should have to watch the progress bar."""
    run = (
        MatchingRun.objects.select_related("cohort", "requested_by")
        .filter(pk=event.payload.get("run_id"))
        .first()
    )
    if run is None or run.requested_by is None or not run.requested_by.email:
        return
    failed = event.name == "cohorts.matching.failed"
    with languages.reading(languages.of_user(run.requested_by)):
        subject = (
            _("Matching run %(number)s for %(cohort)s failed")
            if failed
            else _("Matching run %(number)s for %(cohort)s is ready")
        ) % {"number": run.number, "cohort": run.cohort.title}
        email_queue(
            recipient=run.requested_by.email,
            reason=f"{event.name}:{run.pk}",
            subject=subject,
            template=RUN_FINISHED,
            context={
                "name": person_name(run.requested_by),
                "run": run,
                "failed": failed,
                "error": stored_text(run.error),
                "violations": run_total_violations(run),
                "gap_percent": None if run.gap is None else formats.number_format(100 * run.gap, 2),
                "run_url": absolute(
                    reverse("cohorts_matching_run", args=[run.cohort_id, run.number])
                ),
            },
        )


RUN_FINISHED = "cohorts.matching.finished"
