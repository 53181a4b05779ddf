"""A cohort has its own time zone (the presidency's unless set), used for its deadlines and
offers on the cohort page, the offer page, My learning and in e-mails; activities keep their
venue's zone. Every zone is shown readably, never as an identifier like “Europe/Riga”."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import EnrolmentMode, EnrolmentState
from cohorts.places import services
from lms.models import OutgoingEmail
from tests.cohorts import consent_builders
from tests.cohorts.consent_builders import emails_to, hold_for_consent
from tests.cohorts.groups.test_consent_links import GUARDIAN
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

# The guardian-consent fixtures, used by name.
group = consent_builders.group
minor = consent_builders.minor

HELSINKI = re.compile(r"Helsinki time \(EES?T, UTC\+[23]\)")
RIGA = re.compile(r"Riga time \(EES?T, UTC\+[23]\)")
IDENTIFIER = re.compile(r"\b(Europe|Atlantic)/[A-Z]")


def test_the_cohort_zone_defaults_to_the_presidencys_and_can_be_set(make_cohort):
    assert make_cohort(presidency_country="LV").zone == "Europe/Riga"
    assert make_cohort(presidency_country="").zone == "Europe/Stockholm"
    assert make_cohort(presidency_country="LV", time_zone="Europe/Helsinki").zone == (
        "Europe/Helsinki"
    )


def test_cohort_page_offer_and_e_mails_use_the_cohorts_zone_readably(
    client, make_cohort, make_activity, make_person, django_capture_on_commit_callbacks
):
    starts = timezone.now() + timedelta(days=40)
    workshop = make_activity(
        title="Flood workshop", time_zone="Europe/Riga", starts_at=starts, ends_at=starts
    )
    cohort = make_cohort(
        presidency_country="FI",
        capacity=1,
        applications_close_at=timezone.now() + timedelta(days=20),
    )
    cohort.activities.set([workshop])
    cohort.save()

    page = visible_text(client.get(reverse("cohorts:cohort", args=[cohort.slug])))
    assert HELSINKI.search(page), page
    assert not IDENTIFIER.search(page)
    assert " CET" not in page

    holder, waiting = make_person("EE"), make_person("LV")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.enrolment_apply(user=holder, cohort=cohort)
        second = services.enrolment_apply(user=waiting, cohort=cohort)
    assert second.state == EnrolmentState.WAITLISTED
    accepted = OutgoingEmail.objects.get(recipient=holder.email, reason__contains="accepted")
    # The activity in its venue's zone, readably; the calendar names the cohort's zone.
    assert RIGA.search(accepted.body_text)
    assert not IDENTIFIER.search(accepted.body_text + accepted.body_html)
    assert "X-WR-TIMEZONE:Europe/Helsinki" in accepted.attachments[0]["content"]

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=first, actor=holder)
    offer = OutgoingEmail.objects.get(recipient=waiting.email, reason__contains="offered")
    assert HELSINKI.search(offer.body_text)
    assert not IDENTIFIER.search(offer.body_text + offer.body_html)
    client.force_login(waiting)
    for url in (reverse("cohorts:place", args=[second.pk]), reverse("my_learning")):
        text = visible_text(client.get(url))
        assert HELSINKI.search(text), url
        assert not IDENTIFIER.search(text)


def test_guardians_and_activity_pages_never_see_zone_identifiers(
    client, make_activity, group, minor
):
    exchange = make_activity(
        title="Baltic Youth Exchange: Liepāja", capacity=10, time_zone="Europe/Riga"
    )
    hold_for_consent(exchange, minor)
    [email] = emails_to(GUARDIAN)
    assert RIGA.search(email.body_text)
    assert not IDENTIFIER.search(email.body_text + email.body_html)

    page = client.get(exchange.url).content.decode()
    assert RIGA.search(page)
    assert not IDENTIFIER.search(page)


def test_nomination_deadlines_are_in_the_cohorts_zone(client, make_cohort, make_focal_point):
    cohort = make_cohort(
        presidency_country="FI",
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=timezone.now() + timedelta(days=10),
    )
    client.force_login(make_focal_point("LV"))
    text = visible_text(client.get(reverse("cohorts:nominate", args=[cohort.slug])))
    assert HELSINKI.search(text)
    assert not IDENTIFIER.search(text)
