"""A realistic world for the personal-data tests, built through the services people and staff
use: a BEP cohort in which Jānis Bērziņš and Þórunn Guðmundsdóttir apply (answering its
question), share a peer group, answer surveys (one named, one anonymous), take a module with a
reflection and a quiz, attend a three-day table-top in Rīga with dietary notes, complete and get
certificates; a nominated place; and a youth group whose minor member Õie Täht, who has no
account, comes with her guardian's consent. The clock ends on 15 March 2030, after all of it."""

import dataclasses
import io
import json
import unicodedata
import zipfile

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Count
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from pypdf import PdfReader
from wagtail.log_actions import log

from cohorts.attendance import services as attendance
from cohorts.matching import services as peergroups
from cohorts.models import (
    ApplicationQuestion,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
    EnrolmentState,
    FocalPoint,
    GroupKind,
    GroupMember,
    SurveyInvitation,
    SurveyTarget,
    SurveyTrigger,
    YouthGroup,
)
from cohorts.places import services
from cohorts.surveys import services as surveys
from lms.mail.services import email_queue
from lms.models import (
    ConsentPurpose,
    ConsentState,
    Event,
    GuardianConsent,
    PrivacyNotice,
    Sector,
    User,
)
from lms.privacy import services as privacy
from programmes.progress import services as learning
from tests.certificates.issuing import make_template
from tests.factories import OrganisationFactory, UserFactory
from tests.programmes.builders import local
from tests.programmes.modules import make_module, right_answers, step_ids
from tests.programmes.survey_builders import make_survey, names

JANIS_EMAIL = "janis.berzins@example.lv"
THORUNN_EMAIL = "thorunn.gudmundsdottir@example.is"
GUARDIAN_EMAIL = "maarja.taht@example.ee"
GUARDIAN_PHONE = "+372 5550 1017"

ANSWER_JANIS = "Flood drills on the Lielupe with my crew from Jelgava"
ANSWER_THORUNN = "Avalanche response planning in the Westfjords"
NOTES_JANIS = "Vegetarian; allergic to penicillin"
NOTES_THORUNN = "Lactose-free meals, please"
NOTES_OIE = "Nut allergy: carries an adrenaline pen"
REFLECTION_JANIS = "I would call the Zemgale duty officer before anyone else"
REFLECTION_THORUNN = "The Coast Guard's duty officer in Reykjavík comes first"
SURVEY_TEXT_JANIS = "The ice-jam case on the Daugava was the most useful part"
SURVEY_TEXT_THORUNN = "More time for the volcanic ash scenario"
DRAFT_JANIS = "Half-written thoughts about the Ogre river gauges"

COHORT_ENDS = "2030-02-28"
ERASED_AT = "2030-03-15 10:00"


@dataclasses.dataclass
class World:
    janis: User
    thorunn: User
    oie: User
    leader: User
    staff: User
    cohort: object
    nominated_cohort: object
    activity: object
    module: object
    named_survey: object
    anonymous_survey: object
    group: YouthGroup

    def secrets_of(self, who: str) -> list[str]:
        """Every distinctive string of one person: none may survive their erasure, and none
        may appear in anyone else's export."""
        return {
            "janis": [
                JANIS_EMAIL,
                "Jānis",
                "Bērziņš",
                "Berzins",
                ANSWER_JANIS,
                NOTES_JANIS,
                REFLECTION_JANIS,
                SURVEY_TEXT_JANIS,
                DRAFT_JANIS,
            ],
            "thorunn": [
                THORUNN_EMAIL,
                "Þórunn",
                "Guðmundsdóttir",
                ANSWER_THORUNN,
                NOTES_THORUNN,
                REFLECTION_THORUNN,
                SURVEY_TEXT_THORUNN,
            ],
            "oie": [self.oie.email, "Õie", "Täht", GUARDIAN_EMAIL, GUARDIAN_PHONE, NOTES_OIE],
        }[who]


