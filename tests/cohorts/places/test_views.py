"""The participant's side of a cohort as people meet it: the public cohort page, applying (a place,
the waitlist or a decision to wait for), errors that keep what was typed, the status page with
the waitlist position, offers answered from the page or by the e-mail's link, withdrawing, the
programme page's list of open cohorts and My learning."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cohorts.errors import CohortsError
from cohorts.models import (
    ApplicationQuestion,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    RuleAttribute,
    RuleKind,
)
from cohorts.places import services
from cohorts.places.services import BUSY_MESSAGE
from tests.factories import UserFactory
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Commit, then run the events' handlers (waitlist promotion, e-mails) as a request would."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def cohort(make_cohort):
    cohort = make_cohort(
        title="BEP 2026 — Finnish presidency",
        slug="bep-2026",
        summary="A year of leadership training for senior civil-protection experts.",
        capacity=30,
        country_cap=2,
        applications_close_at=timezone.now() + timedelta(days=20),
    )
    ApplicationQuestion.objects.create(
        cohort=cohort, label="Why do you want to take part?", required=True, long_answer=True
    )
    ApplicationQuestion.objects.create(
        cohort=cohort, label="Your current role", required=False, long_answer=False
    )
    return cohort


def question_fields(cohort) -> tuple[str, str]:
    motivation, role = cohort.questions.order_by("pk")
    return motivation.field_name, role.field_name


def answered(cohort) -> dict:
    return {
        question.field_name: "Because floods cross borders." for question in cohort.questions.all()
    }


def apply_url(cohort) -> str:
    return reverse("cohorts:apply", args=[cohort.slug])


def place_url(enrolment) -> str:
    return reverse("cohorts:place", args=[enrolment.pk])


# --- The public cohort page -------------------------------------------------------------------


def test_cohort_page_shows_programme_presidency_dates_window_and_places_in_words(
    client, make_cohort
):
    cohort = make_cohort(
        slug="bep-2026",
        capacity=30,
        country_cap=2,
        rules=[
            {"kind": RuleKind.CAP, "attribute": RuleAttribute.ORGANISATION, "limit": 3},
            {
                "kind": RuleKind.MINIMUM,
                "attribute": RuleAttribute.SECTOR,
                "value": "municipal",
                "limit": 1,
            },
        ],
        applications_close_at=timezone.now() + timedelta(days=20),
    )

    response = client.get(reverse("cohorts:cohort", args=[cohort.slug]))

    assert response.status_code == 200
    text = visible_text(response)
    assert cohort.title in text
    assert "Baltic Excellence Programme" in text
    assert "Presidency Finland" in text
    assert "First come, first served" in text
    assert "Applications Open until" in text
    assert "30 places (30 still free)" in text
    assert "At most 2 per country" in text
    assert "At most 3 per organisation" in text
    assert "At least 1 kept for" in text
    login = reverse("login") + "?next=" + apply_url(cohort).replace("/", "%2F")
    assert f'href="{login}"' in response.content.decode()
    assert "Log in to apply" in text


def test_cohort_page_lists_its_modules_and_activities(client, cohort, make_activity):
    from tests.programmes.builders import ModulePageFactory

    module = ModulePageFactory(parent=cohort.programme, title="The Sendai Framework")
    activity = make_activity(title="Storm surge table-top in Rīga")
    make_activity(title="Not in this cohort")
    cohort.modules.add(module)
    cohort.activities.add(activity)
    cohort.save()

    text = visible_text(client.get(reverse("cohorts:cohort", args=[cohort.slug])))

    assert "The Sendai Framework" in text
    assert "Storm surge table-top in Rīga" in text
    assert "Not in this cohort" not in text


def test_unknown_cohort_is_a_404(client, db):
    assert client.get(reverse("cohorts:cohort", args=["no-such-cohort"])).status_code == 404
    assert client.get(reverse("cohorts:apply", args=["no-such-cohort"])).status_code == 302


def test_closed_cohort_offers_no_apply_button_and_refuses_applications(
    client, make_cohort, make_person
):
    cohort = make_cohort(applications_close_at=timezone.now() - timedelta(days=1))
    person = make_person("LV")
    client.force_login(person)

    page = client.get(reverse("cohorts:cohort", args=[cohort.slug]))
    form = visible_text(client.get(apply_url(cohort)))
    response = client.post(apply_url(cohort), {})

    assert "Applications Closed (closed on" in visible_text(page)
    assert f'href="{apply_url(cohort)}"' not in page.content.decode()
    assert "Applications for this cohort are not open" in form
    assert response.status_code == 200
    assert "Applications for this cohort are not open" in visible_text(response)
    assert not Enrolment.objects.filter(cohort=cohort).exists()


# --- Applying ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in_and_back(client, cohort):
    response = client.get(apply_url(cohort))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + apply_url(cohort)


def test_applying_to_an_open_cohort_gives_a_place_at_once(client, cohort, make_person):
    person = make_person("LV")
    client.force_login(person)
    motivation, role = question_fields(cohort)

    form = client.get(apply_url(cohort))
    response = client.post(
        apply_url(cohort), {motivation: "Floods cross borders; so must we.", role: "Head of unit"}
    )

    assert "Why do you want to take part?" in visible_text(form)
    assert "Country: Latvia" in visible_text(form)
    enrolment = Enrolment.objects.get(cohort=cohort, user=person)
    assert response.status_code == 302
    assert response["Location"] == place_url(enrolment)
    assert enrolment.state == EnrolmentState.ACCEPTED
    page = visible_text(client.get(place_url(enrolment)))
    assert "You have a place" in page
    assert "Floods cross borders; so must we." in page
    assert "Head of unit" in page


def test_when_my_country_is_full_i_am_told_my_place_on_the_waitlist(client, cohort, make_person):
    for _ in range(3):
        services.enrolment_apply(user=make_person("LV"), cohort=cohort, answers=answered(cohort))
    person = make_person("LV")
    client.force_login(person)
    motivation, _ = question_fields(cohort)

    response = client.post(apply_url(cohort), {motivation: "Please"}, follow=True)

    text = visible_text(response)
    assert "you are on the waitlist" in text
    assert "On the waitlist. You are number 2 on the waitlist." in text


def test_approval_cohort_keeps_the_application_for_staff(client, make_cohort, make_person):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    person = make_person("EE")
    client.force_login(person)

    response = client.post(apply_url(cohort), {}, follow=True)

    assert Enrolment.objects.get(cohort=cohort, user=person).state == EnrolmentState.SUBMITTED
    assert "Application received" in visible_text(response)


def test_a_missing_required_answer_is_shown_and_the_other_answers_are_kept(
    client, cohort, make_person
):
    client.force_login(make_person("LV"))
    motivation, role = question_fields(cohort)

    response = client.post(apply_url(cohort), {motivation: "  ", role: "Žydrūnas's deputy"})

    assert response.status_code == 200
    assert "This field is required" in visible_text(response)
    assert "Žydrūnas&#x27;s deputy" in response.content.decode()
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_without_a_country_the_form_says_so_links_the_profile_and_keeps_answers(
    client, cohort, make_person
):
    person = make_person("LV")
    person.profile.country = ""
    person.profile.save()
    client.force_login(person)
    motivation, _ = question_fields(cohort)

    response = client.post(apply_url(cohort), {motivation: "Storm surges in Pärnu"})

    text = visible_text(response)
    assert "Please add your country to your profile first" in text
    assert f'href="{reverse("profile")}"' in response.content.decode()
    assert "Storm surges in Pärnu" in response.content.decode()
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_a_busy_database_becomes_a_retry_message_with_answers_kept(
    client, cohort, make_person, monkeypatch
):
    def busy(**kwargs):
        raise CohortsError("busy", BUSY_MESSAGE)

    monkeypatch.setattr("cohorts.places.views.apply.enrolment_apply", busy)
    client.force_login(make_person("LV"))
    motivation, _ = question_fields(cohort)

    response = client.post(apply_url(cohort), {motivation: "Þórunn sent me"})

    assert response.status_code == 200
    assert "please try again" in visible_text(response)
    assert "Þórunn sent me" in response.content.decode()


def test_applying_twice_shows_the_place_i_already_have(client, cohort, make_person):
    person = make_person("LV")
    enrolment = services.enrolment_apply(user=person, cohort=cohort, answers=answered(cohort))
    client.force_login(person)
    motivation, _ = question_fields(cohort)

    assert client.get(apply_url(cohort))["Location"] == place_url(enrolment)
    response = client.post(apply_url(cohort), {motivation: "again"})

    assert response["Location"] == place_url(enrolment)
    assert Enrolment.objects.filter(cohort=cohort).count() == 1


def test_the_cohort_page_shows_my_status_instead_of_the_apply_button(client, cohort, make_person):
    person = make_person("LV")
    enrolment = services.enrolment_apply(user=person, cohort=cohort, answers=answered(cohort))
    client.force_login(person)

    response = client.get(reverse("cohorts:cohort", args=[cohort.slug]))

    text = visible_text(response)
    assert "Your place You have a place." in text
    assert f'href="{place_url(enrolment)}"' in response.content.decode()
    assert f'href="{apply_url(cohort)}"' not in response.content.decode()


def test_an_application_without_its_csrf_token_is_refused(cohort, make_person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_person("LV"))
    motivation, _ = question_fields(cohort)

    response = browser.post(apply_url(cohort), {motivation: "x"})

    assert response.status_code == 403
    assert not Enrolment.objects.filter(cohort=cohort).exists()


# --- My place ---------------------------------------------------------------------------------


def test_my_place_is_mine_only(client, cohort, make_person):
    enrolment = services.enrolment_apply(
        user=make_person("LV"), cohort=cohort, answers=answered(cohort)
    )

    anonymous = client.get(place_url(enrolment))
    client.force_login(make_person("LV"))
    other = client.get(place_url(enrolment))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    superuser = client.get(place_url(enrolment))

    assert anonymous.status_code == 302
    assert other.status_code == 404
    assert superuser.status_code == 404
    for action in ("cohorts:withdraw", "cohorts:place_offer", "cohorts:place_confirm"):
        response = client.post(
            reverse(action, args=[enrolment.pk]), {"confirm": "yes", "answer": "decline"}
        )
        assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ACCEPTED


def test_a_rejection_shows_the_reason(client, make_cohort, make_person, staff):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    person = make_person("PL")
    enrolment = services.enrolment_apply(user=person, cohort=cohort)
    services.enrolment_decide(
        enrolment_ids=[enrolment.pk],
        decision="reject",
        reason="This edition is for senior officers.",
        actor=staff,
    )
    client.force_login(person)

    text = visible_text(client.get(place_url(enrolment)))

    assert "Not accepted" in text
    assert "Reason given: This edition is for senior officers." in text
    assert "Withdraw" not in text


def test_withdrawing_asks_first_then_frees_the_place_for_the_next_person(
    client, make_cohort, make_person, django_capture_on_commit_callbacks
):
    cohort = make_cohort(capacity=1)
    first, second = make_person("LV"), make_person("EE")
    mine = services.enrolment_apply(user=first, cohort=cohort)
    waiting = services.enrolment_apply(user=second, cohort=cohort)
    client.force_login(first)
    url = reverse("cohorts:withdraw", args=[mine.pk])

    page = client.get(place_url(mine))
    confirm = client.get(url)
    unconfirmed = client.post(url, {})
    mine.refresh_from_db()
    assert mine.state == EnrolmentState.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "yes"}, follow=True)

    assert f'href="{url}"' in page.content.decode()
    assert "Withdraw from" in visible_text(confirm) and "Yes, withdraw" in visible_text(confirm)
    assert "Yes, withdraw" in visible_text(unconfirmed)
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.state == EnrolmentState.WITHDRAWN
    assert waiting.state == EnrolmentState.OFFERED
    assert "You have withdrawn" in visible_text(response)
    assert client.get(url)["Location"] == place_url(mine), "nothing left to withdraw from"


def test_an_offer_is_accepted_from_the_status_page(client, make_cohort, make_person, run):
    cohort = make_cohort(capacity=1)
    first, second = make_person("LV"), make_person("EE")
    taken = services.enrolment_apply(user=first, cohort=cohort)
    waiting = services.enrolment_apply(user=second, cohort=cohort)
    run(services.enrolment_withdraw, enrolment=taken, actor=first)
    client.force_login(second)

    page = visible_text(client.get(place_url(waiting)))
    response = client.post(
        reverse("cohorts:place_offer", args=[waiting.pk]), {"answer": "accept"}, follow=True
    )

    assert "A place is offered to you. Accept it by" in page
    assert "Accept the place" in page and "Decline the offer" in page
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.ACCEPTED
    assert "You have accepted your place" in visible_text(response)


def test_an_offer_needs_a_post(client, make_cohort, make_person, run):
    cohort = make_cohort(capacity=1)
    first, second = make_person("LV"), make_person("EE")
    taken = services.enrolment_apply(user=first, cohort=cohort)
    waiting = services.enrolment_apply(user=second, cohort=cohort)
    run(services.enrolment_withdraw, enrolment=taken, actor=first)
    client.force_login(second)

    assert client.get(reverse("cohorts:place_offer", args=[waiting.pk])).status_code == 405
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED


# --- The offer e-mail's link ------------------------------------------------------------------


@pytest.fixture
def offered(make_cohort, make_person, run):
    """A cohort of one place: the first person withdrew, the second is offered the place."""
    cohort = make_cohort(capacity=1, offer_hours=48)
    first, second, third = make_person("LV"), make_person("EE"), make_person("FI")
    taken = services.enrolment_apply(user=first, cohort=cohort)
    waiting = services.enrolment_apply(user=second, cohort=cohort)
    last = services.enrolment_apply(user=third, cohort=cohort)
    run(services.enrolment_withdraw, enrolment=taken, actor=first)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED
    token = services.offer_token_issue(enrolment=waiting)
    return waiting, last, reverse("cohorts:offer", args=[token])


def test_the_offer_link_works_without_logging_in_and_accepts(client, offered):
    waiting, _, url = offered

    page = client.get(url)
    response = client.post(url, {"answer": "accept"})

    assert page.status_code == 200
    assert "it is offered to you" in visible_text(page)
    assert page["Referrer-Policy"] == "same-origin"
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.ACCEPTED
    # A logged-out person sees their answer confirmed, not a login form.
    assert response.status_code == 200
    assert "Place accepted. You have accepted your place" in visible_text(response)
    assert "Log in" not in visible_text(response).split("Place accepted")[1]
    assert response["Referrer-Policy"] == "same-origin"
    assert f'href="{place_url(waiting)}"' in response.content.decode()


def test_declining_by_link_logged_out_confirms_the_answer_on_the_page(client, offered):
    waiting, _, url = offered

    response = client.post(url, {"answer": "decline"})

    assert response.status_code == 200
    assert "Offer declined. You have declined the place" in visible_text(response)
    assert "Accept the place" not in visible_text(response)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.WITHDRAWN


def test_a_used_offer_link_gives_a_clear_page(client, offered):
    _, _, url = offered
    client.post(url, {"answer": "accept"})

    again = client.get(url)
    repost = client.post(url, {"answer": "decline"})

    assert again.status_code == 404
    assert "This link no longer works" in visible_text(again)
    assert repost.status_code == 404


def test_declining_by_link_passes_the_place_on(client, offered, django_capture_on_commit_callbacks):
    waiting, last, url = offered

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"answer": "decline"})

    waiting.refresh_from_db()
    last.refresh_from_db()
    assert waiting.state == EnrolmentState.WITHDRAWN
    assert last.state == EnrolmentState.OFFERED


def test_an_expired_offer_link_says_so_and_accepts_nothing(client, offered):
    waiting, _, url = offered
    Enrolment.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )

    page = client.get(url)
    client.post(url, {"answer": "accept"})

    assert page.status_code == 200
    assert "This offer expired on" in visible_text(page)
    assert "Accept the place" not in visible_text(page)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300, "Žydrūnas"])
def test_unknown_offer_links_give_a_clear_page(client, db, token):
    response = client.get(reverse("cohorts:offer", args=[token]))

    assert response.status_code == 404
    assert "This link no longer works" in visible_text(response)


def test_a_bad_answer_on_the_offer_page_changes_nothing(client, offered):
    waiting, _, url = offered

    response = client.post(url, {"answer": "maybe"})

    assert response.status_code == 200
    assert "Choose whether to accept or decline" in visible_text(response)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.OFFERED


# --- The programme page and My learning -------------------------------------------------------


def test_the_programme_page_lists_open_and_coming_cohorts(client, make_cohort, programme):
    today = timezone.localdate()
    make_cohort(
        title="BEP 2026 — open now", applications_close_at=timezone.now() + timedelta(days=1)
    )
    make_cohort(
        title="BEP 2027 — nominations",
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=timezone.now() + timedelta(days=5),
    )
    make_cohort(
        title="BEP 2025 — over",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=30),
    )
    make_cohort(
        title="BEP 2024 — running, closed",
        starts_on=today - timedelta(days=10),
        applications_close_at=timezone.now() - timedelta(days=20),
    )

    text = visible_text(client.get(programme.url))

    assert "Editions and cohorts" in text
    assert "BEP 2026 — open now" in text and "Applications open" in text
    assert "BEP 2027 — nominations" in text and "Nominations by national focal points" in text
    assert "BEP 2025 — over" not in text
    assert "BEP 2024 — running, closed" not in text


def test_a_new_cohort_appears_on_the_cached_programme_page(client, make_cohort, programme):
    first = client.get(programme.url)
    cached = client.get(programme.url)

    make_cohort(title="BEP 2028 — Polish presidency")
    fresh = client.get(programme.url)

    assert cached["X-Page-Cache"] == "hit"
    assert "BEP 2028" not in visible_text(first)
    assert "BEP 2028 — Polish presidency" in visible_text(fresh)


def test_the_programme_page_tells_a_logged_in_person_their_place(
    client, cohort, make_person, programme
):
    person = make_person("LV")
    services.enrolment_apply(user=person, cohort=cohort, answers=answered(cohort))
    client.force_login(person)

    assert "Your place: accepted" in visible_text(client.get(programme.url))


def test_my_learning_shows_my_cohorts_with_waitlist_position_and_offers(
    client, make_cohort, make_person, run
):
    full = make_cohort(title="BEP 2026 — Finnish presidency", capacity=1)
    offering = make_cohort(title="BEP 2027 — Latvian presidency", capacity=1)
    person = make_person("LV")
    services.enrolment_apply(user=make_person("EE"), cohort=full)
    waitlisted = services.enrolment_apply(user=person, cohort=full)
    holder = make_person("EE")
    held = services.enrolment_apply(user=holder, cohort=offering)
    offer = services.enrolment_apply(user=person, cohort=offering)
    run(services.enrolment_withdraw, enrolment=held, actor=holder)
    client.force_login(person)

    response = client.get(reverse("my_learning"))

    text = visible_text(response)
    content = response.content.decode()
    assert "My cohorts" in text
    assert "BEP 2026 — Finnish presidency" in text
    assert "Waitlisted · number 1 on the waitlist" in text
    assert "A place is offered to you in BEP 2027 — Latvian presidency." in text
    assert "Offered a place · answer by" in text
    assert f'href="{place_url(waitlisted)}"' in content
    assert f'href="{place_url(offer)}"' in content
