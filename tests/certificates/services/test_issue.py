"""Issuing certificates through the real services, handlers and jobs (run inline): which template
applies, what is printed (read back from the PDF), exactly one certificate and one e-mail however
often an event is delivered, revoking and reissuing, bulk issue for a cohort and the sweeper."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_q.conf import Conf
from wagtail.models import ModelLogEntry

from certificates import handlers
from certificates.errors import CertificatesError
from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
)
from certificates.services import (
    certificate_issue,
    certificate_reissue,
    certificate_render,
    certificate_revoke,
    certificate_template_for,
    certificates_bulk_render,
    certificates_bulk_request,
    certificates_bulk_run,
    certificates_sweep,
)
from certificates.verify.codes import code_is_wellformed
from cohorts.models import ActivitySession, EnrolmentState
from cohorts.places import services as cohort_services
from lms.events import emit, event_dispatch
from lms.models import Delivery, Event, OutgoingEmail
from programmes.progress import services as programme_services
from tests.certificates.issuing import (  # noqa: F401 (fixture)
    LATVIAN,
    certificate_events,
    completed_in,
    emails_to,
    events_named,
    make_template,
    pdf_bytes,
    pdf_text,
    place_at,
    private_files_in_tmp,
)
from tests.programmes.builders import ModulePageFactory, local

pytestmark = pytest.mark.django_db

PROGRAMME = CertificateKind.PROGRAMME
ACTIVITY = CertificateKind.ACTIVITY
MODULE = CertificateKind.MODULE
MANUAL = CertificateSource.MANUAL
AUTOMATIC = CertificateSource.AUTOMATIC


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service the way a request does: commit, then the jobs and handlers it queued."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Emit an event as another app's service does, then let it be dispatched."""

    def call(name: str, *, key: str, payload: dict) -> Event:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                return emit(name, key=key, payload=payload)

    return call


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(
        title="BEP 2026 — Finnish presidency",
        slug="bep-2026-fi",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 9, 30),
        presidency_country="FI",
    )


@pytest.fixture
def person(make_person):
    return make_person("LV", full_name="Jānis Bērziņš", preferred_language="lv")


def in_latvian(message: str, **params: str) -> str:
    """What the holder, who reads Latvian, is sent: the catalogue's words for `message`."""
    with translation.override("lv"):
        return gettext(message) % params


def certificate_mails(title: str) -> list:
    """The certificate e-mails delivered (the cohort's own completion e-mail goes too)."""
    subject = in_latvian("Your certificate: %(title)s", title=title)
    return [m for m in mail.outbox if m.subject == subject]


def fresh(certificate: Certificate) -> Certificate:
    return Certificate.objects.get(pk=certificate.pk)


# --- which template applies -------------------------------------------------------------------


def test_the_most_specific_active_template_applies(cohort, make_cohort, make_programme, programme):
    other = make_cohort(title="BEP 2027 — Polish presidency", slug="bep-2027-pl")
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) is None

    everywhere = make_template(PROGRAMME, name="Any programme")
    make_template(ACTIVITY, name="Any activity")
    make_template(PROGRAMME, name="NEEDS", programme=make_programme(title="NEEDS", slug="needs"))
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) == everywhere

    bep = make_template(PROGRAMME, name="BEP", programme=programme)
    # Chosen for another cohort only: not a programme-wide template.
    make_template(PROGRAMME, name="BEP 2027 only", programme=programme, cohorts=[other])
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) == bep

    chosen = make_template(PROGRAMME, name="BEP 2026 only", cohorts=[cohort])
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) == chosen
    assert certificate_template_for(kind=PROGRAMME, cohort=other).name == "BEP 2027 only"

    chosen.active = False
    chosen.save()
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) == bep


def test_automatic_issue_needs_the_deciding_template_to_issue_automatically(cohort, programme):
    make_template(PROGRAMME, name="Any programme", auto_issue=True)
    by_hand = make_template(PROGRAMME, name="BEP by hand", programme=programme, auto_issue=False)

    assert certificate_template_for(kind=PROGRAMME, cohort=cohort) == by_hand
    # The programme's own "staff issue by hand" is not bypassed by the general template.
    assert certificate_template_for(kind=PROGRAMME, cohort=cohort, automatic=True) is None