def statistics() -> dict:
    """What programmes report: places per cohort, activity, state and country (an erased
    person's sector goes: it could single them out);
    attendance; survey results and response rates; certificates issued; module completions;
    peer-group sizes."""
    from certificates.models import Certificate
    from cohorts.models import AttendanceRecord, PeerGroupMember
    from cohorts.surveys.selectors import survey_response_rate
    from programmes.models import ModuleProgress, SurveyPage
    from programmes.surveys.results import survey_results

    def rows(queryset, *fields):
        return sorted(
            (tuple(str(row[f]) for f in fields), row["n"])
            for row in queryset.values(*fields).annotate(n=Count("pk"))
        )

    results = {}
    for survey in SurveyPage.objects.all():
        summary = survey_results(survey)
        for question in summary["questions"]:
            question.pop("texts", None)  # free text of an erased person goes, by design
        results[survey.title] = (summary, survey_response_rate(survey))
    return {
        "places": rows(Enrolment.objects.all(), "cohort_id", "activity_id", "state", "country"),
        "attendance": rows(AttendanceRecord.objects.all(), "session_id", "status"),
        "attended": rows(Enrolment.objects.filter(attended_at__isnull=False), "activity_id"),
        "surveys": results,
        "certificates": rows(Certificate.objects.all(), "kind", "cohort_id", "activity_id"),
        "completed_modules": rows(
            ModuleProgress.objects.filter(completed_at__isnull=False), "module_id"
        ),
        "peer_groups": rows(PeerGroupMember.objects.all(), "group_id"),
    }


def _run(capture, service, **kwargs):
    """Call a service the way a request does: commit, then the events' handlers and jobs."""
    with capture(execute=True):
        return service(**kwargs)


