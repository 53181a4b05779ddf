"""Groups demo: a BYFORES youth exchange with two groups from different countries — a Latvian
youth rescue group and a Swedish sea-scout group — whose leaders booked places for their members
(minors among them, most without an account); some guardians have consented, some have not yet
answered. Made through the same services as real leaders and guardians use. Idempotent."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cohorts.demo import PARTICIPANT_PASSWORD, Passwords, Person, email_of, person_ensure
from cohorts.errors import CohortsError
from cohorts.groups import services as groups
from cohorts.groups.models import GroupKind, GroupMember, YouthGroup
from cohorts.places.models import Enrolment, EnrolmentState
from lms.consent.services import consent_give, consent_token_issue, notice_current
from lms.models import ConsentState, ConsentToken, GuardianConsent, Level, Sector
from programmes.models import ActivityKind, ActivityPage, ProgrammePage

BYFORES_SLUG = "byfores"
EXCHANGE_SLUG = "byfores-youth-exchange-cesis"
EXCHANGE_TZ = "Europe/Riga"
GUARDIAN_DOMAIN = "example.org"


@dataclass(frozen=True)
class Member:
    first: str
    family: str
    age: int  # on the exchange's first day
    guardian: str = ""  # the guardian's full name; their address is made from it
    birthday: tuple[int, int] | None = None  # (month, day) when the full date is known
    consented: bool = False  # the guardian has already given consent in the demo


@dataclass(frozen=True)
class DemoGroup:
    name: str
    organisation: str
    country: str
    kind: str
    leaders: tuple[Person, ...]
    members: tuple[Member, ...]


def _leader(name: str, country: str, organisation: str, role: str) -> Person:
    return Person(name, country, "", organisation, Sector.YOUTH, Level.LOCAL, role)


LATVIAN = DemoGroup(
    name="Cēsu jaunie glābēji",
    organisation="Valsts ugunsdzēsības un glābšanas dienests, Vidzemes reģiona brigāde",
    country="LV",
    kind=GroupKind.RESCUE_YOUTH,
    leaders=(
        _leader("Agnese Bērziņa", "LV", "Valsts ugunsdzēsības un glābšanas dienests",
                "Youth rescue group leader"),
        _leader("Mārtiņš Ozols", "LV", "Valsts ugunsdzēsības un glābšanas dienests",
                "Firefighter and youth instructor"),
    ),
    members=(
        Member("Elza", "Liepiņa", 14, "Inese Liepiņa", (3, 12), consented=True),
        Member("Roberts", "Kalniņš", 15, "Guntis Kalniņš", consented=True),
        Member("Anete", "Zariņa", 13, "Līga Zariņa", (11, 2), consented=True),
        Member("Kārlis", "Ērglis", 16, "Ieva Ērgle", consented=True),
        Member("Līva", "Šķēle", 12, "Jānis Šķēle", (6, 30)),
        Member("Dāvis", "Krūmiņš", 17, "Sandra Krūmiņa"),
    ),
)  # fmt: skip
SWEDISH = DemoGroup(
    name="Sjöscoutkåren Ägir",
    organisation="Scouterna",
    country="SE",
    kind=GroupKind.SCOUT_GROUP,
    leaders=(_leader("Björn Åström", "SE", "Scouterna", "Sea-scout leader"),),
    members=(
        Member("Saga", "Öberg", 15, "Annika Öberg", consented=True),
        Member("Elias", "Ångström", 14, "Fredrik Ångström", (9, 21), consented=True),
        Member("Maja", "Lindqvist", 13, "Sofia Lindqvist"),
        Member("Ture", "Hägg", 16, "Per Hägg"),
        Member("Wilma", "Björk", 19),  # a young adult assistant leader, no account
    ),
)
GROUPS = (LATVIAN, SWEDISH)

EXCHANGE = {
    "title": "BYFORES youth exchange: ready together for floods and storms",
    "slug": EXCHANGE_SLUG,
    "kind": ActivityKind.WORKSHOP,
    "summary": (
        "Four days in Cēsis for youth rescue groups, scouts and young volunteers from around "
        "the Baltic Sea: first aid, flood protection, a night-time search exercise and a plan "
        "for each group's home town."
    ),
    "description": (
        "<p>Groups register through their leader, who books places for the members. Members "
        "under 18 need the consent of a parent or guardian, who gets an e-mail with a link.</p>"
        "<p>Each group brings at least one adult for every eight members under 18.</p>"
    ),
    "time_zone": EXCHANGE_TZ,
    "venue_name": "Vidzemes jauniešu centrs",
    "venue_city": "Cēsis",
    "venue_country": "LV",
    "language": "en",
    "capacity": 40,
    "places_per_country": 12,
    "min_age": 12,
    "minors_per_adult": 8,
}


def _exchange_ensure(programme: ProgrammePage, *, now, lines: list[str]) -> ActivityPage:
    """The youth exchange under BYFORES, published as an editor would; an existing one (and its
    dates) is left as it is."""
    existing = ActivityPage.objects.child_of(programme).filter(slug=EXCHANGE_SLUG).first()
    if existing is not None:
        return existing.specific
    tz = zoneinfo.ZoneInfo(EXCHANGE_TZ)
    first_day = timezone.localtime(now, tz).date() + dt.timedelta(days=120)
    first_day += dt.timedelta(days=(3 - first_day.weekday()) % 7)  # a Thursday
    starts_at = dt.datetime.combine(first_day, dt.time(10, 0), tzinfo=tz)
    page = ActivityPage(
        **EXCHANGE,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(days=3, hours=4),
        registration_opens_at=now - dt.timedelta(days=14),
        registration_closes_at=starts_at - dt.timedelta(weeks=3),
    )
    with transaction.atomic():
        programme.add_child(instance=page)
        page.full_clean()
        page.save_revision().publish()
    lines.append(f"created activity {page.title} in {programme.title}")
    return page


def _birth(member: Member, start: dt.date) -> tuple[int, dt.date | None]:
    """A birth year (and date) that makes the member `age` on the exchange's first day."""
    if member.birthday is None:
        # With the year alone the younger possible age counts: born the year after.
        return start.year - member.age - 1, None
    month, day = member.birthday
    year = start.year - member.age - (1 if (month, day) > (start.month, start.day) else 0)
    return year, dt.date(year, month, day)


