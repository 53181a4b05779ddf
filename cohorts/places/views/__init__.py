"""Participant-side pages of places, one module per use case: `apply` (the public cohort page,
applying, activity registration), `place` (one's own place and the links from e-mails) and
`nominations` (focal points), all on the helpers in `base`. cohorts.urls and the panels use the
names re-exported here."""

from cohorts.places.views.apply import activity_register, cohort_apply, cohort_page
from cohorts.places.views.base import login_url, rule_in_words
from cohorts.places.views.nominations import (
    nominate,
    nomination_resend_view,
    nomination_substitute_view,
)
from cohorts.places.views.place import (
    nomination_by_token,
    offer_by_token,
    place,
    place_confirm,
    place_offer,
    place_withdraw,
)

__all__ = [
    "activity_register",
    "cohort_apply",
    "cohort_page",
    "login_url",
    "nominate",
    "nomination_by_token",
    "nomination_resend_view",
    "nomination_substitute_view",
    "offer_by_token",
    "place",
    "place_confirm",
    "place_offer",
    "place_withdraw",
    "rule_in_words",
]
