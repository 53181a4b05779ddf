from cohorts.models import EnrolmentState
from cohorts.places import services
from lms.models import Event


def test_open_cohort_caps_and_waitlist_promotion(
    make_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort = make_cohort(capacity=3, country_cap=2)
    fins = [make_person("FI") for _ in range(3)]
    latvian = make_person("LV")
    results = [services.enrolment_apply(user=u, cohort=cohort) for u in fins + [latvian]]
    assert [r.state for r in results] == ["accepted", "accepted", "waitlisted", "accepted"]
    assert "Finland" in results[2].skipped_reason
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=results[0], actor=fins[0])
    results[2].refresh_from_db()
    assert results[2].state == EnrolmentState.OFFERED
    services.offer_respond(enrolment=results[2], accept=True)
    results[2].refresh_from_db()
    assert results[2].state == EnrolmentState.ACCEPTED
    assert Event.objects.filter(name="cohorts.enrolment.offered").count() == 1
