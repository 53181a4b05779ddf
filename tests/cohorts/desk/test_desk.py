"""The cohort desk in the Wagtail admin: presidency staff review, decide, follow places and the
waitlist for their own cohort only; programme admins set cohorts up."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cohorts.models import (
    ApplicationQuestion,
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    RuleAttribute,
    RuleKind,
)
from cohorts.places import services
from lms.models import Sector
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- helpers shared by the desk, import and export tests --------------------------------------


def staff_of(cohort, **profile) -> "UserFactory":
    """A member of the presidency staff of `cohort`: in its staff group and nothing else."""
    group = services.cohort_staff_group_ensure(cohort=cohort)
    person = UserFactory(**{f"profile__{k}": v for k, v in profile.items()})
    person.groups.add(group)
    return person


def messages_of(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def desk(cohort) -> str:
    return reverse("cohorts_desk", args=[cohort.pk])


@pytest.fixture
def approval_cohort(make_cohort):
    cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL, capacity=10, country_cap=2)
    ApplicationQuestion.objects.create(cohort=cohort, label="Why do you want to take part?")
    return cohort


@pytest.fixture
def apply(make_person):
    def apply(cohort, country="FI", *, sector=Sector.FIRE_RESCUE, name=None, motivation="To learn"):
        person = make_person(country, sector=sector, **({"full_name": name} if name else {}))
        answers = {q.field_name: motivation for q in cohort.questions.all()}
        return services.enrolment_apply(user=person, cohort=cohort, answers=answers)

    return apply


# --- the desk pages ---------------------------------------------------------------------------


def test_staff_see_their_cohorts_and_the_applications(client, approval_cohort, apply):
    jan = apply(approval_cohort, "LV", name="Jānis Bērziņš", motivation="Flood response")
    apply(approval_cohort, "FI", sector=Sector.POLICE, name="Õie Täht")
    client.force_login(staff_of(approval_cohort))

    index = client.get(reverse("cohorts_desk_index"))
    assert index.status_code == 200
    assert approval_cohort.title in index.content.decode()

    page = client.get(desk(approval_cohort))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jānis Bērziņš" in html and "Õie Täht" in html
    assert jan.user.email in html
    assert "Why do you want to take part?" in html and "Flood response" in html
    assert "<details>" in html, "answers are folded away until opened"
    assert 'class="desk-scroll"' in html, "tables scroll sideways on a phone"
    assert "Cohort desk" in html, "the admin menu shows the desk"


def test_filters_by_country_sector_status_and_text(client, approval_cohort, apply):
    jan = apply(approval_cohort, "LV", name="Jānis Bērziņš")
    oie = apply(approval_cohort, "FI", sector=Sector.POLICE, name="Õie Täht")
    soren = apply(approval_cohort, "DK", name="Søren Ærø")
    services.enrolment_decide(enrolment_ids=[soren.pk], decision="reject", actor=None)
    client.force_login(staff_of(approval_cohort))

    def names(**query) -> set[str]:
        response = client.get(desk(approval_cohort), query)
        assert response.status_code == 200
        return {e.user.get_full_name() for e in response.context["page_obj"].object_list}

    assert names() == {"Jānis Bērziņš", "Õie Täht", "Søren Ærø"}
    assert names(country="FI") == {"Õie Täht"}
    assert names(sector=Sector.POLICE) == {"Õie Täht"}
    assert names(state=EnrolmentState.REJECTED) == {"Søren Ærø"}
    assert names(q=jan.user.email.upper()) == {"Jānis Bērziņš"}
    assert names(q="Täht") == {"Õie Täht"}
    assert names(country="LV", state="submitted") == {"Jānis Bērziņš"}
    # A hand-edited address is ignored, not an error.
    assert names(country="ZZ", sector="<x>", state="nonsense", p="-1") == {
        "Jānis Bērziņš",
        "Õie Täht",
        "Søren Ærø",
    }
    assert oie.pk


def test_bulk_accept_reports_each_row_and_is_audited(client, approval_cohort, apply):
    fins = [apply(approval_cohort, "FI", name=name) for name in ("Aino", "Eero", "Lauri Ärmä")]
    latvian = apply(approval_cohort, "LV", name="Jānis Bērziņš")
    client.force_login(staff := staff_of(approval_cohort, full_name="Õie Täht"))

    response = client.post(
        reverse("cohorts_desk_decide", args=[approval_cohort.pk]),
        {
            "enrolment": [str(e.pk) for e in [*fins, latvian]],
            "decision": "accept",
            "reason": "Welcome to BEP!",
            "country": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert messages_of(response) == [
        "Accepted 3; 1 not accepted: Lauri Ärmä — the places for Finland are taken (2 of 2)."
    ]
    states = {e.user.get_full_name(): e.state for e in Enrolment.objects.all()}
    assert states == {
        "Aino": "accepted",
        "Eero": "accepted",
        "Lauri Ärmä": "submitted",
        "Jānis Bērziņš": "accepted",
    }
    entries = ModelLogEntry.objects.filter(action="cohorts.enrolment.accept")
    assert entries.count() == 3
    assert {entry.user for entry in entries} == {staff}
    assert {entry.data["reason"] for entry in entries} == {"Welcome to BEP!"}
    # The desk shows the audit trail.
    html = response.content.decode()
    assert html.count("Welcome to BEP!") >= 3
    assert "Accepted" in html


def test_bulk_waitlist_and_reject_with_reason(client, approval_cohort, apply):
    first, second = apply(approval_cohort, "EE"), apply(approval_cohort, "PL")
    client.force_login(staff_of(approval_cohort))
    url = reverse("cohorts_desk_decide", args=[approval_cohort.pk])

    client.post(url, {"enrolment": [first.pk], "decision": "waitlist"})
    response = client.post(
        url, {"enrolment": [second.pk], "decision": "reject", "reason": "Not eligible"}
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == EnrolmentState.WAITLISTED
    assert (second.state, second.decision_reason) == ("rejected", "Not eligible")
    again = client.post(url, {"enrolment": [second.pk], "decision": "reject"}, follow=True)
    assert messages_of(again)[-1] == "1 already rejected."


def test_bulk_decisions_refuse_junk_without_changing_anything(
    client, approval_cohort, apply, make_cohort
):
    mine = apply(approval_cohort, "FI")
    other_cohort = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    theirs = apply(other_cohort, "FI")
    client.force_login(staff_of(approval_cohort))
    url = reverse("cohorts_desk_decide", args=[approval_cohort.pk])

    empty = client.post(url, {"decision": "accept"}, follow=True)
    assert messages_of(empty) == ["Select at least one person first."]

    foreign = client.post(
        url, {"enrolment": [mine.pk, theirs.pk], "decision": "accept"}, follow=True
    )
    assert "no longer in this cohort" in messages_of(foreign)[0]

    for junk in (
        {"enrolment": ["x", "-1", "99999999999999999999999"], "decision": "accept"},
        {"enrolment": [mine.pk], "decision": "<script>"},
        {"enrolment": [mine.pk], "decision": "accept", "reason": "x" * 5000},
        {},
    ):
        assert client.post(url, junk).status_code == 302
    assert client.get(url).status_code == 405
    assert set(Enrolment.objects.values_list("state", flat=True)) == {"submitted"}
    assert not ModelLogEntry.objects.filter(action__startswith="cohorts.enrolment.").exists()


def test_places_table_counts_against_the_rules(client, make_cohort, apply):
    cohort = make_cohort(
        enrolment_mode=EnrolmentMode.APPROVAL,
        capacity=6,
        country_cap=2,
        rules=[
            {
                "kind": RuleKind.MINIMUM,
                "attribute": RuleAttribute.SECTOR,
                "value": Sector.MUNICIPALITY,
                "limit": 1,
            }
        ],
    )
    accepted = [apply(cohort, "FI"), apply(cohort, "FI"), apply(cohort, "LV")]
    services.enrolment_decide(enrolment_ids=[e.pk for e in accepted], decision="accept", actor=None)
    waiting = apply(cohort, "FI")
    services.enrolment_decide(enrolment_ids=[waiting.pk], decision="waitlist", actor=None)
    apply(cohort, "LV")
    client.force_login(staff_of(cohort))

    response = client.get(desk(cohort))

    by_country = {row.label: row for row in response.context["places_by_country"]}
    assert (by_country["Finland"].holding, by_country["Finland"].waitlisted) == (2, 1)
    assert by_country["Finland"].cap == 2 and by_country["Finland"].status == "Full"
    assert (by_country["Latvia"].holding, by_country["Latvia"].submitted) == (1, 1)
    assert by_country["Latvia"].status == "1 left"
    by_sector = {row.label: row for row in response.context["places_by_sector"]}
    assert by_sector["Municipality"].holding == 0
    assert by_sector["Municipality"].status == "Minimum short by 1"
    assert by_sector["Fire and rescue"].holding == 3
    html = response.content.decode()
    assert "3 of 6</strong> places taken" in html
    assert "Minimum short by 1" in html and "Full" in html


def test_waitlist_in_order_with_skipped_reasons_and_promotion(client, make_cohort, make_person):
    cohort = make_cohort(capacity=3, country_cap=2)
    people = [make_person(c) for c in ("FI", "FI", "LV", "FI", "LV")]
    places = [services.enrolment_apply(user=p, cohort=cohort) for p in people]
    assert [p.state for p in places] == ["accepted"] * 3 + ["waitlisted"] * 2
    # A place frees; the event handler would promote, the desk button does it at once.
    services.enrolment_withdraw(enrolment=places[2], actor=people[2])
    client.force_login(staff_of(cohort))

    response = client.post(reverse("cohorts_desk_promote", args=[cohort.pk]), follow=True)

    name = people[4].get_full_name()
    assert messages_of(response) == [f"Offered a place to 1 person: {name}."]
    places[4].refresh_from_db()
    assert places[4].state == EnrolmentState.OFFERED
    waitlist = response.context["waitlist"]
    assert [(pos, e.pk) for pos, e in waitlist] == [(1, places[3].pk)]
    assert waitlist[0][1].skipped_reason == "Skipped: the places for Finland are taken (2 of 2)"
    assert "Skipped: the places for Finland are taken (2 of 2)" in response.content.decode()

    nothing = client.post(reverse("cohorts_desk_promote", args=[cohort.pk]), follow=True)
    assert messages_of(nothing)[0].startswith("No place could be offered")


def test_audit_log_lists_the_cohorts_decisions_only(client, approval_cohort, apply, make_cohort):
    mine = apply(approval_cohort, "FI", name="Aino")
    other = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL)
    theirs = apply(other, "FI", name="Toinen Henkilö")
    services.enrolment_decide(enrolment_ids=[mine.pk], decision="reject", reason="Late", actor=None)
    services.enrolment_decide(
        enrolment_ids=[theirs.pk], decision="reject", reason="Secret", actor=None
    )
    client.force_login(staff_of(approval_cohort))

    html = client.get(desk(approval_cohort)).content.decode()

    assert "Late" in html
    assert "Secret" not in html and "Toinen Henkilö" not in html


# --- permissions ------------------------------------------------------------------------------


@pytest.fixture
def two_cohorts(make_cohort, apply):
    ours = make_cohort(enrolment_mode=EnrolmentMode.APPROVAL, title="BEP 2026 — Finnish presidency")
    theirs = make_cohort(
        enrolment_mode=EnrolmentMode.APPROVAL, title="BEP 2027 — Polish presidency"
    )
    return ours, theirs, apply(ours, "FI"), apply(theirs, "PL", name="Małgorzata Wąsowska")


def test_staff_of_one_cohort_cannot_see_or_change_another(client, two_cohorts):
    ours, theirs, _, their_application = two_cohorts
    staff_of(theirs)
    client.force_login(staff_of(ours))
    pk = theirs.pk

    index = client.get(reverse("cohorts_desk_index")).content.decode()
    assert ours.title in index and theirs.title not in index
    for name in (
        "cohorts_desk",
        "cohorts_desk_export_csv",
        "cohorts_desk_export_xlsx",
        "cohorts_desk_import",
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    for name in ("cohorts_desk_decide", "cohorts_desk_promote", "cohorts_desk_import"):
        response = client.post(
            reverse(name, args=[pk]),
            {"enrolment": [their_application.pk], "decision": "reject", "mode": "all"},
        )
        assert response.status_code == 404, name
    their_application.refresh_from_db()
    assert their_application.state == EnrolmentState.SUBMITTED
    assert client.get(reverse("cohorts_desk", args=[999999])).status_code == 404
    # Nor the set-up of cohorts, which is for programme admins.
    assert client.get(reverse("cohort_setup:index")).status_code == 302
    assert client.get(reverse("cohort_setup:edit", args=[pk])).status_code == 302


def test_staff_rights_end_after_the_edition(client, make_cohort):
    today = timezone.localdate()
    ended = make_cohort(
        starts_on=today - dt.timedelta(days=200),
        ends_on=today - dt.timedelta(days=100),
        staff_access_until=today - dt.timedelta(days=1),
    )
    client.force_login(staff_of(ended))

    assert client.get(desk(ended)).status_code == 404
    index = client.get(reverse("cohorts_desk_index"))
    assert index.status_code == 302, "no cohort left to manage: back to the dashboard"
    assert "Cohort desk" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_anonymous_and_participants_are_sent_to_log_in(client, two_cohorts):
    ours = two_cohorts[0]
    for url in (reverse("cohorts_desk_index"), desk(ours)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    # A logged-in participant is told the admin is not for them (a login page would send them
    # straight back), and nothing is decided.
    client.force_login(UserFactory())
    response = client.post(reverse("cohorts_desk_decide", args=[ours.pk]), {"decision": "accept"})
    assert response.status_code == 403
    assert "No access to the admin" in response.content.decode()


def test_programme_admins_manage_every_cohort(client, two_cohorts):
    ours, theirs, *_ = two_cohorts
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(desk(ours)).status_code == 200
    assert client.get(desk(theirs)).status_code == 200
    index = client.get(reverse("cohorts_desk_index")).content.decode()
    assert ours.title in index and theirs.title in index


# --- cohort set-up ----------------------------------------------------------------------------


def test_programme_admin_creates_a_cohort_with_rules_and_its_staff_group(client, programme):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("cohort_setup:add")).status_code == 200

    response = client.post(
        reverse("cohort_setup:add"),
        nested_form_data(
            {
                "programme": programme.pk,
                "title": "BEP 2026 — Finnish presidency",
                "slug": "bep-2026",
                "summary": "Leadership in civil protection.",
                "presidency_country": "FI",
                "starts_on": "2026-09-01",
                "ends_on": "2027-05-31",
                "staff_access_until": "",
                "enrolment_mode": "approval",
                "applications_open_at": "",
                "applications_close_at": "",
                "nomination_deadline": "",
                "capacity": "30",
                "offer_hours": "72",
                "activities_required": "",
                "place_rules": inline_formset(
                    [
                        {
                            "kind": "cap",
                            "attribute": "country",
                            "value": "",
                            "limit": "2",
                            "reserved_until": "",
                        }
                    ]
                ),
                "questions": inline_formset(
                    [
                        {
                            "label": "Motivation",
                            "help_text": "",
                            "required": "on",
                            "long_answer": "on",
                        }
                    ]
                ),
            }
        ),
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    cohort = Cohort.objects.get(slug="bep-2026")
    assert cohort.place_rules.get().limit == 2
    assert cohort.questions.get().label == "Motivation"
    assert cohort.staff_group is not None
    assert cohort.staff_group.permissions.filter(codename="access_admin").exists()
    assert ModelLogEntry.objects.filter(
        action="wagtail.create", object_id=str(cohort.pk), user=admin
    ).exists()
    # Staff added to the group find the cohort on their desk.
    person = UserFactory()
    person.groups.add(cohort.staff_group)
    client.force_login(person)
    assert client.get(desk(cohort)).status_code == 200
    assert "Cohort desk" in client.get(reverse("wagtailadmin_home")).content.decode()


def test_focal_points_are_set_up_by_programme_admins(client, programme):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    person = UserFactory(profile__country="EE")
    response = client.post(
        reverse("focal_points:add"),
        {"user": person.pk, "country": "EE", "programme": programme.pk},
    )
    assert response.status_code == 302
    assert person.focal_points.get().country == "EE"
    assert client.get(reverse("focal_points:index")).status_code == 200


def test_no_desk_address_fails_on_junk(client, approval_cohort, apply):
    from tests.lms.test_urls_junk import JUNK_FORM, JUNK_QUERIES

    apply(approval_cohort, "FI", name="Žydrūnas Šimkus")
    client.raise_request_exception = False
    names = [
        "cohorts_desk",
        "cohorts_desk_decide",
        "cohorts_desk_promote",
        "cohorts_desk_export_csv",
        "cohorts_desk_export_xlsx",
        "cohorts_desk_import",
    ]
    for who in (staff_of(approval_cohort), UserFactory(is_staff=True, is_superuser=True)):
        client.force_login(who)
        for name in names:
            url = reverse(name, args=[approval_cohort.pk])
            for query in ["", *JUNK_QUERIES, "?country=FI&state=submitted&p=99999"]:
                assert client.get(url + query).status_code < 500, (name, query)
            assert client.post(url, JUNK_FORM).status_code < 500, name
        assert client.get(reverse("cohorts_desk_index") + JUNK_QUERIES[1]).status_code == 200


def test_cohort_set_up_forms_do_not_fail_on_junk(client, approval_cohort):
    from tests.lms.test_urls_junk import JUNK_FORM

    client.raise_request_exception = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (
        reverse("cohort_setup:add"),
        reverse("cohort_setup:edit", args=[approval_cohort.pk]),
        reverse("focal_points:add"),
    ):
        assert client.get(url).status_code == 200
        assert client.post(url, JUNK_FORM).status_code == 200
    assert client.get(reverse("cohort_setup:index")).status_code == 200
