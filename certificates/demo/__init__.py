"""Demo certificates: the templates editors start from (BEP completion in English with Latvian and
Finnish, activity attendance, NEEDS module completion) and a finished edition, BEP 2025 run by the
Latvian presidency, whose participants completed it and hold their certificates. Everything is
made through the same services people use; running it again changes nothing."""

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from certificates import services
from certificates.models import (
    Border,
    Certificate,
    CertificateKind,
    CertificateSignatory,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
    CertificateTranslation,
)
from cohorts.demo import (
    PARTICIPANT_PASSWORD,
    STAFF_DOMAIN,
    STAFF_PASSWORD,
    Person,
    email_of,
    person_ensure,
)
from cohorts.models import Cohort, Enrolment, EnrolmentMode, EnrolmentState
from cohorts.places import services as cohort_services
from lms.models import Gender, Level, Sector, User
from programmes.errors import ProgrammesError
from programmes.models import ModulePage, ModuleProgress, ProgrammePage
from programmes.progress import services as programme_services

BEP_SLUG = "baltic-excellence-programme"
NEEDS_SLUG = "needs"
# The Baltic Sea blue of the site, with an amber accent.
BEP_COLOUR = "#083d6e"
BEP_ACCENT = "#7a5a00"

BEP_TEMPLATE = {
    "name": "BEP completion",
    "kind": CertificateKind.PROGRAMME,
    "language": "en",
    "title": "Certificate of completion",
    "wording": (
        "has successfully completed the {programme}, {cohort}: a leadership course for senior "
        "civil-protection and law-enforcement experts of the member states of the Council of "
        "the Baltic Sea States.\n"
        "The programme ran from {date_start} to {date_end} and comprised {hours} hours of "
        "modules, exercises and peer learning."
    ),
    "hours": 96,
    "colour": BEP_COLOUR,
    "accent": BEP_ACCENT,
    "border": Border.DOUBLE,
}
BEP_TRANSLATIONS = [
    (
        "lv",
        "Apliecība par programmas pabeigšanu",
        "{name} ir sekmīgi pabeidzis(-usi) programmu {programme} ({cohort}), kas norisinājās "
        "no {date_start} līdz {date_end}, {hours} stundu apjomā.",
    ),
    (
        "fi",
        "Todistus ohjelman suorittamisesta",
        "{name} on suorittanut hyväksytysti ohjelman {programme} ({cohort}) ajalla "
        "{date_start} – {date_end}, laajuus {hours} tuntia.",
    ),
]
BEP_SIGNATORIES = [
    ("Riikka Törmänen", "Director, Baltic Excellence Programme"),
    ("Andris Ozoliņš", "Chair of the BEP steering group"),
]
ACTIVITY_TEMPLATE = {
    "name": "Activity attendance",
    "kind": CertificateKind.ACTIVITY,
    "language": "en",
    "title": "Certificate of attendance",
    "wording": (
        "took part in {activity}, held {dates} in {place}, an activity of the {programme}.\n"
        "Attendance: {hours} hours."
    ),
    "colour": "#1d3557",
    "accent": "#5c677d",
    "border": Border.SINGLE,
}
ACTIVITY_SIGNATORIES = [("Marius Žukauskas", "Head of training, BSR Academy")]
MODULE_TEMPLATE = {
    "name": "NEEDS module completion",
    "kind": CertificateKind.MODULE,
    "language": "en",
    "title": "Module certificate",
    "wording": (
        "has completed the module {module} of the {programme} on {date_end}, including its "
        "knowledge check."
    ),
    "colour": "#2d4a22",
    "accent": "#5c677d",
    "border": Border.SINGLE,
}

BEP_2025 = {
    "title": "BEP 2025 — Latvian presidency",
    "slug": "bep-2025",
    "summary": (
        "The Latvian presidency's edition of the Baltic Excellence Programme, on leading "
        "cross-border responses to floods and storms. It has ended: its participants hold their "
        "certificates."
    ),
    "presidency_country": "LV",
    "enrolment_mode": EnrolmentMode.APPROVAL,
    "capacity": 20,
    "offer_hours": 72,
}
ENDED_DAYS_AGO = 30
LASTED_DAYS = 200