@pytest.fixture
def world(  # noqa: PLR0915 (one story, told in order)
    db,
    clock,
    make_cohort,
    make_activity,
    programme,
    django_capture_on_commit_callbacks,
) -> World:
    capture = django_capture_on_commit_callbacks

    def person(name, country, email, sector=Sector.FIRE_RESCUE, organisation=None):
        first, _, last = name.partition(" ")
        return UserFactory(
            email=email,
            first_name=first,
            last_name=last,
            profile__full_name=name,
            profile__country=country,
            profile__sector=sector,
            profile__organisation=OrganisationFactory(
                name=organisation or f"{name.split()[-1]} Rescue", country=country, sector=sector
            ),
        )

    staff = UserFactory(
        email="helmi.vaananen@example.fi",
        is_staff=True,
        is_superuser=True,
        profile__full_name="Helmi Väänänen",
        profile__country="FI",
    )
    janis = person("Jānis Bērziņš", "LV", JANIS_EMAIL, organisation="VUGD Zemgale")
    thorunn = person(
        "Þórunn Guðmundsdóttir", "IS", THORUNN_EMAIL, Sector.COAST_GUARD, "Landhelgisgæslan"
    )
    others = [
        person("Søren Ærø", "DK", "soren.aero@example.dk", Sector.POLICE, "Rigspolitiet"),
        person("Małgorzata Wąsowska", "PL", "m.wasowska@example.pl", Sector.MUNICIPALITY),
    ]

    # The cohort: applications in November 2029, the programme until February 2030.
    clock.now = local("2029-11-01 10:00")
    module = make_module(programme, title="Cross-border cooperation", slug="cross-border")
    cohort = make_cohort(
        title="BEP 2030 — Latvian presidency",
        slug="bep-2030",
        starts_on=local("2029-12-01 00:00").date(),
        ends_on=local(f"{COHORT_ENDS} 00:00").date(),
        enrolment_mode=EnrolmentMode.OPEN,
    )
    cohort.modules.set([module])
    cohort.save()  # parental many-to-many choices are written on save
    question = ApplicationQuestion.objects.create(
        cohort=cohort, label="Which exercise would you bring to the group?", sort_order=0
    )
    named_survey = make_survey(
        programme,
        title="Before the programme",
        questions=[
            {"field_type": "likert", "label": "I know what to expect", "scale_points": 5},
            {"field_type": "multiline", "label": "What do you hope to learn", "required": False},
            {"field_type": "email", "label": "Where to reach you afterwards", "required": False},
        ],
    )
    draft_survey = make_survey(
        programme,
        title="Mid-programme check",
        questions=[{"field_type": "multiline", "label": "How is it going", "required": False}],
    )
    anonymous_survey = make_survey(
        programme,
        title="Programme feedback",
        anonymous=True,
        questions=[
            {"field_type": "rating", "label": "How likely are you to recommend it"},
            {"field_type": "multiline", "label": "Anything else", "required": False},
        ],
    )
    for survey in (named_survey, draft_survey):
        SurveyTarget.objects.create(
            survey=survey, cohort=cohort, trigger=SurveyTrigger.ACCEPTED, days_after=0
        )
    make_template("programme", cohorts=[cohort])

    answers = {janis: ANSWER_JANIS, thorunn: ANSWER_THORUNN}
    for someone in (janis, thorunn, *others):
        _run(
            capture,
            services.enrolment_apply,
            user=someone,
            cohort=cohort,
            answers={question.field_name: answers.get(someone, "A table-top on power cuts")},
        )
    _run(capture, surveys.survey_invitations_send, now=clock.now)

    # A nomination by Latvia's focal point, confirmed by Jānis.
    nominated_cohort = make_cohort(
        title="NEEDS 2030 — societal security",
        slug="needs-2030",
        starts_on=local("2029-12-01 00:00").date(),
        ends_on=local(f"{COHORT_ENDS} 00:00").date(),
        enrolment_mode=EnrolmentMode.NOMINATION,
        nomination_deadline=local("2029-11-20 12:00"),
    )
    focal = UserFactory(email="ilze.kalnina@example.lv", profile__full_name="Ilze Kalniņa")
    FocalPoint.objects.create(user=focal, country="LV")
    nomination = _run(
        capture,
        services.nomination_create,
        actor=focal,
        cohort=nominated_cohort,
        nominee=services.Nominee(
            email=JANIS_EMAIL, full_name="Jānis Bērziņš", country="LV", sector=Sector.FIRE_RESCUE
        ),
    )
    _run(capture, services.nomination_confirm, enrolment=nomination, user=janis)

    # Peer groups: everyone accepted in one group of four.
    clock.now = local("2029-11-05 10:00")
    run = peergroups.matching_run_request(
        cohort=cohort, actor=staff, group_size=4, seed=7, time_limit=2
    )
    peergroups.matching_run_execute(run_id=run.pk)
    run.refresh_from_db()
    _run(capture, peergroups.matching_run_publish, run=run, actor=staff, accept_violations=True)

    # The named survey answered by both; Jānis leaves a draft in the second one.
    fields = names(named_survey)
    for someone, text in ((janis, SURVEY_TEXT_JANIS), (thorunn, SURVEY_TEXT_THORUNN)):
        invitation = SurveyInvitation.objects.get(survey=named_survey, user=someone)
        outcome = _run(
            capture,
            surveys.survey_invitation_submit,
            invitation_id=invitation.pk,
            data={
                fields["I know what to expect"]: "4",
                fields["What do you hope to learn"]: text,
                fields["Where to reach you afterwards"]: someone.email,
            },
            user=someone,
        )
        assert outcome.ok, outcome.form.errors
    draft = SurveyInvitation.objects.get(survey=draft_survey, user=janis)
    surveys.survey_draft_save(
        invitation_id=draft.pk,
        data={names(draft_survey)["How is it going"]: DRAFT_JANIS},
        user=janis,
    )

    # A youth group from Estonia brings a minor without an account, with her guardian's consent.
    leader = UserFactory(email="kadri.leader@example.ee", profile__full_name="Kadri Mägi")
    group = YouthGroup.objects.create(
        name="Pärnu Young Rescuers",
        organisation="Estonian Rescue Board Youth",
        country="EE",
        kind=GroupKind.RESCUE_YOUTH,
    )
    group.leaders.add(leader)
    oie = User.objects.create_user(email="member-7f3k2q@members.invalid", password=None)
    oie.first_name, oie.last_name = "Õie", "Täht"
    oie.save()
    from lms.models import Profile

    Profile.objects.create(user=oie, full_name="Õie Täht", country="EE", sector=Sector.YOUTH)
    member = GroupMember.objects.create(
        group=group,
        person=oie,
        first_name="Õie",
        family_name="Täht",
        birth_year=2015,
        guardian_name="Maarja Täht",
        guardian_email=GUARDIAN_EMAIL,
        guardian_phone=GUARDIAN_PHONE,
        added_by=leader,
    )

    # The table-top in Rīga, 15-17 January 2030: registrations a week before, notes for meals.
    activity = make_activity(title="Storm Surge Table-top: Rīga", slug="storm-surge-riga")
    make_template("activity", activities=[activity])
    clock.now = local("2030-01-08 10:00")
    places = {
        someone: _run(capture, services.registration_create, user=someone, activity=activity)
        for someone in (janis, thorunn)
    }
    Enrolment.objects.filter(pk=places[janis].pk).update(care_notes=NOTES_JANIS)
    Enrolment.objects.filter(pk=places[thorunn].pk).update(care_notes=NOTES_THORUNN)
    oie_place = Enrolment.objects.create(
        activity=activity,
        user=oie,
        state=EnrolmentState.ACCEPTED,
        source=EnrolmentSource.GROUP,
        group=group,
        country="EE",
        sector=Sector.YOUTH,
        care_notes=NOTES_OIE,
    )
    log(
        instance=oie_place,
        action="cohorts.enrolment.accept",
        user=leader,
        data={"member": member.full_name, "guardian_email": GUARDIAN_EMAIL},
    )
    notice = PrivacyNotice.objects.create(
        version="2029-1", title="Taking part as a young person", body="What we keep, and why."
    )
    GuardianConsent.objects.create(
        person=oie,
        purpose=ConsentPurpose.ACTIVITY,
        subject_key=f"enrolment:{oie_place.pk}",
        subject_title=activity.title,
        guardian_email=GUARDIAN_EMAIL,
        guardian_name="Maarja Täht",
        state=ConsentState.GIVEN,
        notice=notice,
        requested_by=leader,
        decided_at=clock.now,
        decided_by_name="Maarja Täht",
    )
    email_queue(
        recipient=GUARDIAN_EMAIL,
        reason=f"consent:{oie_place.pk}",
        subject="Õie Täht: please confirm her place",
        template="lms.user.registered",
        context={"name": "Maarja Täht, for Õie Täht"},
    )

    # Check-in on each of the three days; every place attends.
    desk = UserFactory(email="desk@example.lv", profile__full_name="Kristīne Ozoliņa")
    for day in ("2030-01-15", "2030-01-16", "2030-01-17"):
        clock.now = local(f"{day} 09:30")
        session = next(
            s
            for s in attendance.sessions_ensure(activity=activity)
            if attendance.session_local_date(s, activity).isoformat() == day
        )
        for place in (*places.values(), oie_place):
            _run(capture, attendance.check_in, enrolment=place, session=session, actor=desk)

    # The module, with a reflection and a passed quiz: the cohort completes.
    clock.now = local("2030-01-20 18:00")
    steps = step_ids(module)
    reflections = {janis: REFLECTION_JANIS, thorunn: REFLECTION_THORUNN}
    for someone in (janis, thorunn):
        for kind in ("section", "scenario"):
            learning.progress_step_complete(user=someone, module=module, step_id=steps[kind])
        nonce = learning.quiz_nonce(user=someone, module=module, step_id=steps["quiz"])
        learning.quiz_submit(
            user=someone,
            module=module,
            step_id=steps["quiz"],
            answers=right_answers(module),
            nonce=nonce,
        )
        _run(
            capture,
            learning.progress_step_complete,
            user=someone,
            module=module,
            step_id=steps["reflection"],
            reflection=reflections[someone],
        )

    # Anonymous feedback in February, from both.
    clock.now = local("2030-02-10 10:00")
    target = SurveyTarget.objects.create(
        survey=anonymous_survey, cohort=cohort, trigger=SurveyTrigger.MANUAL
    )
    _run(capture, surveys.survey_target_send, target=target, actor=staff)
    anonymous_fields = names(anonymous_survey)
    for someone in (janis, thorunn):
        invitation = SurveyInvitation.objects.get(target=target, user=someone)
        outcome = _run(
            capture,
            surveys.survey_invitation_submit,
            invitation_id=invitation.pk,
            data={
                anonymous_fields["How likely are you to recommend it"]: "9",
                anonymous_fields["Anything else"]: "Keep the exercises",
            },
            user=someone,
        )
        assert outcome.ok, outcome.form.errors

    # A job that failed while sending to Jānis, as django-q2 keeps it.
    Task.objects.create(
        id="f" * 32,
        name="lima-seven-tango",
        func="lms.tasks.email_send_task",
        args=(1,),
        kwargs={},
        result=f"SMTPRecipientsRefused: {{'{JANIS_EMAIL}': (550, 'mailbox full')}}",
        started=clock.now,
        stopped=clock.now,
        success=False,
    )

    # Traces that break the ids-only convention, as an older release or a hurried fix might
    # leave them: an event payload and a queued job carrying the address and the name.
    Event.objects.create(
        name="lms.profile.renamed",
        key=f"lms.profile.renamed:{janis.pk}",
        payload={"user_id": janis.pk, "old_name": "Janis Berzins", "name": "Jānis Bērziņš"},
        dispatched_at=clock.now,
    )
    OrmQ.objects.create(
        key="bsr-academy",
        payload=SignedPackage.dumps(
            {
                "id": "e" * 32,
                "name": "oscar-nine",
                "func": "lms.tasks.email_send_task",
                "args": (JANIS_EMAIL,),
                "kwargs": {},
                "started": clock.now,
            }
        ),
    )

    assert Enrolment.objects.filter(user=janis, state=EnrolmentState.COMPLETED).count() == 1
    assert janis.certificates.filter(state="issued").count() == 2

    clock.now = local(ERASED_AT)
    return World(
        janis=janis,
        thorunn=thorunn,
        oie=oie,
        leader=leader,
        staff=staff,
        cohort=cohort,
        nominated_cohort=nominated_cohort,
        activity=activity,
        module=module,
        named_survey=named_survey,
        anonymous_survey=anonymous_survey,
        group=group,
    )


