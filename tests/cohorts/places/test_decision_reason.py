"""A decision's reason belongs to that decision: once someone waitlisted with a reason is offered
a place and accepts it, the old reason is gone from the desk, the export and their page; the
note of why they were waiting or skipped goes with the waitlist."""

import pytest
from django.urls import reverse

from cohorts.desk import exports
from cohorts.models import EnrolmentMode, EnrolmentState
from cohorts.places import services
from cohorts.places.selectors import desk_enrolments
from tests.cohorts.desk.test_desk import staff_of

pytestmark = pytest.mark.django_db

WAITLIST_REASON = "Finland's places are taken for now; you are on the waitlist."


def test_accepting_an_offer_leaves_no_waitlist_reason_behind(
    client, make_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL, capacity=1)
    holder = services.enrolment_apply(user=make_person("FI"), cohort=cohort)
    waiting = services.enrolment_apply(
        user=make_person("FI", full_name="Aino Virtanen"), cohort=cohort
    )
    staff = staff_of(cohort)
    services.enrolment_decide(enrolment_ids=[holder.pk], decision="accept", actor=staff)
    services.enrolment_decide(
        enrolment_ids=[waiting.pk], decision="waitlist", reason=WAITLIST_REASON, actor=staff
    )
    waiting.refresh_from_db()
    assert waiting.decision_reason == WAITLIST_REASON

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=holder, actor=holder.user)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decision_reason) == (EnrolmentState.OFFERED, "")
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_respond(enrolment=waiting, accept=True)

    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.ACCEPTED
    assert (waiting.decision_reason, waiting.skipped_reason) == ("", "")
    client.force_login(staff)
    assert (
        WAITLIST_REASON
        not in client.get(reverse("cohorts_desk", args=[cohort.pk])).content.decode()
    )
    header, rows = exports.enrolment_table(cohort, desk_enrolments(cohort))
    row = next(r for r in rows if r[0] == "Aino Virtanen")
    assert row[header.index("Decision reason")] == ""
    assert row[header.index("Skipped")] == ""
    client.force_login(waiting.user)
    assert (
        WAITLIST_REASON
        not in client.get(reverse("cohorts:place", args=[waiting.pk])).content.decode()
    )


def test_each_decision_replaces_the_reason_and_staff_acceptance_clears_the_skip_note(
    make_cohort, make_person
):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.OPEN, capacity=5, country_cap=1)
    services.enrolment_apply(user=make_person("LV"), cohort=cohort)
    skipped = services.enrolment_apply(user=make_person("LV"), cohort=cohort)
    assert "Latvia" in skipped.skipped_reason
    staff = staff_of(cohort)

    services.enrolment_decide(
        enrolment_ids=[skipped.pk], decision="reject", reason="Not this year", actor=staff
    )
    skipped.refresh_from_db()
    assert (skipped.decision_reason, skipped.skipped_reason) == ("Not this year", "")