def test_activities_and_modules_find_their_programme_through_the_page_tree(
    make_activity, make_programme, programme
):
    activity = make_activity()
    module = ModulePageFactory(parent=programme)
    elsewhere = make_programme(title="Secure Kids", slug="secure-kids")
    make_template(ACTIVITY, name="Secure Kids activities", programme=elsewhere)
    assert certificate_template_for(kind=ACTIVITY, activity=activity) is None

    for_activities = make_template(ACTIVITY, name="BEP activities", programme=programme)
    for_module = make_template(MODULE, name="Chosen module", modules=[module], auto_issue=False)
    assert certificate_template_for(kind=ACTIVITY, activity=activity) == for_activities
    assert certificate_template_for(kind=MODULE, module=module) == for_module
    assert certificate_template_for(kind=MODULE, module=module, automatic=True) is None
    with pytest.raises(CertificatesError) as wrong:
        certificate_template_for(kind=MODULE, activity=activity)
    assert wrong.value.code == "wrong_kind"


# --- staff issue: what is printed -------------------------------------------------------------


def test_staff_issue_prints_the_profile_name_details_and_code(run, cohort, person, staff):
    completed_in(cohort, person)
    make_template(
        PROGRAMME,
        hours=Decimal("48"),
        translations={"lv": ("Apliecība par pabeigšanu", LATVIAN)},
    )

    issued = run(certificate_issue, user=person, cohort=cohort, source=MANUAL, requested_by=staff)

    certificate = fresh(issued)
    assert certificate.state == CertificateState.ISSUED
    assert code_is_wellformed(certificate.code)
    text = pdf_text(certificate)
    assert "Jānis Bērziņš" in text
    assert certificate.code in text
    assert "Apliecība par pabeigšanu" in text  # the holder's language, second
    assert "BEP 2026 — Finnish presidency" in text
    assert "Finland" in text
    assert "2026-03-02 – 2026-09-30" in text
    assert hashlib.sha256(pdf_bytes(certificate)).hexdigest() == certificate.sha256
    assert certificate.pdf.name.endswith(f"certificate-{certificate.pk}.pdf")
    assert (certificate.holder_name, certificate.programme_title, certificate.context_title) == (
        "Jānis Bērziņš",
        "Baltic Excellence Programme",
        "BEP 2026 — Finnish presidency",
    )
    assert (certificate.hours, certificate.place, certificate.language) == (
        Decimal("48"),
        "Finland",
        "en,lv",
    )
    assert certificate.requested_by == staff and certificate.source == MANUAL
    assert not certificate.holder_is_minor
    assert certificate_events(certificate) == ["issued"]
    [event] = events_named("certificates.certificate.issued")
    assert event.payload == {
        "certificate_id": certificate.pk,
        "user_id": person.pk,
        "cohort_id": cohort.pk,
    }
    assert ModelLogEntry.objects.filter(
        action="certificates.certificate.issue", object_id=str(certificate.pk), user=staff
    ).exists()


