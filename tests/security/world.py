"""One small world for the security tests: an owner's data everywhere the product keeps data
(a cohort place, an activity place with its pass, a youth group with a minor awaiting her
guardian's consent, a nomination, a waitlist offer, a survey invitation, a certificate, a data
export, a calendar feed), and the people who must not see it: another participant, another
cohort's staff, another country's focal point, another group's leader, another activity's door
staff; plus a programme admin and an administrator who may.

Every object is built the way the product builds it (services, the builders of the other test
packages); the tokens of the links are kept in clear here only, as the e-mails would carry them."""

import dataclasses
import datetime as dt

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from certificates.models import BulkIssue, CertificateTemplate
from cohorts.attendance import services as attendance
from cohorts.models import (
    ActivityAttendance,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    FocalPoint,
    MatchingRun,
    ReasonTemplate,
    SurveyInvitation,
    SurveyTarget,
    SurveyTrigger,
)
from cohorts.places import services
from cohorts.surveys import services as surveys
from lms.models import (
    DataExport,
    DataExportState,
    DigitalConsentAge,
    Organisation,
    OutgoingEmail,
    PrivacyNotice,
    Sector,
)
from lms.tokens import token_new
from programmes.progress.services import calendar_feed_ensure
from tests.certificates.conftest import certificate_create
from tests.cohorts.conftest import CohortFactory
from tests.cohorts.consent_builders import hold_for_consent, latest_link, member_of, youth_group
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.builders import ActivityPageFactory, local
from tests.programmes.survey_builders import make_survey

NOW = "2030-01-10 10:00"  # Rīga: five days before the owner's table-top

# Roles, in the order of the matrix's columns.
ROLES = (
    "anonymous",
    "participant",
    "other_cohort_staff",
    "other_focal_point",
    "other_group_leader",
    "other_door_staff",
    "programme_admin",
    "administrator",
)

PROGRAMME_ADMIN_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("cohorts", "add_cohort"),
    ("cohorts", "change_cohort"),
    ("cohorts", "delete_cohort"),
    ("cohorts", "add_focalpoint"),
    ("cohorts", "change_focalpoint"),
    ("cohorts", "delete_focalpoint"),
    ("cohorts", "add_activityattendance"),
    ("cohorts", "change_activityattendance"),
    ("cohorts", "add_surveytarget"),
    ("cohorts", "change_surveytarget"),
    ("cohorts", "delete_surveytarget"),
    ("cohorts", "add_reasontemplate"),
    ("cohorts", "change_reasontemplate"),
    ("cohorts", "delete_reasontemplate"),
    ("certificates", "add_certificatetemplate"),
    ("certificates", "change_certificatetemplate"),
    ("certificates", "delete_certificatetemplate"),
    ("lms", "add_privacynotice"),
    ("lms", "change_privacynotice"),
    ("lms", "add_digitalconsentage"),
    ("lms", "change_digitalconsentage"),
    ("lms", "add_organisation"),
    ("lms", "change_organisation"),
)


@dataclasses.dataclass
class World:
    users: dict  # role -> User (None for anonymous)
    owner: object
    kwargs: dict  # URL kwarg values shared by every URL: group_id, activity_id, ...
    by_name: dict  # URL name -> kwargs that differ from the shared ones
    tokens: dict  # purpose -> the link's token, in clear
    objects: dict  # model label -> an object of it (for the admin viewsets' pk)


def programme_admins() -> Group:
    group, _ = Group.objects.get_or_create(name="Programme admins")
    for app, codename in PROGRAMME_ADMIN_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app, codename=codename)
        group.permissions.add(permission)
    return group


