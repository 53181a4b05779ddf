"""“An accepted cohort member gets a place in each of the cohort's activities” holds: the cohort
admin refuses activities whose rules contradict the cohort's (fewer places, fewer per country,
narrower eligibility), an activity of a cohort cannot be edited into such rules, and the desk
warns before an acceptance that would still only waitlist someone for one of them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cohorts.models import Cohort, Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places import services
from tests.cohorts.desk.test_desk import messages_of, staff_of
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text
from tests.programmes.pages.test_admin_pages import activity_form

pytestmark = pytest.mark.django_db


def _visit(make_activity, **kwargs):
    starts = timezone.now() + timedelta(days=40)
    kwargs.setdefault("capacity", 12)
    kwargs.setdefault("places_per_country", 1)
    return make_activity(
        title="Study visit: crisis management in a capital city",
        slug="study-visit",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
        **kwargs,
    )


def _cohort_form(programme, activities, *, capacity="20", country_cap="2"):
    data = nested_form_data(
        {
            "programme": programme.pk,
            "title": "BEP 2026 — Finnish presidency",
            "slug": "bep-2026",
            "summary": "",
            "presidency_country": "FI",
            "time_zone": "",
            "starts_on": "2026-09-01",
            "ends_on": "2027-05-31",
            "staff_access_until": "",
            "enrolment_mode": "approval",
            "applications_open_at": "",
            "applications_close_at": "",
            "nomination_deadline": "",
            "capacity": capacity,
            "offer_hours": "72",
            "activities_required": "",
            "place_rules": inline_formset(
                [
                    {
                        "kind": "cap",
                        "attribute": "country",
                        "value": "",
                        "limit": country_cap,
                        "reserved_until": "",
                    }
                ]
                if country_cap
                else []
            ),
            "questions": inline_formset([]),
        }
    )
    data["activities"] = [str(a.pk) for a in activities]
    return data


def test_the_cohort_admin_refuses_activities_that_would_waitlist_members(
    client, programme, make_activity
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    visit = _visit(make_activity)  # 12 places, 1 per country
    narrow = make_activity(
        title="Youth rescue camp", slug="camp", capacity=None, sectors=["youth"], min_age=16
    )

    response = client.post(reverse("cohort_setup:add"), _cohort_form(programme, [visit, narrow]))

    assert response.status_code == 200
    text = visible_text(response)
    assert f"“{visit.title}” has 12 places, fewer than the cohort's 20" in text
    assert (
        f"“{visit.title}” takes 1 per country, but the cohort accepts up to 2 per country" in text
    )
    assert "“Youth rescue camp” is only for some sectors (Youth organisation" in text
    assert "“Youth rescue camp” has an age range" in text
    assert not Cohort.objects.exists()

    # Without a cap per country one country may take every place.
    visit.capacity, visit.places_per_country = 40, 2
    visit.save()
    response = client.post(
        reverse("cohort_setup:add"), _cohort_form(programme, [visit], country_cap="")
    )
    assert "the cohort has no limit per country, so one country may take all 20 places" in (
        visible_text(response)
    )

    # Rules that fit are accepted.
    visit.places_per_country = 3
    visit.save()
    response = client.post(reverse("cohort_setup:add"), _cohort_form(programme, [visit]))
    assert response.status_code == 302
    cohort = Cohort.objects.get()
    assert list(cohort.activities.all()) == [visit]
    # The time zone left empty is the presidency's.
    assert cohort.time_zone == "Europe/Helsinki"


def test_an_activity_of_a_cohort_cannot_be_edited_into_rules_that_contradict_it(
    client, make_cohort, make_activity
):
    visit = _visit(make_activity, capacity=30, places_per_country=3)
    cohort = make_cohort(capacity=20, country_cap=2)
    cohort.activities.set([visit])
    cohort.save()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("wagtailadmin_pages:edit", args=[visit.pk])
    data = activity_form(
        title=visit.title,
        slug=visit.slug,
        capacity="30",
        places_per_country="1",
        sectors=[],
        starts_at="2030-03-08 09:00",
        ends_at="2030-03-10 16:00",
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert f"In the cohort {cohort.title}: “{visit.title}” takes 1 per country" in (
        visible_text(response)
    )
    visit.refresh_from_db()
    assert visit.places_per_country == 3
    data = activity_form(
        title=visit.title,
        slug=visit.slug,
        capacity="30",
        places_per_country="2",
        sectors=[],
        starts_at="2030-03-08 09:00",
        ends_at="2030-03-10 16:00",
    )
    assert client.post(url, data).status_code == 302


def test_the_desk_warns_before_an_acceptance_that_would_waitlist_someone_for_an_activity(
    client, make_cohort, make_activity, make_person
):
    # Set up before the admin refused it: the desk is the second line of defence.
    visit = _visit(make_activity)
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL, capacity=20, country_cap=2)
    cohort.activities.set([visit])
    cohort.save()
    fins = [
        services.enrolment_apply(user=make_person("FI", full_name=name), cohort=cohort)
        for name in ("Aino Virtanen", "Eero Mäkinen")
    ]
    client.force_login(staff_of(cohort))
    data = {"enrolment": [e.pk for e in fins], "decision": "accept", "reason": ""}

    review = client.post(reverse("cohorts_desk_review", args=[cohort.pk]), data)
    text = visible_text(review)
    assert review.status_code == 200
    assert (
        f"Eero Mäkinen would be waitlisted for “{visit.title}”: the places for Finland are "
        "taken (1 of 1)." in text
    )
    assert "Aino Virtanen would be waitlisted" not in text
    assert set(Enrolment.objects.values_list("state", flat=True)) == {"submitted"}

    # Deciding without confirming goes back to the warning and changes nothing.
    again = client.post(reverse("cohorts_desk_decide", args=[cohort.pk]), data)
    assert again.status_code == 200
    assert "Nothing was decided yet" in visible_text(again)
    assert set(Enrolment.objects.values_list("state", flat=True)) == {"submitted"}

    confirmed = client.post(
        reverse("cohorts_desk_decide", args=[cohort.pk]),
        {**data, "acknowledge": "yes"},
        follow=True,
    )
    assert messages_of(confirmed) == ["Accepted 2."]
    assert {e.state for e in Enrolment.objects.filter(cohort=cohort)} == {EnrolmentState.ACCEPTED}