def _guardian_email(name: str) -> str:
    return email_of(Person(name, "", "", "", "", "", ""), domain=GUARDIAN_DOMAIN)


def _group_ensure(data: DemoGroup, *, passwords, lines: list[str]) -> tuple[YouthGroup, list]:
    leaders = []
    for person in data.leaders:
        email = email_of(person)
        user, created = person_ensure(
            person, email=email, password_hash=passwords.hash(PARTICIPANT_PASSWORD)
        )
        if created:
            lines.append(f"added group leader {email} (password {PARTICIPANT_PASSWORD})")
        leaders.append(user)
    group = YouthGroup.objects.filter(name=data.name, country=data.country).first()
    if group is None:
        group = groups.group_create(
            actor=leaders[0],
            data=groups.GroupData(
                name=data.name, organisation=data.organisation, country=data.country,
                kind=data.kind,
            ),
        )  # fmt: skip
        lines.append(f"{leaders[0]} registered the group {group.name}")
    for leader in leaders[1:]:
        if not group.leaders.filter(pk=leader.pk).exists():
            # Demo data: the co-leader's acceptance of an invitation is taken as given.
            group.leaders.add(leader)
            lines.append(f"{leader} co-leads {group.name}")
    return group, leaders


def _members_ensure(group, data: DemoGroup, leaders, *, start: dt.date, lines) -> list:
    """The leaders take part too (linked to their accounts); the young members have none."""
    members = []
    for leader, person in zip(leaders, data.leaders, strict=True):
        member = GroupMember.objects.filter(group=group, person=leader).first()
        if member is None:
            first, _, family = person.name.partition(" ")
            member = groups.member_add(
                actor=leaders[0],
                group=group,
                data=groups.MemberData(
                    first_name=first,
                    family_name=family,
                    birth_year=start.year - 41 + len(members) * 7,
                    account_email=leader.email,
                ),
            )
        members.append(member)
    added = 0
    for item in data.members:
        member = GroupMember.objects.filter(
            group=group, first_name=item.first, family_name=item.family
        ).first()
        if member is None:
            year, date = _birth(item, start)
            member = groups.member_add(
                actor=leaders[0],
                group=group,
                data=groups.MemberData(
                    first_name=item.first,
                    family_name=item.family,
                    birth_year=year,
                    birth_date=date,
                    guardian_name=item.guardian,
                    guardian_email=_guardian_email(item.guardian) if item.guardian else "",
                ),
            )
            added += 1
        members.append(member)
    if added:
        lines.append(f"{group.name}: {added} members added")
    return members


