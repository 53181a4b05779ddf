"""Demo content for cohorts: BEP 2026 run by the Finnish presidency, a NEEDS nomination round and
registrations for a study visit, made through the same services as real people use."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cohorts.errors import CohortsError
from cohorts.places import services
from cohorts.places.models import (
    ApplicationQuestion,
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentState,
    FocalPoint,
    PlaceRule,
    RuleAttribute,
    RuleKind,
)
from lms.accounts.services import profile_update, user_register
from lms.models import Gender, Level, Sector, User
from programmes.models import ActivityPage, ModulePage, ProgrammePage

# Documented in the README: every demo member of staff and focal point logs in with the first,
# every demo participant with the second.
STAFF_PASSWORD = "baltic-staff"  # noqa: S105 (a published demo password)
PARTICIPANT_PASSWORD = "baltic-participant"  # noqa: S105
PARTICIPANT_DOMAIN = "example.org"
STAFF_DOMAIN = "bsr-academy.local"

BEP_SLUG = "baltic-excellence-programme"
NEEDS_SLUG = "needs"
STUDY_VISIT_SLUG = "study-visit-warsaw-crisis-management"

LANGUAGES = {
    "DK": "da",
    "EE": "et",
    "FI": "fi",
    "DE": "de",
    "IS": "is",
    "LV": "lv",
    "LT": "lt",
    "NO": "nb",
    "PL": "pl",
    "SE": "sv",
}

F, M = Gender.FEMALE, Gender.MALE
LOCAL, REGIONAL, NATIONAL = Level.LOCAL, Level.REGIONAL, Level.NATIONAL


@dataclass(frozen=True)
class Person:
    name: str
    country: str
    gender: str
    organisation: str
    sector: str
    level: str
    role: str


def _p(name, country, gender, organisation, sector, level, role) -> Person:
    return Person(name, country, gender, organisation, sector, level, role)


# Made-up people; the organisations are the region's real agencies and municipalities.
APPLICANTS = [
    _p("Søren Ærø", "DK", M, "Beredskabsstyrelsen", Sector.CIVIL_PROTECTION, NATIONAL,
       "Head of the national operations centre"),
    _p("Mette Fjeldsø", "DK", F, "Hovedstadens Beredskab", Sector.FIRE_RESCUE, REGIONAL,
       "Chief of a rescue district"),
    _p("Ida Bøgh Sørensen", "DK", F, "Rigspolitiet", Sector.POLICE, NATIONAL,
       "Deputy head of the national crisis staff"),
    _p("Rasmus Kjær Dahl", "DK", M, "Københavns Kommune", Sector.MUNICIPALITY, LOCAL,
       "Emergency-preparedness coordinator"),
    _p("Õie Täht", "EE", F, "Päästeamet", Sector.FIRE_RESCUE, NATIONAL,
       "Head of the crisis-management department"),
    _p("Jüri Õunapuu", "EE", M, "Politsei- ja Piirivalveamet", Sector.BORDER_GUARD, NATIONAL,
       "Head of the border-guard operations bureau"),
    _p("Kärt Sõrmus", "EE", F, "Tartu Linnavalitsus", Sector.MUNICIPALITY, LOCAL,
       "Head of the city's crisis-management team"),
    _p("Tõnis Käär", "EE", M, "Häirekeskus", Sector.CIVIL_PROTECTION, NATIONAL,
       "Shift manager at the emergency response centre"),
    _p("Päivi Hämäläinen", "FI", F, "Helsingin kaupungin pelastuslaitos", Sector.FIRE_RESCUE,
       REGIONAL, "Rescue commander"),
    _p("Jyrki Äijälä", "FI", M, "Rajavartiolaitos", Sector.BORDER_GUARD, NATIONAL,
       "Commander of a coast-guard district"),
    _p("Sanna Kärkkäinen", "FI", F, "Poliisihallitus", Sector.POLICE, NATIONAL,
       "Chief superintendent in the preparedness unit"),
    _p("Mikko Järvinen", "FI", M, "Sisäministeriö", Sector.MINISTRY, NATIONAL,
       "Senior adviser in the department for rescue services"),
    _p("Eeva-Liisa Ylönen", "FI", F, "Tampereen kaupunki", Sector.MUNICIPALITY, LOCAL,
       "Preparedness manager"),
    _p("Jürgen Größ", "DE", M, "Bundesamt für Bevölkerungsschutz und Katastrophenhilfe",
       Sector.CIVIL_PROTECTION, NATIONAL, "Head of the crisis-management training section"),
    _p("Anneliese Möller", "DE", F, "Feuerwehr Hamburg", Sector.FIRE_RESCUE, REGIONAL,
       "Deputy chief fire officer"),
    _p("Björn Weiß", "DE", M, "Landeshauptstadt Kiel", Sector.MUNICIPALITY, LOCAL,
       "Head of the civil-protection office"),
    _p("Özlem Krüger", "DE", F, "Bundespolizei", Sector.POLICE, NATIONAL,
       "Head of a maritime-security unit"),
    _p("Þórunn Guðmundsdóttir", "IS", F, "Almannavarnadeild ríkislögreglustjóra",
       Sector.CIVIL_PROTECTION, NATIONAL, "Head of civil-protection planning"),
    _p("Ævar Þórðarson", "IS", M, "Landhelgisgæsla Íslands", Sector.COAST_GUARD, NATIONAL,
       "Commander of the joint rescue coordination centre"),
    _p("Jānis Bērziņš", "LV", M, "Valsts ugunsdzēsības un glābšanas dienests",
       Sector.FIRE_RESCUE, NATIONAL, "Head of the civil-protection department"),
    _p("Līga Ozoliņa", "LV", F, "Valsts policija", Sector.POLICE, NATIONAL,
       "Head of the public-order division"),
    _p("Ģirts Ķēniņš", "LV", M, "Valsts robežsardze", Sector.BORDER_GUARD, REGIONAL,
       "Deputy head of a regional border-guard board"),
    _p("Ilze Krūmiņa", "LV", F, "Rīgas valstspilsētas pašvaldība", Sector.MUNICIPALITY, LOCAL,
       "Head of the civil-protection commission's secretariat"),
    _p("Žydrūnas Šimkus", "LT", M, "Priešgaisrinės apsaugos ir gelbėjimo departamentas",
       Sector.FIRE_RESCUE, NATIONAL, "Head of the civil-protection board"),
    _p("Ąžuolas Čepulis", "LT", M, "Valstybės sienos apsaugos tarnyba", Sector.BORDER_GUARD,
       REGIONAL, "Commander of a frontier district"),
    _p("Rūta Žukauskienė", "LT", F, "Vilniaus miesto savivaldybė", Sector.MUNICIPALITY, LOCAL,
       "Head of the emergency-management division"),
    _p("Gintarė Šėmaitė", "LT", F, "Lietuvos policija", Sector.POLICE, REGIONAL,
       "Senior investigator"),
    _p("Øystein Håland", "NO", M, "Direktoratet for samfunnssikkerhet og beredskap",
       Sector.CIVIL_PROTECTION, NATIONAL, "Head of the regional preparedness section"),
    _p("Sigrid Bjørnstad", "NO", F, "Oslo brann- og redningsetat", Sector.FIRE_RESCUE,
       REGIONAL, "Assistant fire chief"),
    _p("Kåre Løvås", "NO", M, "Tromsø kommune", Sector.MUNICIPALITY, LOCAL,
       "Emergency-preparedness adviser"),
    _p("Małgorzata Wąsowska", "PL", F, "Państwowa Straż Pożarna", Sector.FIRE_RESCUE, NATIONAL,
       "Head of the national rescue coordination centre"),
    _p("Łukasz Kęsicki", "PL", M, "Straż Graniczna", Sector.BORDER_GUARD, NATIONAL,
       "Deputy commander of a border-guard division"),
    _p("Agnieszka Łęcka", "PL", F, "Rządowe Centrum Bezpieczeństwa", Sector.CIVIL_PROTECTION,
       NATIONAL, "Head of the crisis-planning department"),
    _p("Grzegorz Ściborek", "PL", M, "Komenda Główna Policji", Sector.POLICE, NATIONAL,
       "Head of the crisis-response bureau"),
    _p("Zofia Wróblewska", "PL", F, "Urząd Miejski w Gdańsku", Sector.MUNICIPALITY, LOCAL,
       "Director of the crisis-management department"),
    _p("Åsa Lindqvist", "SE", F, "Myndigheten för samhällsskydd och beredskap",
       Sector.CIVIL_PROTECTION, NATIONAL, "Head of the international operations unit"),
    _p("Göran Ström", "SE", M, "Räddningstjänsten Storgöteborg", Sector.FIRE_RESCUE, REGIONAL,
       "Deputy rescue chief"),
    _p("Märta Åkesson", "SE", F, "Kustbevakningen", Sector.COAST_GUARD, NATIONAL,
       "Head of the maritime-environment section"),
    _p("Linnéa Sjöö", "SE", F, "Tullverket", Sector.CUSTOMS, NATIONAL,
       "Head of the border-protection department"),
    _p("Örjan Bäckström", "SE", M, "Polismyndigheten", Sector.POLICE, REGIONAL,
       "Chief inspector"),
]  # fmt: skip

MOTIVATIONS = {
    Sector.FIRE_RESCUE: (
        "Storms, forest fires and floods no longer stop at our border, yet our rescue services "
        "still meet their neighbours mostly in the middle of a response. I want to know the "
        "people and systems on the other side before the next large incident, and bring back "
        "to {organisation} a plan for joint exercises across the border."
    ),
    Sector.POLICE: (
        "In a large emergency the police keep order, clear the routes and warn the public, "
        "often at the same time as the rescue service is still taking stock. I want to "
        "practise leading alongside other sectors and other countries, so that {organisation} "
        "is ready when a crisis crosses the border."
    ),
    Sector.BORDER_GUARD: (
        "Border crossings are where a crisis in one country first becomes a problem for the "
        "next: people fleeing, goods stopped, rescue teams asking to cross. I want to build the "
        "contacts and the shared procedures that let {organisation} open the way for help "
        "quickly and safely."
    ),
    Sector.COAST_GUARD: (
        "At sea every large incident is international from the first hour: a ship on fire, an "
        "oil spill or a search for missing people draws in several coast guards at once. I "
        "want to lead such operations with colleagues I already know, and share what "
        "{organisation} has learned from recent exercises."
    ),
    Sector.CUSTOMS: (
        "Customs is rarely at the table when crisis plans are written, yet in an emergency we "
        "decide how fast relief goods and equipment cross the border. I want {organisation} to "
        "be part of the region's crisis network and to learn how the other sectors plan."
    ),
    Sector.CIVIL_PROTECTION: (
        "My work is to make the national system hold together when several authorities must "
        "act at once. The programme's mix of countries and sectors is exactly what I need to "
        "test our plans against other ways of working, and to strengthen the ties between "
        "{organisation} and its counterparts around the Baltic Sea."
    ),
    Sector.MINISTRY: (
        "Decisions on preparedness are taken in the ministries, often far from the people "
        "who carry them out. I want to understand how rescue services and municipalities in "
        "other member states experience those decisions, and bring that view back to "
        "{organisation}."
    ),
    Sector.MUNICIPALITY: (
        "Municipalities are where people first feel a crisis and where they first ask for "
        "help, but we are often left out of international cooperation. I want to bring the "
        "local view to the programme and take home ideas for how {organisation} can prepare "
        "its residents, schools and care homes."
    ),
}

CLOSINGS = (
    " My head of service supports my application and has agreed to the time it needs.",
    " I have led our part of two national exercises and would be glad to help prepare the "
    "programme's table-top exercise.",
    " I speak English at work every day and am used to leading mixed teams.",
)

# Staff decisions in the cohort desk, in order; the waitlist follows the order of waitlisting.
BEP_ACCEPTED = (
    "Søren Ærø",
    "Mette Fjeldsø",
    "Õie Täht",
    "Jüri Õunapuu",
    "Päivi Hämäläinen",
    "Jyrki Äijälä",
    "Jürgen Größ",
    "Þórunn Guðmundsdóttir",
    "Jānis Bērziņš",
    "Līga Ozoliņa",
    "Žydrūnas Šimkus",
    "Øystein Håland",
    "Małgorzata Wąsowska",
    "Łukasz Kęsicki",
    "Åsa Lindqvist",
    "Göran Ström",
)
BEP_WAITLISTED = (
    ("Märta Åkesson", "Sweden"),
    ("Sanna Kärkkäinen", "Finland"),
    ("Agnieszka Łęcka", "Poland"),
    ("Ģirts Ķēniņš", "Latvia"),
    ("Mikko Järvinen", "Finland"),
)
WAITLIST_REASON = (
    "A strong application, but {country}'s two places are already taken. You are on the "
    "waitlist and will get an offer if one of them becomes free."
)
BEP_REJECTED = (
    (
        "Rasmus Kjær Dahl",
        "This edition is for people who lead at strategic level, and your post is mainly "
        "operational. The NEEDS courses would suit you well, and we hope to see you apply to a "
        "later edition.",
    ),
    (
        "Tõnis Käär",
        "Your shift pattern means you could attend only one of the three sessions, and the "
        "programme can only be completed by taking part in all of them.",
    ),
    (
        "Özlem Krüger",
        "Your application did not include the endorsement of your head of service, which the "
        "call asked for. You are welcome to apply again next year.",
    ),
    (
        "Gintarė Šėmaitė",
        "This edition is for people who lead at strategic level; your experience as an "
        "investigator is valuable, but the programme would not give you what you are looking "
        "for.",
    ),
    (
        "Örjan Bäckström",
        "You will be deployed abroad during the table-top exercise and the study visit, so you "
        "could not complete the programme this year.",
    ),
)
BEP_WITHDRAWAL = (
    "Jyrki Äijälä",
    "A change of post means I cannot attend the sessions this year.",
)
# BEP participants who register for the study visit (one place per country), in order.
STUDY_VISIT_REGISTRANTS = (
    "Päivi Hämäläinen",
    "Åsa Lindqvist",
    "Jānis Bērziņš",
    "Žydrūnas Šimkus",
    "Małgorzata Wąsowska",
    "Õie Täht",
    "Jürgen Größ",
    "Mette Fjeldsø",
    "Þórunn Guðmundsdóttir",
    "Øystein Håland",
    "Līga Ozoliņa",
    "Göran Ström",
)

PRESIDENCY_STAFF = _p(
    "Helmi Väänänen",
    "FI",
    F,
    "Sisäministeriö",
    Sector.MINISTRY,
    NATIONAL,
    "BEP 2026 programme manager, Finnish presidency",
)
FOCAL_POINTS = {
    "LV": _p("Dace Kalniņa", "LV", F, "Valsts ugunsdzēsības un glābšanas dienests",
             Sector.CIVIL_PROTECTION, NATIONAL, "National focal point"),
    "LT": _p("Laura Mačiulytė", "LT", F, "Priešgaisrinės apsaugos ir gelbėjimo departamentas",
             Sector.CIVIL_PROTECTION, NATIONAL, "National focal point"),
    "PL": _p("Tomasz Żurawski", "PL", M, "Komenda Główna Państwowej Straży Pożarnej",
             Sector.FIRE_RESCUE, NATIONAL, "National focal point"),
    "SE": _p("Ingegerd Hållén", "SE", F, "Myndigheten för samhällsskydd och beredskap",
             Sector.CIVIL_PROTECTION, NATIONAL, "National focal point"),
}  # fmt: skip
NOMINEES = [
    _p("Kristaps Liepiņš", "LV", M, "Ugunsdrošības un civilās aizsardzības koledža",
       Sector.RESEARCH, NATIONAL, "Lecturer"),
    _p("Elīna Vītola", "LV", F, "Jelgavas valstspilsētas pašvaldība", Sector.MUNICIPALITY, LOCAL,
       "Civil-protection specialist"),
    _p("Aistė Kazlauskaitė", "LT", F, "Lietuvos Respublikos vidaus reikalų ministerija",
       Sector.MINISTRY, NATIONAL, "Adviser"),
    _p("Dovilė Jankūnaitė", "LT", F, "Priešgaisrinės apsaugos ir gelbėjimo departamentas",
       Sector.FIRE_RESCUE, REGIONAL, "Fire-prevention inspector"),
    _p("Bartłomiej Wierzbicki", "PL", M, "Szkoła Główna Służby Pożarniczej", Sector.RESEARCH,
       NATIONAL, "Doctoral researcher"),
]  # fmt: skip
NOMINEE_CONFIRMED = "Elīna Vītola"
NOMINEE_SUBSTITUTION = (
    "Aistė Kazlauskaitė",
    _p("Mindaugas Žilinskas", "LT", M, "Vilniaus Gedimino technikos universitetas",
       Sector.RESEARCH, NATIONAL, "Researcher in crisis management"),
)  # fmt: skip

BEP_COHORT = {
    "title": "BEP 2026 — Finnish presidency",
    "slug": "bep-2026",
    "summary": (
        "The Finnish presidency's edition of the Baltic Excellence Programme: leading when a "
        "crisis crosses a border. Twenty places, at most two per member state, and one place "
        "held for a municipality until the reservation date. Tell us why you want to take part "
        "and what you do now; the presidency team reviews every application and answers each "
        "applicant by e-mail."
    ),
    "presidency_country": "FI",
    "enrolment_mode": EnrolmentMode.APPROVAL,
    "capacity": 20,
    "offer_hours": 72,
    "activities_required": 1,
}
NEEDS_COHORT = {
    "title": "NEEDS 2027 — needs assessment round",
    "slug": "needs-2027",
    "summary": (
        "Educators, students and early-career staff map what the field needs from education "
        "in societal security, and take the NEEDS modules together. Places are filled by the "
        "national focal points' nominations, up to two per member state."
    ),
    "presidency_country": "",
    "enrolment_mode": EnrolmentMode.NOMINATION,
    "capacity": 20,
    "offer_hours": 72,
    "activities_required": 1,
}
QUESTIONS = (
    ApplicationQuestion(
        label="Why do you want to take part, and what will you bring back to your organisation?",
        help_text="A few sentences; the presidency team reads every answer.",
        required=True,
        long_answer=True,
    ),
    ApplicationQuestion(
        label="Your current role",
        help_text="Your post and what you are responsible for.",
        required=True,
        long_answer=False,
    ),
)

_ASCII = str.maketrans(
    {"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "þ": "th", "ð": "d", "ł": "l", "đ": "d"}
)


def email_of(person: Person, domain: str = PARTICIPANT_DOMAIN) -> str:
    """jurgen.gross@example.org for Jürgen Größ: the name without its diacritics."""

    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
        text = "".join(c for c in text if not unicodedata.combining(c))
        return re.sub(r"[^a-z]+", "-", text).strip("-")

    first, *rest = person.name.split()
    return f"{plain(first)}.{plain(' '.join(rest))}@{domain}"


class Passwords:
    """The production hasher takes a good fraction of a second per call, so each demo password
    is hashed once per load and the hash shared by every demo account that uses it."""

    def __init__(self):
        self._hashes: dict[str, str] = {}

    def hash(self, password: str) -> str:
        if password not in self._hashes:
            self._hashes[password] = make_password(password)
        return self._hashes[password]


def person_ensure(person: Person, *, email: str, password_hash: str) -> tuple[User, bool]:
    """A demo person with a filled-in profile (once); the password hash is computed once per
    load and shared, because the production hasher is deliberately slow."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    language = LANGUAGES.get(person.country, "en")
    user = user_register(
        email=email,
        password=None,
        full_name=person.name,
        country=person.country,
        preferred_language=language,
    )
    profile_update(
        user=user,
        full_name=person.name,
        preferred_language=language,
        country=person.country,
        organisation_name=person.organisation,
        sector=person.sector,
        level=person.level,
        gender=person.gender,
    )
    User.objects.filter(pk=user.pk).update(password=password_hash)
    return user, True


