"""Withdrawing from a place, the waitlist and offers: a freed place is offered to the next
eligible person, who accepts or declines by link or from the place page."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.errors import CohortsError
from cohorts.places.models import Cohort, Enrolment, EnrolmentState
from cohorts.places.services.book import (
    PlaceBook,
    enrolment_audit,
    enrolment_emit,
    enrolment_reload,
    enrolment_target_lock,
    enrolment_transition,
    enrolment_withdraw_under_lock,
    place_lock,
    place_transaction,
)
from lms.tokens import token_digest, token_new

logger = logging.getLogger(__name__)

ACTIVITY_OFFER_HOURS = 48


def offer_hours(target) -> int:
    return target.offer_hours if isinstance(target, Cohort) else ACTIVITY_OFFER_HOURS


def offer_deadline(target, *, now) -> datetime | None:
    """Until when an offer made now stays open, or None when no offer should be made. An
    activity's offer never runs past the activity's start: near the start the window shortens,
    and with less than COHORTS_OFFER_MIN_MINUTES left an offer could not be answered in time,
    so none is made (the waitlist stays as it is)."""
    deadline = now + timedelta(hours=offer_hours(target))
    if isinstance(target, Cohort) or target.starts_at is None:
        return deadline
    if target.starts_at < deadline:
        deadline = target.starts_at
    if deadline - now < timedelta(minutes=int(settings.COHORTS_OFFER_MIN_MINUTES)):
        return None
    return deadline


def _offer_over(enrolment: Enrolment, *, now) -> bool:
    """Whether an open offer can no longer be accepted: its time is up, or its activity has
    begun (offers made before their window was tied to the start included)."""
    if enrolment.offer_expires_at is None or enrolment.offer_expires_at <= now:
        return True
    activity = enrolment.activity if enrolment.activity_id else None
    return bool(activity is not None and activity.starts_at and activity.starts_at <= now)


def enrolment_withdraw(*, enrolment: Enrolment, actor, reason: str = "") -> Enrolment:
    """The participant (or staff) gives up a place or an application. A freed place goes to
    the waitlist by the `withdrawn` event's handler."""
    with place_transaction():
        enrolment = enrolment_reload(enrolment.pk)
        target = enrolment_target_lock(enrolment)
        enrolment.refresh_from_db(fields=["state"])
        enrolment_withdraw_under_lock(enrolment, target, reason=reason or "withdrawn", actor=actor)
    return enrolment


def waitlist_promote(*, target) -> list[Enrolment]:
    """Offer every free place to the next eligible waitlisted people, in waitlist order; people
    whose country (or other capped value) is full are skipped, and the reason kept for staff."""
    with place_transaction():
        offered = waitlist_promote_locked(target=target)
    return offered


def waitlist_promote_locked(*, target) -> list[Enrolment]:
    """The same inside a caller's transaction (an event handler's): lock, recount, offer."""
    place_lock(target)
    return _promote(target)


def _promote(target) -> list[Enrolment]:
    now = timezone.now()
    book = PlaceBook(target, now=now)
    offered: list[Enrolment] = []
    if book.full:
        return offered
    waiting = (
        book.enrolments()
        .filter(state=EnrolmentState.WAITLISTED)
        .select_related("organisation")
        .order_by("waitlist_seq")
    )
    expires_at = offer_deadline(target, now=now)
    if expires_at is None:
        return offered  # too late to answer in time: the waitlist stays, no one is told
    for enrolment in waiting:
        if book.full:
            break
        blocked = book.take(enrolment)
        if blocked:
            if enrolment.skipped_reason != f"Skipped: {blocked}":
                enrolment.skipped_reason = f"Skipped: {blocked}"[:300]
                enrolment.save(update_fields=["skipped_reason", "updated_at"])
            continue
        enrolment_transition(enrolment, EnrolmentState.OFFERED)
        enrolment.offer_expires_at = expires_at
        enrolment.decided_at = now
        enrolment.save()
        enrolment_emit(enrolment, "offered")
        enrolment_audit(enrolment, "offer", None, expires=enrolment.offer_expires_at.isoformat())
        offered.append(enrolment)
    return offered


def offer_token_issue(*, enrolment: Enrolment) -> str:
    """A fresh accept/decline link for an open offer (the e-mail handler calls this; only the
    digest is stored, so each e-mail carries a new token and earlier ones stop working)."""
    token, digest = token_new()
    updated = Enrolment.objects.filter(pk=enrolment.pk, state=EnrolmentState.OFFERED).update(
        token_hash=digest
    )
    if not updated:
        raise CohortsError("no_offer", _("This offer is no longer open."))
    return token


def enrolment_by_token(token: str) -> Enrolment | None:
    if not token or len(token) > 100:
        return None
    return (
        Enrolment.objects.select_related("cohort", "activity", "user")
        .filter(token_hash=token_digest(token))
        .first()
    )


def offer_respond(*, enrolment: Enrolment, accept: bool, actor=None) -> Enrolment:
    """Accept or decline a waitlist offer (by the link in the e-mail or from the status page)."""
    with place_transaction():
        enrolment = enrolment_reload(enrolment.pk)
        target = enrolment_target_lock(enrolment)
        enrolment.refresh_from_db(fields=["state", "offer_expires_at"])
        if enrolment.state != EnrolmentState.OFFERED:
            raise CohortsError("no_offer", _("This offer is no longer open."))
        if _offer_over(enrolment, now=timezone.now()):
            raise CohortsError("offer_expired", _("This offer has expired."))
        if accept:
            enrolment_transition(enrolment, EnrolmentState.ACCEPTED)
            enrolment.offer_expires_at = None
            enrolment.token_hash = None
            enrolment.decided_at = timezone.now()
            enrolment.save()
            enrolment_emit(enrolment, "accepted")
            enrolment_audit(enrolment, "offer_accept", actor or enrolment.user)
        else:
            enrolment_withdraw_under_lock(
                enrolment, target, reason="declined the offer", actor=actor or enrolment.user
            )
    return enrolment


def offers_expire(*, now=None) -> int:
    """Scheduled: offers past their time pass to the next eligible person."""
    now = now or timezone.now()
    expired_ids = list(
        Enrolment.objects.filter(state=EnrolmentState.OFFERED)
        .filter(Q(offer_expires_at__lte=now) | Q(activity__starts_at__lte=now))
        .order_by("offer_expires_at")
        .values_list("pk", flat=True)[:500]
    )
    count = 0
    for enrolment_id in expired_ids:
        try:
            with place_transaction():
                enrolment = enrolment_reload(enrolment_id)
                target = enrolment_target_lock(enrolment)
                enrolment.refresh_from_db(fields=["state", "offer_expires_at"])
                if enrolment.state != EnrolmentState.OFFERED or not _offer_over(enrolment, now=now):
                    continue
                enrolment_withdraw_under_lock(
                    enrolment, target, reason="the offer expired", actor=None
                )
                count += 1
        except CohortsError:
            logger.warning("offer %s not expired now (busy); the next run retries", enrolment_id)
    return count