def build(programme, clock) -> World:  # noqa: PLR0915 (one story, told in order)
    clock.now = local(NOW)
    person = UserFactory
    owner = person(
        email="janis.berzins@example.lv",
        profile__full_name="Jānis Bērziņš",
        profile__country="LV",
        profile__sector=Sector.FIRE_RESCUE,
        profile__organisation=OrganisationFactory(name="VUGD Zemgale", country="LV"),
    )
    # The owner's cohort, run by its presidency staff; another cohort with its own staff.
    cohort = CohortFactory(
        programme=programme,
        title="BEP 2030 — Latvian presidency",
        slug="bep-2030",
        starts_on=dt.date(2029, 12, 1),
        ends_on=dt.date(2030, 6, 30),
    )
    other_cohort = CohortFactory(
        programme=programme,
        title="BEP 2031 — Lithuanian presidency",
        slug="bep-2031",
        starts_on=dt.date(2030, 12, 1),
        ends_on=dt.date(2031, 6, 30),
    )
    cohort_staff = person(profile__full_name="Helmi Väänänen", profile__country="FI")
    cohort_staff.groups.add(services.cohort_staff_group_ensure(cohort=cohort))
    other_staff = person(profile__full_name="Žydrūnas Šimkus", profile__country="LT")
    other_staff.groups.add(services.cohort_staff_group_ensure(cohort=other_cohort))

    place = services.enrolment_apply(user=owner, cohort=cohort)
    Enrolment.objects.filter(pk=place.pk).update(state=EnrolmentState.ACCEPTED)

    # The owner's table-top, with its door staff; another activity with its own.
    activity = ActivityPageFactory(parent=programme, title="Storm Surge Table-top: Rīga")
    other_activity = ActivityPageFactory(
        parent=programme,
        title="Forest Fire Field Exercise: Kuopio",
        starts_at=local("2030-02-15 09:00"),
        ends_at=local("2030-02-16 16:00"),
    )
    cohort.activities.add(activity)
    door_staff = {}
    for each in (activity, other_activity):
        setup = attendance.attendance_setup_ensure(activity=each)
        someone = person(profile__country="LV")
        someone.groups.add(attendance.activity_staff_group_ensure(setup=setup))
        door_staff[each.pk] = someone
    registration = services.registration_create(user=owner, activity=activity)
    Enrolment.objects.filter(pk=registration.pk).update(state=EnrolmentState.ACCEPTED)
    registration.refresh_from_db()
    ticket = attendance.pass_ensure(enrolment=registration)

    # The owner's youth group: a co-leader and a minor held pending her guardian's consent.
    leader = owner
    group = youth_group(country="LV", name="Rīgas Jaunie Glābēji", leader=leader)
    co_leader = person(profile__full_name="Agnese Bērziņa", profile__country="LV")
    group.leaders.add(co_leader)
    minor = member_of(group, first="Elza", family="Liepiņa", guardian_email="inese@example.lv")
    booking = hold_for_consent(activity, minor, actor=leader)
    consent_token = latest_link("inese@example.lv")
    other_leader = person(profile__full_name="Björn Åström", profile__country="SE")
    youth_group(country="SE", name="Scouterna Göteborg", leader=other_leader)

    # A nomination by Latvia's focal point; another country's focal point.
    nominated_cohort = CohortFactory(
        programme=programme,
        title="NEEDS 2030",
        slug="needs-2030",
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=local("2030-02-01 12:00"),
        starts_on=dt.date(2030, 3, 1),
        ends_on=dt.date(2030, 9, 30),
    )
    focal_point = person(profile__full_name="Ilze Kalniņa", profile__country="LV")
    FocalPoint.objects.create(user=focal_point, country="LV")
    other_focal_point = person(profile__full_name="Õie Täht", profile__country="EE")
    FocalPoint.objects.create(user=other_focal_point, country="EE")
    nomination = services.nomination_create(
        actor=focal_point,
        cohort=nominated_cohort,
        nominee=services.Nominee(
            email="nominee@example.lv", full_name="Māris Ozols", country="LV", sector="police"
        ),
    )
    nomination_token = services.nomination_token_issue(enrolment=nomination)

    # A waitlist offer to the owner, open for three days.
    offered_cohort = CohortFactory(programme=programme, slug="bep-2030-reserve")
    offer_token, digest = token_new()
    offer = Enrolment.objects.create(
        cohort=offered_cohort,
        user=owner,
        state=EnrolmentState.OFFERED,
        country="LV",
        offer_expires_at=clock.now + dt.timedelta(days=3),
        token_hash=digest,
    )

    # A survey invitation, a certificate, a data export, a calendar feed, a matching run.
    survey = make_survey(programme, title="Before the programme")
    target = SurveyTarget.objects.create(survey=survey, cohort=cohort, trigger=SurveyTrigger.MANUAL)
    surveys.survey_target_send(target=target, actor=cohort_staff)
    invitation = SurveyInvitation.objects.get(target=target, user=owner)
    certificate = certificate_create(user=owner, cohort=cohort)
    template = CertificateTemplate.objects.get()
    bulk = BulkIssue.objects.create(cohort=cohort, requested_by=cohort_staff)
    reason = ReasonTemplate.objects.create(
        cohort=cohort, title="Places taken", text="Your country's places are taken."
    )
    export = DataExport.objects.create(
        user=owner, state=DataExportState.DONE, expires_at=clock.now + dt.timedelta(days=7)
    )
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    feed = calendar_feed_ensure(user=owner)
    run = MatchingRun.objects.create(cohort=cohort, number=1, requested_by=cohort_staff)
    email = OutgoingEmail.objects.filter(recipient=owner.email).first() or (
        OutgoingEmail.objects.first()
    )

    admin = programme_admins()
    programme_admin = person(profile__full_name="Søren Ærø", profile__country="DK")
    programme_admin.groups.add(admin)
    administrator = person(
        profile__full_name="Małgorzata Wąsowska", is_staff=True, is_superuser=True
    )
    participant = person(profile__full_name="Þórunn Guðmundsdóttir", profile__country="IS")

    notice = PrivacyNotice.objects.first() or PrivacyNotice.objects.create(
        version="2030-1", title="Taking part as a young person", body="What we keep, and why."
    )
    consent_age = DigitalConsentAge.objects.first() or DigitalConsentAge.objects.create(
        country="LV", age=13, valid_from=dt.date(2020, 1, 1)
    )
    return World(
        users={
            "anonymous": None,
            "participant": participant,
            "other_cohort_staff": other_staff,
            "other_focal_point": other_focal_point,
            "other_group_leader": other_leader,
            "other_door_staff": door_staff[other_activity.pk],
            "programme_admin": programme_admin,
            "administrator": administrator,
            # Not roles of the matrix; the owners of what the links point at.
            "owner": owner,
            "cohort_staff": cohort_staff,
            "focal_point": focal_point,
            "door_staff": door_staff[activity.pk],
        },
        owner=owner,
        kwargs={
            "enrolment_id": registration.pk,
            "activity_id": activity.pk,
            "group_id": group.pk,
            "leader_id": co_leader.pk,
            "member_id": minor.pk,
            "slug": cohort.slug,
            "code": certificate.code,
            "page_id": activity.pk,
            "day": "2030-01-15",
            "number": run.number,
            "target_pk": target.pk,
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "token": "",
            "path": "nothing-here.txt",
            "name": "nothing-here.eml",
            "index": 0,
            "invitation_id": 1,
            "kind": "totp",
        },
        by_name={
            "cohorts:place": {"enrolment_id": place.pk},
            "cohorts:withdraw": {"enrolment_id": place.pk},
            "cohorts:place_offer": {"enrolment_id": offer.pk},
            "cohorts:place_confirm": {"enrolment_id": place.pk},
            "cohorts:substitute": {"slug": nominated_cohort.slug, "enrolment_id": nomination.pk},
            "cohorts:nomination_resend": {
                "slug": nominated_cohort.slug,
                "enrolment_id": nomination.pk,
            },
            "groups:leader_invitation": {"token": "not-a-token"},
            "cohorts:nominate": {"slug": nominated_cohort.slug},
            "cohorts:offer": {"token": offer_token},
            "cohorts:nomination": {"token": nomination_token},
            "cohorts:pass_scan": {"token": ticket.token},
            "cohorts:survey_answer": {"token": surveys.survey_token(invitation)},
            "cohorts:survey_thanks": {"token": surveys.survey_token(invitation)},
            "groups:booking_cancel": {"enrolment_id": booking.pk},
            "groups:consent_resend": {"enrolment_id": booking.pk},
            "consent:page": {"token": consent_token},
            "consent:damaged": {"token": "a/b"},
            "calendar_feed": {"token": feed.token},
            "password_reset_confirm": {"token": default_token_generator.make_token(owner)},
            # The owner's account is confirmed already: the link shows it no longer works.
            "signup_confirm": {"token": "no-longer-valid"},
            "my_data_status": {"pk": export.pk},
            "my_data_download": {"pk": export.pk},
            "certificates:download": {"pk": certificate.pk},
            "lms_email_detail": {"pk": email.pk},
            "lms_email_resend": {"pk": email.pk},
            "certificates_certificate": {"pk": certificate.pk},
            "certificates_certificate_revoke": {"pk": certificate.pk},
            "certificates_certificate_reissue": {"pk": certificate.pk},
            "certificates_certificate_retry": {"pk": certificate.pk},
            "certificates_bulk": {"pk": bulk.pk},
            "certificates_bulk_status": {"pk": bulk.pk},
            "certificates_template_sample": {"pk": template.pk},
            "cohorts_survey_results": {"pk": survey.pk},
            "cohorts_desk_reason_edit": {"pk": cohort.pk, "template_id": reason.pk},
            "cohorts_survey_export_csv": {"pk": survey.pk},
            "cohorts_survey_export_xlsx": {"pk": survey.pk},
            "cohorts_survey_print": {"pk": survey.pk},
            "cohorts_survey_lessons": {"pk": survey.pk},
            # The API and the page tree are public: an id of a live page.
            "wagtailapi:pages:detail": {"pk": activity.pk},
        },
        tokens={
            "offer": offer_token,
            "nomination": nomination_token,
            "pass": ticket.token,
            "survey": surveys.survey_token(invitation),
            "consent": consent_token,
            "calendar": feed.token,
        },
        objects={
            # The cohort desk, matching and certificate pages of the owner's cohort.
            "cohort": cohort,
            "cohorts.cohort": cohort,
            "cohorts.focalpoint": FocalPoint.objects.get(user=focal_point),
            "cohorts.activityattendance": ActivityAttendance.objects.get(activity=activity),
            "cohorts.surveytarget": target,
            "certificates.certificatetemplate": template,
            "certificates.certificate": certificate,
            "cohorts.reasontemplate": reason,
            "lms.organisation": Organisation.objects.first(),
            # A notice people have consented under (locked: never edited or deleted).
            "lms.privacynotice": PrivacyNotice.objects.filter(consents__isnull=False).first()
            or notice,
            "lms.digitalconsentage": consent_age,
            "enrolments": {"place": place, "registration": registration, "offer": offer},
            "nomination": nomination,
            "invitation": invitation,
            "pass": ticket,
            "feed": feed,
            "export": export,
            "booking": booking,
        },
    )


def database_state() -> dict:
    """Every row of every table, except sessions (a visit may start one)."""
    state = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model is Session:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state
