"""Write-side services of places, one module per use case (`apply`, `decisions`, `offers`,
`completion`, `nominations`, `imports`, `activities`, `staff`), all built on the locking kernel
in `book`. Dependencies run one way: `book` imports no other use case, the use cases import
`book` (and `imports` imports `nominations`), and nothing in places imports this package's
`__init__`. Other capabilities call the names re-exported here, or the kernel's public names in
`cohorts.places.services.book` when they take places themselves (group bookings, erasure)."""

from cohorts.places.services.activities import (
    activity_cohort_problems,
    cohort_activities_register_locked,
    cohort_activities_withdraw_locked,
    cohort_activity_rule_problems,
    cohort_country_cap,
    decision_activity_warnings,
)
from cohorts.places.services.apply import REGISTRATION_CLOSED, enrolment_apply, registration_create
from cohorts.places.services.book import (
    BUSY_MESSAGE,
    CONFLICT_MESSAGE,
    PlaceDryRun,
    place_transaction,
)
from cohorts.places.services.completion import enrolment_complete_check
from cohorts.places.services.decisions import (
    DECISIONS,
    DecisionResult,
    enrolment_decide,
    reason_template_delete,
    reason_template_save,
)
from cohorts.places.services.imports import ImportOutcome, enrolments_import
from cohorts.places.services.nominations import (
    NOMINATION_DECLINED,
    NOT_NOMINABLE,
    Nominee,
    focal_point_countries,
    nominate,
    nomination_confirm,
    nomination_create,
    nomination_decline,
    nomination_link_expiry,
    nomination_link_open,
    nomination_refusal,
    nomination_resend,
    nomination_substitute,
    nomination_token_issue,
    nominee_sets_password,
)
from cohorts.places.services.offers import (
    ACTIVITY_OFFER_HOURS,
    enrolment_by_token,
    enrolment_withdraw,
    offer_deadline,
    offer_hours,
    offer_respond,
    offer_token_issue,
    offers_expire,
    waitlist_promote,
    waitlist_promote_locked,
)
from cohorts.places.services.staff import cohort_staff_group_ensure

__all__ = [
    "ACTIVITY_OFFER_HOURS",
    "BUSY_MESSAGE",
    "CONFLICT_MESSAGE",
    "DECISIONS",
    "NOMINATION_DECLINED",
    "NOT_NOMINABLE",
    "REGISTRATION_CLOSED",
    "DecisionResult",
    "ImportOutcome",
    "Nominee",
    "PlaceDryRun",
    "activity_cohort_problems",
    "cohort_activities_register_locked",
    "cohort_activities_withdraw_locked",
    "cohort_activity_rule_problems",
    "cohort_country_cap",
    "cohort_staff_group_ensure",
    "decision_activity_warnings",
    "enrolment_apply",
    "enrolment_by_token",
    "enrolment_complete_check",
    "enrolment_decide",
    "enrolment_withdraw",
    "enrolments_import",
    "focal_point_countries",
    "nominate",
    "nomination_confirm",
    "nomination_create",
    "nomination_decline",
    "nomination_link_expiry",
    "nomination_link_open",
    "nomination_refusal",
    "nomination_resend",
    "nomination_substitute",
    "nomination_token_issue",
    "nominee_sets_password",
    "offer_deadline",
    "offer_hours",
    "offer_respond",
    "offer_token_issue",
    "offers_expire",
    "place_transaction",
    "registration_create",
    "reason_template_delete",
    "reason_template_save",
    "waitlist_promote",
    "waitlist_promote_locked",
]