F, M = Gender.FEMALE, Gender.MALE
NATIONAL, REGIONAL = Level.NATIONAL, Level.REGIONAL


@dataclass(frozen=True)
class Alumnus:
    person: Person
    completes: bool = True
    reflection: str = ""


def _alumnus(name, country, gender, organisation, sector, level, role, **kw) -> Alumnus:
    return Alumnus(Person(name, country, gender, organisation, sector, level, role), **kw)


PRESIDENCY_STAFF = Person(
    "Inese Kļaviņa",
    "LV",
    F,
    "Iekšlietu ministrija",
    Sector.MINISTRY,
    NATIONAL,
    "BEP 2025 programme manager, Latvian presidency",
)
# Made-up people of the region's real agencies. Aino and Laura get bilingual certificates (their
# languages have translations); Åke stopped after the first module and has none.
ALUMNI = [
    _alumnus("Kęstutis Žemaitis", "LT", M, "Priešgaisrinės apsaugos ir gelbėjimo departamentas",
             Sector.FIRE_RESCUE, NATIONAL, "Head of the operations planning division"),
    _alumnus("Ülle Kõiv", "EE", F, "Päästeamet", Sector.FIRE_RESCUE, REGIONAL,
             "Head of a regional rescue centre"),
    _alumnus("Aino Mäkelä", "FI", F, "Pelastusopisto", Sector.CIVIL_PROTECTION, NATIONAL,
             "Senior lecturer in crisis management"),
    _alumnus("Þorsteinn Ólafsson", "IS", M, "Landhelgisgæsla Íslands", Sector.COAST_GUARD,
             NATIONAL, "Operations officer"),
    _alumnus("Sørine Højgaard", "DK", F, "Beredskabsstyrelsen", Sector.CIVIL_PROTECTION,
             NATIONAL, "Head of the international section"),
    _alumnus("Wojciech Łaszkiewicz", "PL", M, "Straż Graniczna", Sector.BORDER_GUARD, REGIONAL,
             "Deputy commander of a border-guard post"),
    _alumnus("Jörg Weißmüller", "DE", M, "Technisches Hilfswerk", Sector.CIVIL_PROTECTION,
             NATIONAL, "Head of the international operations unit"),
    _alumnus("Laura Bērziņa", "LV", F, "Valsts policija", Sector.POLICE, NATIONAL,
             "Head of the crisis-management unit"),
    _alumnus("Åke Öberg", "SE", M, "Kustbevakningen", Sector.COAST_GUARD, NATIONAL,
             "Deputy head of a coast-guard region", completes=False),
]  # fmt: skip
REFLECTION = (
    "Before the next cross-border exercise I will agree with our neighbours who leads, how we "
    "share one picture of the situation, and how we tell the public the same thing."
)


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: demo people log in with published passwords, not in production"]
    bep = ProgrammePage.objects.filter(slug=BEP_SLUG).first()
    needs = ProgrammePage.objects.filter(slug=NEEDS_SLUG).first()
    if bep is None or needs is None:
        return ["no demo programmes: the programmes demo runs first"]
    lines: list[str] = []
    _templates_load(bep=bep, needs=needs, lines=lines)
    cohort = _edition_load(bep, lines=lines)
    _certificates_load(cohort, lines=lines)
    return lines or ["certificates already present"]


# --- templates ----------------------------------------------------------------------------------


def _template_ensure(
    data: dict, *, programme, translations=(), signatories=(), lines: list[str]
) -> CertificateTemplate:
    """The template by name, as an editor would set it up; an existing one (an editor's own
    work) is left alone."""
    template = CertificateTemplate.objects.filter(name=data["name"]).first()
    if template is not None:
        return template
    template = CertificateTemplate(
        programme=programme,
        auto_issue=True,
        active=True,
        translations=[
            CertificateTranslation(language=language, title=title, wording=wording)
            for language, title, wording in translations
        ],
        signatories=[CertificateSignatory(name=name, role=role) for name, role in signatories],
        **data,
    )
    template.full_clean()
    with transaction.atomic():
        template.save()
    lines.append(f"created certificate template {template.name}")
    return template


