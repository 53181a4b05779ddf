"""Completing a cohort place once its rule (modules done, activities attended) is met."""

from django.db import transaction
from django.utils import timezone

from cohorts.places.models import (
    Enrolment,
    EnrolmentState,
)
from cohorts.places.services.book import (
    enrolment_audit,
    enrolment_emit,
    enrolment_transition,
)
from programmes.models import ModuleProgress


def enrolment_complete_check(*, user_id: int) -> list[Enrolment]:
    """Complete every accepted cohort enrolment of the person whose rule is now met: every
    module done and the required number of the cohort's activities attended. Runs inside the
    caller's transaction (an event handler's)."""
    completed = []
    candidates = list(
        Enrolment.objects.filter(
            user_id=user_id, cohort__isnull=False, state=EnrolmentState.ACCEPTED
        ).select_related("cohort")
    )
    for candidate in candidates:
        cohort = candidate.cohort
        module_ids = set(cohort.modules.values_list("pk", flat=True))
        done = set(
            ModuleProgress.objects.filter(
                user_id=user_id, module_id__in=module_ids, completed_at__isnull=False
            ).values_list("module_id", flat=True)
        )
        if module_ids - done:
            continue
        activity_ids = list(cohort.activities.values_list("pk", flat=True))
        required = (
            len(activity_ids)
            if cohort.activities_required is None
            else min(cohort.activities_required, len(activity_ids))
        )
        attended = Enrolment.objects.filter(
            user_id=user_id, activity_id__in=activity_ids, attended_at__isnull=False
        ).count()
        if attended < required or (not module_ids and not activity_ids):
            continue
        with transaction.atomic():
            enrolment = Enrolment.objects.select_for_update().get(pk=candidate.pk)
            if enrolment.state != EnrolmentState.ACCEPTED:
                continue
            enrolment_transition(enrolment, EnrolmentState.COMPLETED)
            enrolment.completed_at = timezone.now()
            enrolment.save()
            enrolment_emit(enrolment, "completed")
            enrolment_audit(enrolment, "complete", None)
        completed.append(enrolment)
    return completed