def _cohort_ensure(programme, data: dict, *, now, **fields) -> tuple[Cohort, bool]:
    """The cohort with its rules, questions, modules and activities, as staff would set it up
    in the admin; an existing one (an editor's work) is left alone."""
    cohort = Cohort.objects.filter(slug=data["slug"]).first()
    if cohort is not None:
        return cohort, False
    modules = list(ModulePage.objects.child_of(programme).live())
    activities = list(ActivityPage.objects.child_of(programme).live().order_by("starts_at"))
    # Only the activities that can take every member, as the admin insists (the study visit,
    # one place per country, is one people register for themselves).
    unfit = {
        activity.pk
        for activity, _ in services.cohort_activity_rule_problems(
            capacity=data["capacity"],
            country_cap=services.cohort_country_cap(fields.get("place_rules", [])),
            activities=activities,
        )
    }
    activities = [activity for activity in activities if activity.pk not in unfit]
    today = timezone.localdate(now)
    starts_on = today + timedelta(days=60)
    last = max((timezone.localdate(a.ends_at) for a in activities if a.ends_at), default=None)
    ends_on = max(starts_on + timedelta(days=180), (last or today) + timedelta(days=14))
    with transaction.atomic():
        cohort = Cohort(
            programme=programme,
            starts_on=starts_on,
            ends_on=ends_on,
            modules=modules,
            activities=activities,
            **data,
            **fields,
        )
        cohort.full_clean(exclude=["staff_group"])
        cohort.save()
        services.cohort_staff_group_ensure(cohort=cohort)
    return cohort, True


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: demo people log in with published passwords, not in production"]
    bep = ProgrammePage.objects.filter(slug=BEP_SLUG).first()
    needs = ProgrammePage.objects.filter(slug=NEEDS_SLUG).first()
    if bep is None or needs is None:
        return ["no demo programmes: the programmes demo runs first"]
    passwords = Passwords()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    lines: list[str] = []
    bep_cohort, bep_people = _bep_load(bep, passwords=passwords, now=now, lines=lines)
    _needs_load(needs, passwords=passwords, now=now, lines=lines)
    study_visit = ActivityPage.objects.filter(slug=STUDY_VISIT_SLUG).first()
    if study_visit is not None:
        _registrations_load(study_visit, people=bep_people, lines=lines)
    return lines or ["cohorts already present"]