def _templates_load(*, bep, needs, lines: list[str]) -> None:
    _template_ensure(
        BEP_TEMPLATE,
        programme=bep,
        translations=BEP_TRANSLATIONS,
        signatories=BEP_SIGNATORIES,
        lines=lines,
    )
    _template_ensure(
        ACTIVITY_TEMPLATE, programme=None, signatories=ACTIVITY_SIGNATORIES, lines=lines
    )
    _template_ensure(MODULE_TEMPLATE, programme=needs, lines=lines)


# --- BEP 2025: a finished edition ---------------------------------------------------------------


def _cohort_ensure(programme, *, lines: list[str]) -> tuple[Cohort, bool]:
    cohort = Cohort.objects.filter(slug=BEP_2025["slug"]).first()
    if cohort is not None:
        return cohort, False
    today = timezone.localdate()
    ends_on = today - timedelta(days=ENDED_DAYS_AGO)
    with transaction.atomic():
        starts_on = ends_on - timedelta(days=LASTED_DAYS)
        cohort = Cohort(
            programme=programme,
            starts_on=starts_on,
            ends_on=ends_on,
            applications_open_at=_noon(starts_on - timedelta(days=60)),
            applications_close_at=_noon(starts_on - timedelta(days=30)),
            # Completed by the modules alone: the edition's activities are long past.
            modules=list(ModulePage.objects.child_of(programme).live()),
            **BEP_2025,
        )
        cohort.full_clean(exclude=["staff_group"])
        cohort.save()
        cohort_services.cohort_staff_group_ensure(cohort=cohort)
    lines.append(f"created cohort {cohort.title} (ended {ends_on.isoformat()})")
    return cohort, True


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _edition_load(programme, *, lines: list[str]) -> Cohort:
    cohort, _ = _cohort_ensure(programme, lines=lines)
    staff_email = f"presidency.lv@{STAFF_DOMAIN}"
    staff, made = person_ensure(
        PRESIDENCY_STAFF, email=staff_email, password_hash=make_password(STAFF_PASSWORD)
    )
    if made:
        lines.append(f"added presidency staff {staff_email} (password {STAFF_PASSWORD})")
    group = cohort_services.cohort_staff_group_ensure(cohort=cohort)
    if not staff.groups.filter(pk=group.pk).exists():
        staff.groups.add(group)

    participant_hash = None
    people: list[tuple[Alumnus, User]] = []
    for alumnus in ALUMNI:
        email = email_of(alumnus.person)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            participant_hash = participant_hash or make_password(PARTICIPANT_PASSWORD)
            user, _ = person_ensure(alumnus.person, email=email, password_hash=participant_hash)
        people.append((alumnus, user))

    _participants_load(cohort, people=people, staff=staff, lines=lines)
    completed = 0
    for alumnus, user in people:
        completed += _modules_complete(cohort, alumnus, user, lines=lines)
    if completed:
        lines.append(f"{completed} participants completed {cohort.title}")
    return cohort


def _participants_load(cohort: Cohort, *, people, staff: User, lines: list[str]) -> None:
    """The presidency imported its list of participants on the cohort desk, and each confirmed
    their place."""
    rows = [
        (
            number,
            cohort_services.Nominee(
                email=user.email,
                full_name=alumnus.person.name,
                country=alumnus.person.country,
                organisation_name=alumnus.person.organisation,
                sector=alumnus.person.sector,
                level=alumnus.person.level,
            ),
        )
        for number, (alumnus, user) in enumerate(people, start=2)
        if not Enrolment.objects.filter(cohort=cohort, user=user).exists()
    ]
    if rows:
        outcome = cohort_services.enrolments_import(
            cohort=cohort, rows=rows, actor=staff, file_name="bep-2025-participants.csv"
        )
        lines += [f"row {number}: {reason}" for number, reason in outcome.failed.items()]
        if outcome.imported:
            lines.append(f"imported {len(outcome.imported)} participants into {cohort.title}")
    confirmed = 0
    for _, user in people:
        nomination = Enrolment.objects.filter(
            cohort=cohort, user=user, state=EnrolmentState.NOMINATED
        ).first()
        if nomination is not None:
            cohort_services.nomination_confirm(enrolment=nomination, user=user)
            confirmed += 1
    if confirmed:
        lines.append(f"{confirmed} participants confirmed their places in {cohort.title}")