def export_of(user, capture) -> "privacy.DataExport":
    """Ask for the person's data and let the job run, as after the request's commit."""
    with capture(execute=True):
        export = privacy.data_export_request(user=user)
    export.refresh_from_db()
    return export


def sessions_of(user) -> int:
    from django.contrib.sessions.backends.db import SessionStore

    return sum(
        1
        for s in Session.objects.all()
        if SessionStore().decode(s.session_data).get("_auth_user_id") == str(user.pk)
    )


# --- looking for a person everywhere ----------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _readable(model, field, value) -> str:
    """A stored value as text a person could read: session data and queued django-q2 packages
    decoded, JSON with its characters unescaped."""
    from django.contrib.sessions.backends.db import SessionStore
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    if value is None:
        return ""
    if model is Session and field.name == "session_data":
        return json.dumps(SessionStore().decode(value), ensure_ascii=False, default=str)
    if model is OrmQ and field.name == "payload":
        return repr(SignedPackage.loads(value))
    if isinstance(value, str):
        return value
    if hasattr(value, "name") and not isinstance(value, dict | list):  # a stored file's name
        return value.name or ""
    return json.dumps(value, ensure_ascii=False, default=repr)


TEXT_TYPES = {"CharField", "TextField", "EmailField", "SlugField", "URLField", "JSONField"}


def traces_of(needles: list[str]) -> list[str]:
    """Every stored text, in every table of every installed app (Wagtail's and django-q2's
    included), that contains one of `needles`: "app.Model.field #pk: …" lines."""
    folded = [_fold(n) for n in needles]
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.get_internal_type() in TEXT_TYPES | {"FileField"}
            or isinstance(f, models.FileField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._base_manager.all().iterator():
            for field in fields:
                text = _fold(_readable(model, field, getattr(row, field.attname)))
                for needle, fold in zip(needles, folded, strict=True):
                    if fold in text:
                        at = text.index(fold)
                        found.append(
                            f"{model._meta.label}.{field.name} #{row.pk}: {needle!r} in "
                            f"…{text[max(0, at - 40) : at + 40]}…"
                        )
    return found


def archive_of(export) -> dict[str, bytes]:
    with export.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def pdf_words(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