def _book(group, leader, activity, members, lines) -> None:
    unbooked = [
        m
        for m in members
        if not Enrolment.objects.filter(activity=activity, user_id=m.person_id).exists()
    ]
    if not unbooked:
        return
    try:
        result = groups.group_book(
            actor=leader,
            group=group,
            target=activity,
            member_ids=[m.pk for m in unbooked],
            mode=groups.ALL,
            care_notes={unbooked[-1].pk: "Vegetarian; carries an inhaler for asthma."},
        )
    except CohortsError as exc:
        lines.append(f"{group.name} could not book {activity.title}: {exc.message}")
        return
    lines.append(f"{group.name} booked {len(result.booked)} places in {activity.title}")


def _consents_give(group, data: DemoGroup, activity, lines) -> None:
    """The guardians who have answered: each gives consent through the consent page's own
    service, with a link issued for the purpose (the e-mailed one exists only in the outbox)."""

    notice = notice_current()
    if notice is None:
        lines.append("no privacy notice published: the demo's consents stay pending")
        return
    given = 0
    for item in data.members:
        if not item.consented:
            continue
        member = GroupMember.objects.filter(
            group=group, first_name=item.first, family_name=item.family
        ).first()
        enrolment = Enrolment.objects.filter(
            activity=activity,
            user_id=getattr(member, "person_id", None),
            state=EnrolmentState.PENDING_CONSENT,
        ).first()
        if enrolment is None:
            continue
        consent = GuardianConsent.objects.filter(
            subject_key=f"enrolment:{enrolment.pk}", state=ConsentState.PENDING
        ).first()
        if consent is None:
            continue
        with transaction.atomic():
            token, _ = consent_token_issue(
                consent=consent, action=ConsentToken.Action.DECIDE, now=timezone.now()
            )
        consent_give(
            token=token,
            consent_id=consent.pk,
            guardian_name=item.guardian,
            notice_version=notice.version,
        )
        given += 1
    if given:
        lines.append(f"{group.name}: {given} guardians gave their consent")


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: demo group leaders log in with published passwords, not in production"]
    programme = ProgrammePage.objects.filter(slug=BYFORES_SLUG).first()
    if programme is None:
        return ["no BYFORES programme: the programmes demo runs first"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    lines: list[str] = []
    activity = _exchange_ensure(programme, now=now, lines=lines)
    start = groups.target_start(activity)
    passwords = Passwords()
    for data in GROUPS:
        group, leaders = _group_ensure(data, passwords=passwords, lines=lines)
        members = _members_ensure(group, data, leaders, start=start, lines=lines)
        _book(group, leaders[0], activity, members, lines)
        _consents_give(group, data, activity, lines)
    return lines or ["groups already present"]