def _modules_complete(cohort: Cohort, alumnus: Alumnus, user: User, *, lines: list[str]) -> int:
    """The person works through the cohort's modules (all of them, or only the first), then the
    completion check runs as the module-completed event's handler would run it. 1 when that
    completed their place."""
    enrolment = Enrolment.objects.filter(cohort=cohort, user=user).first()
    if enrolment is None or enrolment.state != EnrolmentState.ACCEPTED:
        return 0
    modules = list(cohort.modules.live().specific().order_by("path"))
    for module in modules if alumnus.completes else modules[:1]:
        try:
            _module_work_through(module, user)
        except ProgrammesError as exc:
            lines.append(f"{alumnus.person.name} could not finish {module.title}: {exc.message}")
            return 0
    if not alumnus.completes:
        return 0
    with transaction.atomic():
        done = cohort_services.enrolment_complete_check(user_id=user.pk)
    return sum(1 for e in done if e.cohort_id == cohort.pk)


def _module_work_through(module: ModulePage, user: User) -> None:
    if ModuleProgress.objects.filter(user=user, module=module, completed_at__isnull=False).exists():
        return
    for step in module.lessons:
        if step.block_type == "quiz":
            programme_services.quiz_submit(
                user=user,
                module=module,
                step_id=step.id,
                answers=_right_answers(step.value),
                nonce=programme_services.quiz_nonce(user=user, module=module, step_id=step.id),
            )
        else:
            programme_services.progress_step_complete(
                user=user,
                module=module,
                step_id=step.id,
                reflection=REFLECTION if step.block_type == "reflection" else "",
            )


def _right_answers(quiz) -> dict[str, list[str]]:
    """{question id: [the right options' ids]}: a participant who read the lessons."""
    answers = {}
    questions = quiz["questions"]
    for q_index, question in enumerate(getattr(questions, "bound_blocks", questions)):
        options = question.value["options"]
        answers[question.id or str(q_index)] = [
            option.id or str(o_index)
            for o_index, option in enumerate(getattr(options, "bound_blocks", options))
            if option.value.get("correct")
        ]
    return answers


# --- their certificates -------------------------------------------------------------------------


def _certificates_load(cohort: Cohort, *, lines: list[str]) -> None:
    """A certificate for everyone who completed, issued as the completion event's handler
    issues it and printed here and now (not left to the job cluster), so the demo is the same
    with or without it."""
    issued = 0
    completed = Enrolment.objects.filter(
        cohort=cohort, state=EnrolmentState.COMPLETED
    ).select_related("user__profile")
    for enrolment in completed.order_by("pk"):
        certificate = services.certificate_issue(
            user=enrolment.user, cohort=cohort, source=CertificateSource.AUTOMATIC
        )
        if certificate is None:
            lines.append(
                f"no certificate for {enrolment.user}: no automatic template applies to "
                f"{cohort.title}"
            )
            continue
        if certificate.state == CertificateState.PENDING:
            services.certificate_render(certificate_id=certificate.pk)
            issued += 1
    pending = Certificate.objects.filter(cohort=cohort, state=CertificateState.PENDING)
    for certificate_id in pending.values_list("pk", flat=True):
        services.certificate_render(certificate_id=certificate_id)
        issued += 1
    if issued:
        lines.append(f"issued {issued} certificates for {cohort.title}")