# --- BEP 2026: applications, decisions, the waitlist ------------------------------------------


def _staff_ensure(cohort: Cohort, *, passwords: Passwords, lines: list[str]) -> User:
    email = f"presidency.fi@{STAFF_DOMAIN}"
    staff, created = person_ensure(
        PRESIDENCY_STAFF, email=email, password_hash=passwords.hash(STAFF_PASSWORD)
    )
    if created:
        lines.append(f"added presidency staff {email} (password {STAFF_PASSWORD})")
    group = services.cohort_staff_group_ensure(cohort=cohort)
    if not staff.groups.filter(pk=group.pk).exists():
        staff.groups.add(group)
    return staff


def _answers(person: Person, cohort: Cohort, index: int) -> dict:
    motivation = MOTIVATIONS[person.sector].format(organisation=person.organisation)
    motivation += CLOSINGS[index % len(CLOSINGS)]
    return {
        question.field_name: motivation if question.long_answer else person.role
        for question in cohort.questions.all()
    }


def _bep_load(programme, *, passwords, now, lines) -> tuple[Cohort, dict[str, User]]:
    cohort, created = _cohort_ensure(
        programme,
        BEP_COHORT,
        now=now,
        applications_open_at=now - timedelta(days=21),
        applications_close_at=now + timedelta(days=35),
        place_rules=[
            PlaceRule(kind=RuleKind.CAP, attribute=RuleAttribute.COUNTRY, value="", limit=2),
            PlaceRule(
                kind=RuleKind.MINIMUM,
                attribute=RuleAttribute.SECTOR,
                value=Sector.MUNICIPALITY,
                limit=1,
                reserved_until=now + timedelta(days=21),
            ),
        ],
        questions=[_question_copy(q) for q in QUESTIONS],
    )
    if created:
        lines.append(f"created cohort {cohort.title}")
    staff = _staff_ensure(cohort, passwords=passwords, lines=lines)

    people: dict[str, User] = {}
    applied = 0
    password_hash = passwords.hash(PARTICIPANT_PASSWORD)
    for index, person in enumerate(APPLICANTS):
        user, _ = person_ensure(person, email=email_of(person), password_hash=password_hash)
        people[person.name] = user
        if Enrolment.objects.filter(cohort=cohort, user=user).exists():
            continue
        try:
            services.enrolment_apply(
                user=user, cohort=cohort, answers=_answers(person, cohort, index)
            )
        except CohortsError as exc:
            lines.append(f"{person.name} could not apply to {cohort.title}: {exc.message}")
            continue
        applied += 1
    if applied:
        lines.append(f"{applied} people applied to {cohort.title}")

    decisions = [("accept", "", BEP_ACCEPTED)]
    decisions += [
        ("waitlist", WAITLIST_REASON.format(country=country), (name,))
        for name, country in BEP_WAITLISTED
    ]
    decisions += [("reject", reason, (name,)) for name, reason in BEP_REJECTED]
    decided = 0
    for decision, reason, names in decisions:
        # Only applications nobody has decided yet: staff's own decisions in the desk stay.
        ids = list(
            Enrolment.objects.filter(
                cohort=cohort,
                user__in=[people[name] for name in names if name in people],
                state=EnrolmentState.SUBMITTED,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        results = services.enrolment_decide(
            enrolment_ids=ids, decision=decision, reason=reason, actor=staff
        )
        decided += sum(result.ok for result in results)
        lines += [f"{r.enrolment.user}: {r.message}" for r in results if not r.ok]
    if decided:
        lines.append(f"{staff} decided {decided} applications to {cohort.title}")

    name, reason = BEP_WITHDRAWAL
    leaving = Enrolment.objects.filter(
        cohort=cohort, user=people.get(name), state=EnrolmentState.ACCEPTED
    ).first()
    if leaving is not None:
        services.enrolment_withdraw(enrolment=leaving, actor=leaving.user, reason=reason)
        # The `withdrawn` handler would do this too, once the job cluster runs; doing it here
        # makes the demo's waitlist the same with or without it (a second run offers nothing).
        offered = services.waitlist_promote(target=cohort)
        lines.append(
            f"{name} withdrew from {cohort.title}; the place was offered to "
            + (", ".join(str(e.user) for e in offered) or "nobody")
        )
    return cohort, people


def _question_copy(question: ApplicationQuestion) -> ApplicationQuestion:
    return ApplicationQuestion(
        label=question.label,
        help_text=question.help_text,
        required=question.required,
        long_answer=question.long_answer,
    )


# --- NEEDS 2027: focal points and a nomination round ------------------------------------------


def _needs_load(programme, *, passwords, now, lines) -> Cohort:
    cohort, created = _cohort_ensure(
        programme,
        NEEDS_COHORT,
        now=now,
        nomination_deadline=now + timedelta(days=28),
        place_rules=[
            PlaceRule(kind=RuleKind.CAP, attribute=RuleAttribute.COUNTRY, value="", limit=2)
        ],
    )
    if created:
        lines.append(f"created cohort {cohort.title}")

    focal_points: dict[str, User] = {}
    for country, person in FOCAL_POINTS.items():
        email = f"focal.{country.lower()}@{STAFF_DOMAIN}"
        user, made = person_ensure(
            person, email=email, password_hash=passwords.hash(STAFF_PASSWORD)
        )
        _, added = FocalPoint.objects.get_or_create(user=user, country=country, programme=None)
        if made or added:
            lines.append(f"focal point for {country}: {email} (password {STAFF_PASSWORD})")
        focal_points[country] = user

    def enrolment_of(person: Person) -> Enrolment | None:
        return Enrolment.objects.filter(cohort=cohort, user__email__iexact=email_of(person)).first()

    def nominee(person: Person) -> services.Nominee:
        return services.Nominee(
            email=email_of(person),
            full_name=person.name,
            country=person.country,
            organisation_name=person.organisation,
            sector=person.sector,
            level=person.level,
        )

    for person in NOMINEES:
        if enrolment_of(person) is not None:
            continue
        try:
            services.nomination_create(
                actor=focal_points[person.country], cohort=cohort, nominee=nominee(person)
            )
        except CohortsError as exc:
            lines.append(f"{person.name} could not be nominated: {exc.message}")
            continue
        lines.append(f"{focal_points[person.country]} nominated {person.name} for {cohort.title}")

    confirming = enrolment_of(next(p for p in NOMINEES if p.name == NOMINEE_CONFIRMED))
    if confirming is not None and confirming.state == EnrolmentState.NOMINATED:
        services.nomination_confirm(enrolment=confirming, user=confirming.user)
        lines.append(f"{NOMINEE_CONFIRMED} confirmed the nomination")

    old_name, substitute = NOMINEE_SUBSTITUTION
    old = enrolment_of(next(p for p in NOMINEES if p.name == old_name))
    if (
        old is not None
        and old.state == EnrolmentState.NOMINATED
        and enrolment_of(substitute) is None
    ):
        try:
            services.nomination_substitute(
                actor=focal_points[substitute.country], enrolment=old, nominee=nominee(substitute)
            )
            lines.append(f"{substitute.name} took {old_name}'s nomination")
        except CohortsError as exc:
            lines.append(f"{substitute.name} could not take {old_name}'s place: {exc.message}")
    return cohort


# --- an activity's registrations ----------------------------------------------------------------


def _registrations_load(activity, *, people: dict[str, User], lines: list[str]) -> None:
    registered = 0
    for name in STUDY_VISIT_REGISTRANTS:
        user = people.get(name)
        if user is None or Enrolment.objects.filter(activity=activity, user=user).exists():
            continue
        try:
            services.registration_create(user=user, activity=activity)
        except CohortsError as exc:
            lines.append(f"{name} could not register for {activity.title}: {exc.message}")
            continue
        registered += 1
    if registered:
        lines.append(f"{registered} people registered for {activity.title}")
