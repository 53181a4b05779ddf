"""Bulk decisions on the cohort desk with a reason per person: a review page shows each person's
reason (typed for everyone, or from a saved reason, and changed per person) and the e-mail it
will send; applying sends each person their own. Cohort staff keep their own saved reasons;
programme admins keep the ones for every cohort."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cohorts.models import EnrolmentMode, EnrolmentState, ReasonTemplate
from lms.models import OutgoingEmail
from tests.cohorts.desk.test_desk import messages_of, staff_of
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(enrolment_mode=EnrolmentMode.APPROVAL, capacity=10)


@pytest.fixture
def applicants(cohort, make_person):
    from cohorts.places import services

    return [
        services.enrolment_apply(user=make_person(country, full_name=name), cohort=cohort)
        for country, name in (("LV", "Jānis Bērziņš"), ("PL", "Małgorzata Wąsowska"))
    ]


def test_review_shows_each_persons_reason_and_e_mail_and_changes_nothing(
    client, cohort, applicants
):
    jan, gosia = applicants
    saved = ReasonTemplate.objects.create(
        cohort=cohort, title="Full", decision="reject", text="All places are taken this year."
    )
    client.force_login(staff_of(cohort))

    review = client.post(
        reverse("cohorts_desk_review", args=[cohort.pk]),
        {"enrolment": [jan.pk, gosia.pk], "decision": "reject", "template": saved.pk},
    )

    assert review.status_code == 200
    html = review.content.decode()
    assert f'name="reason-{jan.pk}"' in html and f'name="reason-{gosia.pk}"' in html
    text = visible_text(review)
    assert text.count("All places are taken this year.") >= 4  # two boxes, two e-mails
    assert f"The e-mail to {jan.user.email}: “Your application to {cohort.title}”" in text
    assert "Dear Jānis Bērziņš" in text and "Dear Małgorzata Wąsowska" in text
    assert {e.state for e in cohort.enrolments.all()} == {EnrolmentState.SUBMITTED}
    assert not OutgoingEmail.objects.filter(reason__contains="rejected").exists()

    # One reason changed, the e-mails previewed again.
    updated = client.post(
        reverse("cohorts_desk_review", args=[cohort.pk]),
        {
            "enrolment": [jan.pk, gosia.pk],
            "decision": "reject",
            f"reason-{jan.pk}": "Your organisation already has two participants.",
            f"reason-{gosia.pk}": "All places are taken this year.",
        },
    )
    assert "Your organisation already has two participants." in visible_text(updated)


def test_applying_sends_each_person_their_own_reason(
    client, cohort, applicants, django_capture_on_commit_callbacks
):
    jan, gosia = applicants
    client.force_login(staff := staff_of(cohort))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts_desk_decide", args=[cohort.pk]),
            {
                "enrolment": [jan.pk, gosia.pk],
                "decision": "waitlist",
                "reason": "ignored when each person has their own",
                f"reason-{jan.pk}": "Latvia's places are taken for now.",
                f"reason-{gosia.pk}": "",
            },
            follow=True,
        )

    assert messages_of(response) == ["Waitlisted 2."]
    jan.refresh_from_db()
    gosia.refresh_from_db()
    assert (jan.decision_reason, gosia.decision_reason) == (
        "Latvia's places are taken for now.",
        "",
    )
    mail = OutgoingEmail.objects.get(recipient=jan.user.email, reason__contains="waitlisted")
    assert "A note from the programme staff:\nLatvia's places are taken for now." in mail.body_text
    other = OutgoingEmail.objects.get(recipient=gosia.user.email, reason__contains="waitlisted")
    assert "A note from the programme staff" not in other.body_text
    logged = ModelLogEntry.objects.filter(action="cohorts.enrolment.waitlist", user=staff)
    assert {entry.data["reason"] for entry in logged} == {"Latvia's places are taken for now.", ""}


def test_a_reason_too_long_changes_nothing(client, cohort, applicants):
    jan, _ = applicants
    client.force_login(staff_of(cohort))
    response = client.post(
        reverse("cohorts_desk_decide", args=[cohort.pk]),
        {"enrolment": [jan.pk], "decision": "reject", f"reason-{jan.pk}": "x" * 2001},
        follow=True,
    )
    assert "the most is 2000" in messages_of(response)[0]
    jan.refresh_from_db()
    assert jan.state == EnrolmentState.SUBMITTED


def test_staff_keep_their_cohorts_saved_reasons_and_use_the_shared_ones(
    client, cohort, make_cohort
):
    shared = ReasonTemplate.objects.create(title="Welcome", decision="accept", text="Welcome!")
    other = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    theirs = ReasonTemplate.objects.create(cohort=other, title="Theirs", text="Not yours.")
    client.force_login(staff := staff_of(cohort))
    url = reverse("cohorts_desk_reasons", args=[cohort.pk])

    page = visible_text(client.get(url))
    assert "Welcome" in page and "Not yours." not in page

    added = client.post(
        url, {"title": "Country full", "decision": "waitlist", "text": "Your country is full."}
    )
    assert added.status_code == 302
    mine = ReasonTemplate.objects.get(cohort=cohort)
    assert (mine.title, mine.decision, mine.text) == (
        "Country full",
        "waitlist",
        "Your country is full.",
    )
    duplicate = client.post(url, {"title": "country full", "decision": "", "text": "Again"})
    assert "There is already a saved reason called" in visible_text(duplicate)
    edit = reverse("cohorts_desk_reason_edit", args=[cohort.pk, mine.pk])
    assert (
        client.post(edit, {"title": "Country full", "decision": "", "text": "Full."}).status_code
        == 302
    )
    mine.refresh_from_db()
    assert mine.text == "Full."
    # Another cohort's and the shared ones are not theirs to change.
    for foreign in (theirs, shared):
        assert (
            client.get(
                reverse("cohorts_desk_reason_edit", args=[cohort.pk, foreign.pk])
            ).status_code
            == 404
        )
    assert client.get(reverse("cohorts_desk_reasons", args=[other.pk])).status_code == 404
    assert client.get(reverse("reason_templates:index")).status_code in (302, 403)

    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert not ReasonTemplate.objects.filter(pk=mine.pk).exists()
    actions = set(
        ModelLogEntry.objects.filter(
            user=staff, action__startswith="cohorts.reason_template"
        ).values_list("action", flat=True)
    )
    assert actions == {
        "cohorts.reason_template.create",
        "cohorts.reason_template.edit",
        "cohorts.reason_template.delete",
    }


def test_programme_admins_keep_the_saved_reasons_for_every_cohort(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("reason_templates:add"),
        {"cohort": "", "title": "Not eligible", "decision": "reject", "text": "Sorry."},
    )
    assert response.status_code == 302
    assert ReasonTemplate.objects.get().cohort is None
