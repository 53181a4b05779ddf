"""Staff decisions on applications (accept, waitlist, reject) and the saved reasons of the
cohort desk."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cohorts.errors import CohortsError
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    ReasonTemplate,
)
from cohorts.places.services.book import (
    PlaceBook,
    enrolment_audit,
    enrolment_emit,
    enrolment_reload,
    enrolment_target_lock,
    enrolment_transition,
    enrolment_waitlist,
    place_transaction,
)


@dataclass
class DecisionResult:
    enrolment: Enrolment
    ok: bool
    message: str


DECISIONS = ("accept", "waitlist", "reject")


def enrolment_decide(
    *,
    enrolment_ids: list[int],
    decision: str,
    reason: str = "",
    reasons: dict[int, str] | None = None,
    actor,
) -> list[DecisionResult]:
    """Staff accept, waitlist or reject applications, each in its own locked transaction, so a
    full country blocks only its own rows. Each person's reason (from `reasons`, else the
    shared `reason`) is kept with the decision and e-mailed."""
    if decision not in DECISIONS:
        raise CohortsError("bad_decision", _("Choose accept, waitlist or reject."))
    reasons = reasons or {}
    results = []
    for enrolment_id in enrolment_ids:
        own_reason = reasons.get(enrolment_id)
        try:
            with place_transaction():
                enrolment = enrolment_reload(enrolment_id)
                target = enrolment_target_lock(enrolment)
                enrolment.refresh_from_db(fields=["state", "waitlist_seq"])
                message = _decide_one(
                    enrolment,
                    target,
                    decision,
                    reason if own_reason is None else own_reason,
                    actor,
                )
            results.append(DecisionResult(enrolment, True, message))
        except CohortsError as exc:
            enrolment = Enrolment.objects.filter(pk=enrolment_id).select_related("user").first()
            if enrolment is not None:
                results.append(DecisionResult(enrolment, False, exc.message))
    return results


def _decide_one(enrolment, target, decision, reason, actor) -> str:
    now = timezone.now()
    reason = reason.strip()[:2000]
    if decision == "accept":
        # “already …” marks a row the desk only counts (its summary says it in words).
        if enrolment.state == EnrolmentState.ACCEPTED:
            return "already accepted"
        if enrolment.state == EnrolmentState.PENDING_CONSENT:
            # Only the guardian's consent confirms a minor's place, never staff.
            raise CohortsError(
                "refused",
                _(
                    "A place waiting for a guardian's consent cannot be accepted by staff: "
                    "it is confirmed when the guardian consents."
                ),
            )
        # An offer or a nomination already holds its place: claiming again would take two.
        holding = enrolment.holds_place
        enrolment_transition(enrolment, EnrolmentState.ACCEPTED, reason=reason)
        enrolment.decided_at = now
        if not holding:
            blocked = PlaceBook(target, now=now).take(enrolment)
            if blocked:
                raise CohortsError("no_place", _("Not accepted: %(why)s.") % {"why": blocked})
        enrolment.offer_expires_at = None
        enrolment.token_hash = None
        enrolment.save()
        enrolment_emit(enrolment, "accepted")
    elif decision == "waitlist":
        if enrolment.state == EnrolmentState.WAITLISTED:
            return "already waitlisted"
        enrolment_waitlist(enrolment, "", reason=reason)
        enrolment.decided_at = now
        enrolment.save()
        enrolment_emit(enrolment, "waitlisted")
    else:
        if enrolment.state == EnrolmentState.REJECTED:
            return "already rejected"
        enrolment_transition(enrolment, EnrolmentState.REJECTED, reason=reason)
        enrolment.decided_at = now
        enrolment.save()
        enrolment_emit(enrolment, "rejected")
    enrolment_audit(enrolment, decision, actor, reason=enrolment.decision_reason)
    return str(EnrolmentState(enrolment.state).label)


def reason_template_save(
    *, cohort: Cohort, actor, title: str, text: str, decision: str = "", template=None
):
    """Create (or, given `template`, change) one of a cohort's saved reasons; audited."""
    title = " ".join(title.split())[:100]
    if not title or not text.strip():
        raise CohortsError("incomplete", _("A saved reason needs a title and a text."))
    clash = ReasonTemplate.objects.filter(cohort=cohort, title__iexact=title)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise CohortsError(
            "duplicate",
            _("There is already a saved reason called “%(title)s”.") % {"title": title},
        )
    with transaction.atomic(durable=True):
        if template is None:
            template = ReasonTemplate(cohort=cohort, created_by=actor)
            action = "cohorts.reason_template.create"
        else:
            action = "cohorts.reason_template.edit"
        template.title = title
        template.text = text.strip()[:2000]
        template.decision = decision
        template.save()
        log(instance=cohort, action=action, user=actor, data={"title": title})
    return template


def reason_template_delete(*, template, actor) -> None:
    with transaction.atomic(durable=True):
        cohort = template.cohort
        title = template.title
        template.delete()
        if cohort is not None:
            log(
                instance=cohort,
                action="cohorts.reason_template.delete",
                user=actor,
                data={"title": title},
            )