def test_an_activity_certificate_has_its_local_dates_place_and_hours(
    run, make_activity, make_person, programme
):
    # 23:30 to 02:15 in Riga is 21:30 to 00:15 UTC: the dates printed are Riga's.
    activity = make_activity(
        title="Night drill: Daugava ice jam",
        starts_at=local("2030-01-15 23:30"),
        ends_at=local("2030-01-16 02:15"),
        venue_city="Rīga",
        venue_country="LV",
    )
    teenager = make_person(
        "EE", full_name="Õie Täht", date_of_birth=timezone.localdate() - dt.timedelta(days=16 * 365)
    )
    place_at(activity, teenager)
    make_template(ACTIVITY, programme=programme)

    certificate = fresh(
        run(
            certificate_issue,
            user=teenager,
            activity=activity,
            source=MANUAL,
            override_reason="Attendance kept on paper.",
        )
    )

    assert (certificate.date_start, certificate.date_end) == (
        dt.date(2030, 1, 15),
        dt.date(2030, 1, 16),
    )
    assert certificate.place == "Rīga, Latvia"
    assert certificate.hours == Decimal("3.0")  # 2 h 45 min, to the half hour
    assert certificate.holder_is_minor
    assert "Õie Täht" in pdf_text(certificate)

    # Attendance sessions, when recorded, give the hours instead.
    other = make_activity(title="Three-day field exercise")
    ActivitySession.objects.create(
        activity=other, starts_at=other.starts_at, ends_at=other.ends_at, hours=Decimal("7.5")
    )
    ActivitySession.objects.create(
        activity=other,
        starts_at=other.starts_at + dt.timedelta(days=1),
        ends_at=other.ends_at,
        hours=Decimal("6"),
    )
    place_at(other, teenager)
    second = fresh(
        run(
            certificate_issue,
            user=teenager,
            activity=other,
            source=MANUAL,
            override_reason="Attendance kept on paper.",
        )
    )
    assert second.hours == Decimal("13.5")


def test_staff_issue_refuses_people_who_are_not_eligible(run, cohort, make_person, staff):
    make_template(PROGRAMME)
    applicant = make_person("PL", full_name="Małgorzata Wąsowska")
    completed_in(cohort, applicant, state=EnrolmentState.SUBMITTED)
    stranger = make_person("DK", full_name="Søren Ærø")

    for who in (applicant, stranger):
        with pytest.raises(CertificatesError) as refused:
            run(certificate_issue, user=who, cohort=cohort, source=MANUAL, requested_by=staff)
        assert refused.value.code == "not_eligible"
        assert "BEP 2026 — Finnish presidency" in refused.value.message
    assert Certificate.objects.count() == 0
    assert Event.objects.filter(name__startswith="certificates.").count() == 0


def test_staff_issue_without_a_template_says_so(run, cohort, person, staff):
    completed_in(cohort, person)
    with pytest.raises(CertificatesError) as refused:
        run(certificate_issue, user=person, cohort=cohort, source=MANUAL, requested_by=staff)
    assert refused.value.code == "no_template"
    assert refused.value.message.startswith(
        "No certificate template applies to “BEP 2026 — Finnish presidency”"
    )
    assert Certificate.objects.count() == 0


def test_issuing_again_returns_the_current_certificate_unchanged(run, cohort, person, staff):
    completed_in(cohort, person)
    make_template(PROGRAMME)
    first = fresh(run(certificate_issue, user=person, cohort=cohort, source=MANUAL))
    person.profile.full_name = "Jānis Bērziņš-Kalniņš"
    person.profile.save()

    again = run(certificate_issue, user=person, cohort=cohort, source=MANUAL, requested_by=staff)

    assert again.pk == first.pk
    assert fresh(again).code == first.code
    assert fresh(again).holder_name == "Jānis Bērziņš"
    assert Certificate.objects.count() == 1
    assert len(events_named("certificates.certificate.issued")) == 1


# --- automatic issue: handlers, exactly once --------------------------------------------------


def test_a_completed_cohort_issues_one_certificate_and_one_email_however_often_delivered(
    deliver, django_capture_on_commit_callbacks, cohort, person
):
    make_template(PROGRAMME)
    enrolment = completed_in(cohort, person)
    key = f"cohorts.enrolment.completed:{enrolment.pk}"
    payload = {"enrolment_id": enrolment.pk, "user_id": person.pk, "cohort_id": cohort.pk}

    event = deliver("cohorts.enrolment.completed", key=key, payload=payload)
    certificate = Certificate.objects.get(user=person, cohort=cohort)
    assert certificate.state == CertificateState.ISSUED
    assert certificate.source == AUTOMATIC
    assert len(certificate_mails(cohort.title)) == 1

    # The same event again (a duplicate emit), the handler run directly, and a redelivery after
    # a lost acknowledgement: nothing new.
    deliver("cohorts.enrolment.completed", key=key, payload=payload)
    with django_capture_on_commit_callbacks(execute=True):
        handlers.programme_certificate_on_completion(event)
        handlers.programme_certificate_on_completion(event)
        Delivery.objects.filter(event__name__startswith="certificates.").delete()
        Delivery.objects.filter(event=event).delete()
        Event.objects.update(dispatched_at=None)
        for pending in Event.objects.all():
            event_dispatch(event_id=pending.pk)
        handlers.issued_email_send(events_named("certificates.certificate.issued")[0])

    assert Certificate.objects.count() == 1
    assert fresh(certificate).code == certificate.code
    assert len(events_named("certificates.certificate.issued")) == 1
    assert len(emails_to(person)) == 1
    assert len(certificate_mails(cohort.title)) == 1


