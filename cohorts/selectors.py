"""Read-side queries of cohorts: who may manage which cohort, places and waitlists."""

from django.db.models import QuerySet
from django.utils import timezone

from cohorts.models import Cohort, Enrolment, EnrolmentState


def cohort_is_admin(user) -> bool:
    """Programme admins manage every cohort; presidency staff only their own."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.has_perm("cohorts.change_cohort"))
    )


def cohorts_managed_by(user) -> QuerySet[Cohort]:
    """The cohorts `user` may manage: all for programme admins; for presidency staff the
    cohorts whose staff group they belong to, until the staff rights end."""
    qs = Cohort.objects.select_related("programme", "staff_group")
    if not user.is_authenticated:
        return qs.none()
    if cohort_is_admin(user):
        return qs
    today = timezone.localdate()
    ids = [
        cohort.pk
        for cohort in qs.filter(staff_group__in=user.groups.all())
        if cohort.staff_rights_end >= today
    ]
    return qs.filter(pk__in=ids)


def cohort_can_manage(user, cohort: Cohort) -> bool:
    return cohorts_managed_by(user).filter(pk=cohort.pk).exists()


def waitlist_of(target) -> QuerySet[Enrolment]:
    """The waitlist in its server-side order, with the reason anyone was skipped."""
    field = "cohort" if isinstance(target, Cohort) else "activity"
    return (
        Enrolment.objects.filter(**{field: target, "state": EnrolmentState.WAITLISTED})
        .select_related("user", "user__profile", "organisation")
        .order_by("waitlist_seq")
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None when not on the waitlist."""
    if enrolment.state != EnrolmentState.WAITLISTED or enrolment.waitlist_seq is None:
        return None
    field = "cohort_id" if enrolment.cohort_id else "activity_id"
    ahead = Enrolment.objects.filter(
        **{field: getattr(enrolment, field)},
        state=EnrolmentState.WAITLISTED,
        waitlist_seq__lt=enrolment.waitlist_seq,
    ).count()
    return ahead + 1