def test_completing_the_cohort_s_module_ends_in_the_certificate_e_mail(
    django_capture_on_commit_callbacks, make_cohort, person, programme
):
    """The whole chain: module completed → cohort completed → certificate → PDF → e-mail."""
    module = ModulePageFactory(parent=programme, title="Leading in a crisis")
    cohort = make_cohort(title="NEEDS 2027 — Estonian presidency", presidency_country="EE")
    cohort.modules.add(module)
    cohort.save()
    make_template(PROGRAMME, programme=programme)
    with django_capture_on_commit_callbacks(execute=True):
        cohort_services.enrolment_apply(user=person, cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        for step in module.steps():
            programme_services.progress_step_complete(user=person, module=module, step_id=step.id)

    certificate = Certificate.objects.get(user=person, cohort=cohort)
    assert certificate.state == CertificateState.ISSUED
    assert "Jānis Bērziņš" in pdf_text(certificate)
    [email] = emails_to(person)
    assert email.subject == in_latvian(
        "Your certificate: %(title)s", title="NEEDS 2027 — Estonian presidency"
    )
    [message] = [m for m in mail.outbox if m.subject == email.subject]
    assert message.to == [person.email]


def test_attendance_issues_the_activity_certificate_once(
    deliver, django_capture_on_commit_callbacks, make_activity, person, programme
):
    activity = make_activity(title="Table-top: Baltic storm surge")
    enrolment = place_at(activity, person)
    enrolment.attended_at = timezone.now()
    enrolment.save()
    make_template(ACTIVITY, programme=programme)
    key = f"programmes.activity.attended:{enrolment.pk}"
    payload = {"enrolment_id": enrolment.pk, "activity_id": activity.pk, "user_id": person.pk}

    event = deliver("programmes.activity.attended", key=key, payload=payload)
    with django_capture_on_commit_callbacks(execute=True):
        handlers.activity_certificate_on_attendance(event)

    certificate = Certificate.objects.get(user=person, activity=activity)
    assert certificate.state == CertificateState.ISSUED
    assert certificate.kind == ACTIVITY
    assert "Table-top: Baltic storm surge" in pdf_text(certificate)
    assert len(emails_to(person)) == 1


def test_a_completed_module_earns_a_certificate_only_where_a_template_issues_automatically(
    deliver, django_capture_on_commit_callbacks, make_person, programme
):
    plain = ModulePageFactory(parent=programme, title="Sendai basics")
    awarded = ModulePageFactory(parent=programme, title="Cross-border cooperation")
    make_template(MODULE, modules=[awarded])
    person = make_person("IS", full_name="Þórunn Guðmundsdóttir")
    before = timezone.localdate()
    for module in (plain, awarded):
        with django_capture_on_commit_callbacks(execute=True):
            for step in module.steps():
                programme_services.progress_step_complete(
                    user=person, module=module, step_id=step.id
                )
    event = events_named("programmes.module.completed", module_id=awarded.pk)[0]
    with django_capture_on_commit_callbacks(execute=True):
        handlers.module_certificate_on_completion(event)

    [certificate] = Certificate.objects.filter(user=person)
    assert certificate.module == awarded
    # The day of completion (a run may cross midnight between the two readings).
    assert certificate.date_start == certificate.date_end
    assert certificate.date_start in {before, timezone.localdate()}
    assert "Þórunn Guðmundsdóttir" in pdf_text(certificate)
    assert len(emails_to(person)) == 1


def test_an_automatic_issue_for_someone_no_longer_eligible_does_nothing(deliver, cohort, person):
    make_template(PROGRAMME)
    enrolment = completed_in(cohort, person, state=EnrolmentState.WITHDRAWN)
    deliver(
        "cohorts.enrolment.completed",
        key=f"cohorts.enrolment.completed:{enrolment.pk}",
        payload={"enrolment_id": enrolment.pk, "user_id": person.pk, "cohort_id": cohort.pk},
    )
    assert Certificate.objects.count() == 0
    assert Delivery.objects.exclude(status=Delivery.Status.DONE).count() == 0


# --- the e-mail -------------------------------------------------------------------------------


def test_the_email_links_to_the_download_and_the_verification(run, cohort, person, settings):
    completed_in(cohort, person)
    make_template(PROGRAMME, translations={"lv": ("Apliecība", LATVIAN)})
    certificate = fresh(run(certificate_issue, user=person, cohort=cohort, source=MANUAL))

    [email] = emails_to(person)
    download = settings.BASE_URL + reverse("certificates:download", kwargs={"pk": certificate.pk})
    verify = settings.BASE_URL + reverse("certificates:verify_code", args=[certificate.code])
    for body in (email.body_text, email.body_html):
        assert "Jānis Bērziņš" in body
        assert download in body
        assert verify in body
        assert certificate.code in body
        assert "Latviešu" in body
    assert 'lang="lv"' in email.body_html
    assert email.status == OutgoingEmail.Status.SENT


# --- revoking and reissuing -------------------------------------------------------------------


def test_revoking_needs_a_reason_and_a_valid_certificate(
    run, django_capture_on_commit_callbacks, cohort, person, staff, client
):
    completed_in(cohort, person)
    make_template(PROGRAMME)
    # Not yet rendered: the render job has not run.
    pending = certificate_issue(user=person, cohort=cohort, source=MANUAL)
    with pytest.raises(CertificatesError) as refused:
        certificate_revoke(certificate=pending, reason="Plagiarised work", actor=staff)
    assert refused.value.code == "wrong_state"
    certificate = run(certificate_render, certificate_id=pending.pk)

    with pytest.raises(CertificatesError) as refused:
        certificate_revoke(certificate=certificate, reason="   ", actor=staff)
    assert refused.value.code == "reason_required"
    assert fresh(certificate).state == CertificateState.ISSUED

    revoked = run(
        certificate_revoke,
        certificate=certificate,
        reason="Attendance was recorded in error.",
        actor=staff,
    )

    revoked = fresh(revoked)
    assert revoked.state == CertificateState.REVOKED
    assert revoked.revoked_reason == "Attendance was recorded in error."
    assert revoked.revoked_by == staff and revoked.revoked_at is not None
    assert certificate_events(revoked) == ["issued", "revoked"]
    entry = ModelLogEntry.objects.get(
        action="certificates.certificate.revoke", object_id=str(revoked.pk)
    )
    assert entry.user == staff and entry.data["reason"] == "Attendance was recorded in error."
    page = client.get(reverse("certificates:verify_code", args=[revoked.code]))
    assert "This certificate has been revoked" in page.content.decode()
    with pytest.raises(CertificatesError):
        certificate_revoke(certificate=revoked, reason="Again", actor=staff)


def test_reissue_prints_the_corrected_name_and_the_old_code_verifies_as_replaced(
    run, cohort, person, staff, client
):
    person.profile.full_name = "Janis Berzins"
    person.profile.save()
    completed_in(cohort, person)
    make_template(PROGRAMME)
    old = fresh(run(certificate_issue, user=person, cohort=cohort, source=MANUAL))
    assert "Janis Berzins" in pdf_text(old)

    # The profile is corrected: the issued certificate keeps what it printed.
    person.profile.full_name = "Jānis Bērziņš"
    person.profile.save()
    assert fresh(old).holder_name == "Janis Berzins"
    assert "Janis Berzins" in pdf_text(fresh(old))

    new = fresh(run(certificate_reissue, certificate=old, actor=staff, reason="Name corrected"))
    old = fresh(old)

    assert new.state == CertificateState.ISSUED
    assert new.source == CertificateSource.REISSUE
    assert new.holder_name == "Jānis Bērziņš"
    text = pdf_text(new)
    assert "Jānis Bērziņš" in text and "Janis Berzins" not in text
    assert new.code in text and new.code != old.code
    assert old.state == CertificateState.REPLACED
    assert old.replaced_by == new
    assert certificate_events(old) == ["issued", "reissued"]
    assert certificate_events(new) == ["issued"]
    [reissued] = events_named("certificates.certificate.reissued")
    assert reissued.payload["replacement_id"] == new.pk
    entry = ModelLogEntry.objects.get(
        action="certificates.certificate.reissue", object_id=str(old.pk)
    )
    assert entry.data["new_name"] == "Jānis Bērziņš" and entry.data["old_name"] == "Janis Berzins"
    page = client.get(reverse("certificates:verify_code", args=[old.code]))
    assert "This certificate has been replaced" in page.content.decode()
    # One e-mail per certificate: the first, then the corrected one.
    assert [e.reason for e in emails_to(person)] == [
        f"certificates.certificate.issued:{old.pk}",
        f"certificates.certificate.issued:{new.pk}",
    ]


def test_a_revoked_certificate_can_be_reissued_and_keeps_its_revocation(run, cohort, person, staff):
    completed_in(cohort, person)
    make_template(PROGRAMME)
    certificate = fresh(run(certificate_issue, user=person, cohort=cohort, source=MANUAL))
    run(certificate_revoke, certificate=certificate, reason="Issued too early", actor=staff)

    new = fresh(run(certificate_reissue, certificate=fresh(certificate), actor=staff))

    old = fresh(certificate)
    assert old.state == CertificateState.REPLACED
    assert old.revoked_reason == "Issued too early" and old.revoked_at is not None
    assert new.state == CertificateState.ISSUED
    with pytest.raises(CertificatesError) as refused:
        certificate_reissue(certificate=old, actor=staff)
    assert refused.value.code == "wrong_state"
    assert Certificate.objects.exclude(state=CertificateState.REPLACED).count() == 1


# --- bulk issue -------------------------------------------------------------------------------


def test_bulk_issue_covers_everyone_who_completed_and_skips_who_has_one(
    run, cohort, make_person, staff, settings
):
    settings.CERTIFICATES_BULK_CHUNK = 2
    make_template(PROGRAMME)
    names = ["Jānis Bērziņš", "Žydrūnas Šimkus", "Þórunn Guðmundsdóttir", "Søren Ærø", "Õie Täht"]
    people = [make_person("LV", full_name=name) for name in names]
    for who in people:
        completed_in(cohort, who)
    already = fresh(run(certificate_issue, user=people[0], cohort=cohort, source=MANUAL))
    still_accepted = make_person("PL", full_name="Małgorzata Wąsowska")
    completed_in(cohort, still_accepted, state=EnrolmentState.ACCEPTED)

    bulk = run(certificates_bulk_request, cohort=cohort, actor=staff)

    bulk = BulkIssue.objects.get(pk=bulk.pk)
    assert bulk.state == BulkIssueState.DONE
    assert (bulk.total, bulk.issued, bulk.skipped, bulk.failed) == (5, 4, 1, 0)
    assert bulk.progress_percent == 100 and bulk.finished_at is not None
    certificates = Certificate.objects.filter(cohort=cohort)
    assert certificates.count() == 5
    assert set(certificates.values_list("state", flat=True)) == {CertificateState.ISSUED}
    assert fresh(already).code == already.code
    for who, name in zip(people, names, strict=True):
        certificate = certificates.get(user=who)
        assert name in pdf_text(certificate)
        assert len(emails_to(who)) == 1
    assert certificates.filter(source=CertificateSource.BULK).count() == 4
    assert len(events_named("certificates.certificate.issued")) == 5
    assert ModelLogEntry.objects.filter(action="certificates.bulk.request", user=staff).exists()

    # Everyone has one now: a second bulk issue skips them all.
    again = BulkIssue.objects.get(pk=run(certificates_bulk_request, cohort=cohort, actor=staff).pk)
    assert again.pk != bulk.pk
    assert (again.state, again.total, again.issued, again.skipped) == ("done", 5, 0, 5)
    assert Certificate.objects.count() == 5


def test_asking_again_while_a_bulk_issue_runs_returns_the_running_one(
    cohort, make_person, staff, monkeypatch
):
    monkeypatch.setattr(Conf, "SYNC", False)  # the job waits in the queue
    make_template(PROGRAMME)
    completed_in(cohort, make_person("FI", full_name="Aino Virtanen"))

    first = certificates_bulk_request(cohort=cohort, actor=staff)
    second = certificates_bulk_request(cohort=cohort, actor=staff)

    assert second.pk == first.pk
    assert first.state == BulkIssueState.REQUESTED and first.total == 1
    assert first.progress_percent == 0
    assert BulkIssue.objects.count() == 1


def test_bulk_issue_refuses_when_there_is_nothing_or_no_template(cohort, make_person, staff):
    with pytest.raises(CertificatesError) as refused:
        certificates_bulk_request(cohort=cohort, actor=staff)
    assert refused.value.code == "nobody_completed"
    completed_in(cohort, make_person("SE", full_name="Søren Ærø"))
    with pytest.raises(CertificatesError) as refused:
        certificates_bulk_request(cohort=cohort, actor=staff)
    assert refused.value.code == "no_template"
    assert BulkIssue.objects.count() == 0


def test_a_certificate_that_fails_in_a_bulk_issue_is_counted_once_and_recovers(
    cohort, make_person, staff, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(Conf, "SYNC", False)  # run each step by hand
    template = make_template(PROGRAMME)
    people = [make_person("LT", full_name=f"Gintarė Čepulė {i}") for i in range(3)]
    for who in people:
        completed_in(cohort, who)
    bulk = certificates_bulk_request(cohort=cohort, actor=staff)
    certificates_bulk_run(bulk_id=bulk.pk)
    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert BulkIssue.objects.get(pk=bulk.pk).state == BulkIssueState.RUNNING
    # The template of one certificate disappears before it is printed.
    Certificate.objects.filter(pk=ids[1]).update(template=None)

    for _ in range(2):  # the chunk delivered twice
        certificates_bulk_render(bulk_id=bulk.pk, certificate_ids=ids)

    bulk = BulkIssue.objects.get(pk=bulk.pk)
    assert (bulk.state, bulk.issued, bulk.failed, bulk.skipped) == ("done", 2, 1, 0)
    assert f"[#{ids[1]}]" in bulk.error and "deleted" in bulk.error
    assert Certificate.objects.get(pk=ids[1]).state == CertificateState.PENDING

    # Fixed, the sweeper's retry prints it, and the counts follow.
    Certificate.objects.filter(pk=ids[1]).update(template=template)
    certificate_render(certificate_id=ids[1])
    bulk = BulkIssue.objects.get(pk=bulk.pk)
    assert (bulk.issued, bulk.failed, bulk.error) == (3, 0, "")
    assert len(events_named("certificates.certificate.issued")) == 3


# --- the sweeper ------------------------------------------------------------------------------


def test_the_sweeper_prints_certificates_whose_job_was_lost(
    cohort, person, django_capture_on_commit_callbacks
):
    completed_in(cohort, person)
    make_template(PROGRAMME)
    # Its render job is lost: the commit callbacks that would queue it never run here.
    certificate = certificate_issue(user=person, cohort=cohort, source=AUTOMATIC)
    assert certificate.state == CertificateState.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert certificates_sweep() == 0  # too young: its own job may still come
        Certificate.objects.filter(pk=certificate.pk).update(
            issued_at=timezone.now() - dt.timedelta(minutes=6)
        )
        assert certificates_sweep() == 1

    assert fresh(certificate).state == CertificateState.ISSUED
    assert len(emails_to(person)) == 1


def test_a_bulk_issue_reports_who_has_no_name_to_print(run, cohort, make_person, staff):
    make_template(PROGRAMME)
    named = make_person("DK", full_name="Søren Ærø")
    nameless = make_person("DK", full_name="")
    for who in (named, nameless):
        completed_in(cohort, who)

    bulk = BulkIssue.objects.get(pk=run(certificates_bulk_request, cohort=cohort, actor=staff).pk)

    assert (bulk.state, bulk.total, bulk.issued, bulk.failed) == ("done", 2, 1, 1)
    assert nameless.email in bulk.error and "no name" in bulk.error
    assert list(Certificate.objects.values_list("user", flat=True)) == [named.pk]
    with pytest.raises(CertificatesError) as refused:
        certificate_issue(user=nameless, cohort=cohort, source=MANUAL, requested_by=staff)
    assert refused.value.code == "no_name"


def test_the_holder_of_a_revoked_certificate_is_told_once_with_the_reason(
    run, cohort, person, staff
):
    completed_in(cohort, person)
    make_template(PROGRAMME)
    certificate = fresh(run(certificate_issue, user=person, cohort=cohort, source=MANUAL))

    run(
        certificate_revoke,
        certificate=certificate,
        reason="Attendance was recorded in error.",
        actor=staff,
    )
    [event] = events_named("certificates.certificate.revoked", certificate_id=certificate.pk)
    event_dispatch(event_id=event.pk)  # a second delivery changes nothing
    handlers.revoked_email_send(event)

    revoked = [e for e in emails_to(person) if e.reason.startswith("certificates.certificate.rev")]
    assert len(revoked) == 1
    email = revoked[0]
    subject = in_latvian(
        "Your certificate has been revoked: %(title)s", title="BEP 2026 — Finnish presidency"
    )
    assert email.subject == subject
    assert "Attendance was recorded in error." in email.body_text
    assert certificate.code in email.body_text
    assert "Attendance was recorded in error." in email.body_html
    assert email.status == OutgoingEmail.Status.SENT
    assert any(m.subject == subject for m in mail.outbox)


def test_issuing_by_hand_to_someone_who_has_not_completed_needs_a_reason(
    run, cohort, make_person, make_activity, staff
):
    make_template(PROGRAMME)
    make_template(ACTIVITY)
    person = make_person("FI", full_name="Aino Mäkelä")
    completed_in(cohort, person, state=EnrolmentState.ACCEPTED)
    cohort.starts_on = timezone.localdate() + dt.timedelta(days=30)
    cohort.ends_on = timezone.localdate() + dt.timedelta(days=200)
    cohort.save(update_fields=["starts_on", "ends_on"])

    with pytest.raises(CertificatesError) as refused:
        run(certificate_issue, user=person, cohort=cohort, source=MANUAL, requested_by=staff)
    assert refused.value.code == "not_completed"
    assert "Aino Mäkelä has not completed “BEP 2026 — Finnish presidency”" in refused.value.message
    assert "has not started yet" in refused.value.message
    assert Certificate.objects.count() == 0

    activity = make_activity(title="Study visit: Helsinki")
    place_at(activity, person)
    with pytest.raises(CertificatesError) as refused:
        run(certificate_issue, user=person, activity=activity, source=MANUAL, requested_by=staff)
    assert "not recorded as having attended “Study visit: Helsinki”" in refused.value.message
    assert Certificate.objects.count() == 0

    issued = run(
        certificate_issue,
        user=person,
        cohort=cohort,
        source=MANUAL,
        requested_by=staff,
        override_reason="Completed the course at the Latvian edition.",
    )
    entry = ModelLogEntry.objects.get(
        action="certificates.certificate.issue", object_id=str(issued.pk)
    )
    assert entry.data["override_reason"] == "Completed the course at the Latvian edition."
    assert any("has not completed" in concern for concern in entry.data["concerns"])
