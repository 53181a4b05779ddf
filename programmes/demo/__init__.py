"""Demo content for the programmes: the programme index, the four programmes (BEP, NEEDS,
Secure Kids, BYFORES), their course modules and activities, and translations of some of them
(`programmes.demo.translations`), loaded by `manage.py load_demo`; a second run creates
nothing."""

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone
from wagtail.models import WorkflowPage

from lms.languages.content import canonical
from lms.models import HomePage
from programmes.demo.content import ACTIVITIES, MODULES
from programmes.demo.translations import translations_load
from programmes.pages.models import (
    ActivityPage,
    ModulePage,
    ModulePrerequisite,
    ProgrammeIndexPage,
    ProgrammePage,
)
from programmes.progress.services import programme_workflow_ensure

INDEX_INTRO = (
    "Four programmes with one purpose: a shared culture of societal security around the Baltic "
    "Sea. Senior leaders of rescue services and law enforcement train together, education is "
    "shaped by what the field really needs, and children, young people and volunteers get a say "
    "in how their communities prepare for floods, fires, storms and other emergencies. Choose a "
    "programme to see who it is for, what you will do and how to take part."
)


def _heading(text: str, size: str = "h2") -> dict:
    return {"type": "heading_block", "value": {"heading_text": text, "size": size}}


def _paragraph(html: str) -> dict:
    return {"type": "paragraph_block", "value": html}


def _callout(title: str, html: str, tone: str = "info") -> dict:
    return {"type": "callout_block", "value": {"tone": tone, "title": title, "text": html}}


def _quote(text: str, attribution: str) -> dict:
    return {"type": "quote_block", "value": {"text": text, "attribution": attribution}}


BEP = {
    "title": "Baltic Excellence Programme",
    "slug": "baltic-excellence-programme",
    "short_name": "BEP",
    "audience": "professionals",
    "summary": (
        "A yearly leadership course for senior experts in civil protection and law enforcement "
        "from every member state, hosted by the country that holds the rotating presidency of "
        "the Civil Protection Network."
    ),
    "goals": (
        "<ul>"
        "<li>Strengthen the ability of civil-protection and law-enforcement organisations to "
        "prevent, prepare for, respond to and recover from crises that cross borders.</li>"
        "<li>Develop the strategic leadership of people who hold, or are about to take on, key "
        "posts at local, regional and national level.</li>"
        "<li>Give peers the time to compare experience and good practice, mixing theory with "
        "hands-on work.</li>"
        "<li>Build institutional knowledge and firmer ties between the agencies at the heart of "
        "crisis management in the region.</li>"
        "<li>Grow a network of leaders who know each other well enough to call one another the "
        "moment a crisis begins.</li>"
        "</ul>"
    ),
    "partners": (
        "<ul>"
        "<li>The <b>Civil Protection Network</b> of the Council of the Baltic Sea States, whose "
        "directors general meet every year and whose presidency hosts each edition.</li>"
        "<li>The civil-protection agency of the presidency country, which shapes the theme, "
        "hosts the sessions and covers most of the local costs.</li>"
        "<li><b>Policy Area Secure</b> of the EU Strategy for the Baltic Sea Region, "
        "co-coordinated by the CBSS Secretariat and the Swedish Civil Contingencies Agency "
        "(MSB).</li>"
        "<li>The national focal points of the member states, who nominate participants.</li>"
        "</ul>"
    ),
    "contact": "BEP presidency team, through the programme office of the Civil Protection Network",
    "contact_email": "bep@bsr-academy.local",
    "body": [
        _heading("A course that moves with the presidency"),
        _paragraph(
            "<p>The presidency of the Civil Protection Network passes from one member state to "
            "the next every year, and with it the Baltic Excellence Programme. The presidency "
            "team chooses the theme of its edition, builds the agenda with the national focal "
            "points, selects the participants and hosts most of the sessions. One year the "
            "focus may be critical infrastructure and the Sendai Framework for Disaster Risk "
            "Reduction; another year it may be mass evacuation, CBRNE incidents or the "
            "protection of people fleeing a war on the region's doorstep.</p>"
            "<p>The programme began in 2012 as the Baltic Leadership Programme. Since then more "
            "than 150 people in senior posts from all member states have completed it, and many "
            "of them still work together on joint projects and exercises.</p>"
        ),
        _heading("Who takes part"),
        _paragraph(
            "<p>Each edition gathers around twenty experts who lead, or will soon lead, at "
            "strategic level: chief fire officers and heads of rescue districts, police and "
            "border-guard commanders, coast-guard and customs managers, officials of interior "
            "ministries and emergency-management agencies, and the people in charge of civil "
            "protection in large municipalities. The mix is deliberate. A rescue chief from "
            "Tartu learns as much from a police commander in Gdańsk as from a colleague in her "
            "own service.</p>"
        ),
        _callout(
            "Places per country",
            "<p>Each member state may nominate <b>up to two participants</b> per edition. "
            "Nominations go through the national focal point before the deadline set by the "
            "presidency; a country that cannot fill its places may pass them on, and unused "
            "places go to a waiting list.</p>",
        ),
        _heading("What the year looks like"),
        _paragraph(
            "<ul>"
            "<li><b>Opening session</b> (3 days, in the presidency country): leadership in "
            "crises, the risk picture of the region and how the neighbouring systems are "
            "organised.</li>"
            "<li><b>Online modules</b> between the sessions: cross-border cooperation "
            "mechanisms, risk assessment, crisis communication and working across cultures, "
            "with short reflection tasks.</li>"
            "<li><b>Table-top exercise</b> (4 days): a cross-border scenario such as a chemical "
            "release in a busy port, a forest fire spreading over a national border or a winter "
            "storm that cuts power to several countries at once. Participants take on roles "
            "outside their own sector.</li>"
            "<li><b>Study visit</b> (3 days): emergency control centres, rescue colleges and "
            "border-crossing points, with time to question the people who run them.</li>"
            "<li><b>Closing session</b>: peer groups present a joint project idea to the "
            "directors general, and certificates are handed over.</li>"
            "</ul>"
        ),
        _paragraph(
            "<p>Throughout the year every participant belongs to a small peer group that mixes "
            "countries, sectors and levels of command. The groups prepare the exercise "
            "together, keep in touch between sessions and often carry on long after the "
            "edition ends.</p>"
        ),
        _quote(
            "We came from eleven different systems and went home knowing exactly whom to call.",
            "A participant from a fire and rescue service",
        ),
    ],
}

NEEDS = {
    "title": "Needs-based Education and Studies in Societal Security",
    "slug": "needs",
    "short_name": "NEEDS",
    "audience": "mixed",
    "summary": (
        "NEEDS closes the gap between what is taught about societal security and what rescue "
        "services, agencies and municipalities need, so that the next generation arrives "
        "ready for the work."
    ),
    "goals": (
        "<ul>"
        "<li>Find out, together with practitioners, which knowledge and skills the field "
        "lacks, and where courses and the job do not match.</li>"
        "<li>Raise the quality, appeal and reach of education in societal security across the "
        "region.</li>"
        "<li>Bring current, field-specific knowledge into the classroom: real cases, recent "
        "lessons learned and new research.</li>"
        "<li>Prepare students and early-career staff for work in prevention, preparedness, "
        "response and recovery.</li>"
        "<li>Keep researchers, educators and practitioners talking to one another after the "
        "course ends.</li>"
        "</ul>"
    ),
    "partners": (
        "<ul>"
        "<li>Universities, academies and rescue-service colleges in the member states that "
        "teach emergency management, risk and societal security.</li>"
        "<li>National emergency-management agencies and fire and rescue services, which "
        "describe their needs and host placements and study visits.</li>"
        "<li>The <b>CBSS Secretariat</b>, which links the partners, finds funding and shares "
        "the results with practitioners and policymakers.</li>"
        "</ul>"
    ),
    "contact": "NEEDS education team, CBSS Secretariat",
    "contact_email": "needs@bsr-academy.local",
    "body": [
        _heading("Why education has to follow the field"),
        _paragraph(
            "<p>The hazards facing the Baltic Sea Region change faster than curricula do. "
            "Climate-related floods, droughts and forest fires, pandemics, and the pressure that "
            "a nearby war puts on border regions all demand skills that many study programmes "
            "do not yet teach. At the same time, rescue services and agencies often say that new "
            "recruits know the theory but have never worked with a neighbouring country's "
            "authorities or rehearsed a decision under pressure.</p>"
            "<p>NEEDS started as a project running from 2020 to 2023. It asked practitioners what "
            "they expect of a graduate, compared that with what is actually taught, and used the "
            "answers to design modules, case studies and exercises. The programme keeps that "
            "method: every module starts from a need that someone in the field has named.</p>"
        ),
        _heading("Who takes part"),
        _paragraph(
            "<p>Students of emergency management, civil protection, risk and security studies; "
            "cadets at rescue and police colleges; early-career staff of agencies and "
            "municipalities; and the educators and trainers who teach them. Experienced "
            "practitioners join as mentors, case authors and exercise controllers.</p>"
        ),
        _heading("Typical activities"),
        _paragraph(
            "<ul>"
            "<li><b>Needs workshop</b> (3 days): educators and practitioners map the gaps "
            "between courses and the job, and agree which modules to build or revise.</li>"
            "<li><b>Online modules</b>: risk assessment and the Sendai Framework, CBRNE "
            "preparedness for beginners, crisis communication with the public, and how civil "
            "protection is organised in each member state.</li>"
            "<li><b>Table-top exercise</b> (4 days): mixed teams of students and professionals "
            "work through a cross-border scenario, then compare their decisions with how the "
            "authorities handled a real event.</li>"
            "<li><b>Study visits</b> (3 days, up to 4 places per country): rescue colleges, "
            "emergency control centres and research laboratories in the host country.</li>"
            "</ul>"
        ),
        _callout(
            "For educators",
            "<p>Every module comes with a teacher's guide and may be reused in your own "
            "courses. Tell us which parts worked and which did not: that feedback decides what "
            "changes in the next round.</p>",
            tone="tip",
        ),
    ],
}

SECURE_KIDS = {
    "title": "Secure Kids",
    "slug": "secure-kids",
    "short_name": "",
    "audience": "youth",
    "summary": (
        "Children and young people help to decide how their school, town and country prepare "
        "for emergencies, and the adults who plan for them learn how to listen."
    ),
    "goals": (
        "<ul>"
        "<li>Make sure children are heard when local and national authorities take decisions "
        "on safety, preparedness and disaster risk.</li>"
        "<li>Make child-participation mechanisms last, so that they do not end with a single "
        "project or a single enthusiastic official.</li>"
        "<li>Help children and young people understand the hazards around them and what they "
        "can do to prevent, prepare for, respond to and adapt to them.</li>"
        "<li>Give emergency planners, teachers and youth workers practical, child-friendly "
        "methods for involving young people.</li>"
        "</ul>"
    ),
    "partners": (
        "<ul>"
        "<li>The <b>Children at Risk</b> unit of the CBSS Secretariat, which leads the "
        "programme and links it with child-protection work in the region.</li>"
        "<li>Municipalities, rescue services and schools in the member states that open their "
        "planning to children's panels.</li>"
        "<li>Youth councils and child-rights organisations, which train the facilitators.</li>"
        "</ul>"
    ),
    "contact": "Secure Kids programme team, Children at Risk unit, CBSS Secretariat",
    "contact_email": "securekids@bsr-academy.local",
    "body": [
        _heading("Why children belong at the table"),
        _paragraph(
            "<p>As storms, floods and heatwaves grow stronger and more frequent, children and "
            "young people are among those most exposed to their effects. They are also quick "
            "to notice risks that adults overlook: the flooded underpass on the way to school, "
            "the sports hall nobody knows how to leave in a hurry, the warning message that "
            "never reaches pupils who do not read the local language.</p>"
            "<p>Secure Kids builds on earlier CBSS work on children's resilience. Between 2023 "
            "and 2025 it showed how children's views can shape decisions on safety at local "
            "and national level, and it turned what worked into methods that any municipality "
            "or school can use.</p>"
        ),
        _heading("Who takes part"),
        _paragraph(
            "<p>Groups of children and young people, usually aged 10 to 17, come through a "
            "school class, a youth council or a club, and always with an adult group leader. "
            "Local emergency planners, rescue-service staff, teachers and youth workers take "
            "part alongside them.</p>"
        ),
        _callout(
            "Taking part as a minor",
            "<p>Children do not need an account of their own. The group leader registers the "
            "group, and a parent or guardian gives consent for each child under the age set by "
            "their country before the child's place is confirmed. Facilitators are trained in "
            "child safeguarding, and no child is ever the only young person in an adult "
            "group.</p>",
            tone="warning",
        ),
        _heading("Typical activities"),
        _paragraph(
            "<ul>"
            "<li><b>Safety walk</b> (half a day): children map the risks in their "
            "neighbourhood with a rescue officer and a local planner.</li>"
            "<li><b>Children's panel</b> (2 meetings): young people comment on a real "
            "municipal emergency plan, and the municipality reports back on what it "
            "changed.</li>"
            "<li><b>School workshop</b> (1 day): what to do when the alarm sounds, how to pack "
            "a home emergency kit and how to look after friends who are scared.</li>"
            "<li><b>Regional youth forum</b> (3 days): delegations from the member states, "
            "up to 4 young people and one leader per country, present their proposals to "
            "decision-makers.</li>"
            "</ul>"
        ),
        _quote(
            "They asked us where we would go if the school had to be evacuated. Nobody had "
            "asked us before.",
            "A pupil, aged 13, after a children's panel",
        ),
    ],
}

BYFORES = {
    "title": "Baltic Youth for a Resilient Society",
    "slug": "byfores",
    "short_name": "BYFORES",
    "audience": "mixed",
    "summary": (
        "BYFORES brings young volunteers, volunteer organisations and local authorities "
        "together to train and plan for disasters, so that young people are part of the "
        "response instead of bystanders."
    ),
    "goals": (
        "<ul>"
        "<li>Strengthen inclusive cooperation across sectors between authorities and "
        "volunteer organisations in crisis management.</li>"
        "<li>Show what roles young people can play in reducing disaster risk and in coping "
        "when disaster strikes.</li>"
        "<li>Build the skills of young volunteers through training, education and joint "
        "exercises.</li>"
        "<li>Raise awareness of risks and preparedness among young people, designed by young "
        "people.</li>"
        "<li>Help municipalities plan how to use volunteers well, before the crisis and not "
        "during it.</li>"
        "</ul>"
    ),
    "partners": (
        "<ul>"
        "<li>Youth sections of volunteer rescue, first-aid and search-and-rescue "
        "organisations in the member states.</li>"
        "<li>Municipal and regional civil-protection authorities that train and exercise "
        "with the volunteers.</li>"
        "<li>Funded through the <b>CBSS Project Support Facility</b>, and linked with the "
        "VOALA network of volunteers and local authorities.</li>"
        "</ul>"
    ),
    "contact": "BYFORES coordination team, CBSS Secretariat",
    "contact_email": "byfores@bsr-academy.local",
    "body": [
        _heading("When a crisis strikes, all hands are needed"),
        _paragraph(
            "<p>Across the region, volunteers fill sandbags during floods, search forests for "
            "missing people and staff reception centres when refugees arrive. Many of them are "
            "young. Yet emergency plans often treat volunteers as an afterthought, and young "
            "people hardly at all. BYFORES, which ran as a project from 2022 to 2024, set out "
            "to change that by bringing young volunteers and the authorities they work with "
            "into the same training room.</p>"
            "<p>The programme continues that work. Young people learn practical skills and how "
            "the civil-protection system around them works; authorities learn what young "
            "volunteers can offer and how to include them safely in planning, exercises and "
            "real operations.</p>"
        ),
        _heading("Who takes part"),
        _paragraph(
            "<p>Young volunteers, mostly aged 16 to 30, from volunteer fire brigades, first-aid "
            "and search-and-rescue groups and youth organisations; their group leaders; and "
            "civil-protection officers of municipalities and regions. Groups register through "
            "their leader; members under 18 need the consent of a parent or guardian.</p>"
        ),
        _heading("Typical activities"),
        _paragraph(
            "<ul>"
            "<li><b>Skills workshop</b> (3 days): psychological first aid, flood protection, "
            "working in a command structure and keeping yourself safe as a volunteer.</li>"
            "<li><b>Joint table-top exercise</b> (4 days): youth volunteers and municipal "
            "officials manage a heavy storm and a long power cut together, then review "
            "who did what.</li>"
            "<li><b>Study visit</b> (3 days, up to 4 places per country): how a neighbouring "
            "country involves volunteers in its rescue service.</li>"
            "<li><b>Awareness campaign</b>: each national team designs and runs a campaign on "
            "preparedness for people of its own age, online and in schools.</li>"
            "</ul>"
        ),
        _callout(
            "Bringing a group",
            "<p>Group leaders register the whole group in one go and can add members who have "
            "no account. Places are shared fairly between countries, so register early and "
            "tell us about any support your members need.</p>",
            tone="tip",
        ),
        _quote(
            "At the exercise the mayor's crisis team asked us how to reach teenagers. We "
            "actually had an answer.",
            "A youth volunteer from a volunteer fire brigade",
        ),
    ],
}

PROGRAMMES: list[dict] = [BEP, NEEDS, SECURE_KIDS, BYFORES]


def demo_load() -> list[str]:
    # The English home page: a translation of it is a home page too.
    home = canonical(HomePage.objects.all()).first()
    if home is None:
        return ["no home page: run migrations first"]
    lines = _programmes_load(home)
    # After the programmes' transaction: wagtail-localize publishes a translation once the
    # transaction it was made in commits.
    lines += translations_load()
    return lines or ["programmes already present"]


def _programmes_load(home: HomePage) -> list[str]:
    lines = []
    with transaction.atomic():
        index = ProgrammeIndexPage.objects.child_of(home).first()
        if index is None:
            index = ProgrammeIndexPage(title="Programmes", slug="programmes", intro=INDEX_INTRO)
            home.add_child(instance=index)
            lines.append("created the programme index")
        elif not index.intro.strip():
            # An editor's own intro is kept; only an empty one is filled in.
            index.intro = INDEX_INTRO
            index.save(update_fields=["intro"])
            lines.append("added the programme index's introduction")
        for data in PROGRAMMES:
            if ProgrammePage.objects.child_of(index).filter(slug=data["slug"]).exists():
                continue
            index.add_child(instance=ProgrammePage(**data))
            lines.append(f"created programme {data['title']}")
        now = timezone.now()
        for data in PROGRAMMES:
            programme = ProgrammePage.objects.child_of(index).filter(slug=data["slug"]).first()
            if programme is None:
                continue
            lines += _contact_fill(programme, data)
            lines += _modules_load(programme, MODULES.get(data["slug"], []))
            lines += _activities_load(
                programme, [a for a in ACTIVITIES if a["programme"] == data["slug"]], now=now
            )
        if not WorkflowPage.objects.filter(page=index).exists():
            programme_workflow_ensure()
            lines.append("programme pages now go live after a programme admin approves them")
    return lines


def _contact_fill(programme, data: dict) -> list[str]:
    """A programme loaded before it had contact details gets the demo's address; an editor's
    own address is kept."""
    if programme.contact_email or not data.get("contact_email"):
        return []
    # Through a published revision: an editor's next edit starts from the latest revision.
    programme.contact_email = data["contact_email"]
    programme.save_revision().publish()
    return [f"added the contact address of {programme.title}"]


def _normalised_stream(model, field_name: str, raw: list[dict]) -> list[dict]:
    """The stream in Wagtail's stored form, with an id on every step and every list item.

    Saving raw data as is gives ids to top-level children only; list items (quiz questions,
    options, decision points) would stay id-less and get a new identity on every load."""
    block = model._meta.get_field(field_name).stream_block
    value = block.to_python(raw)
    for _child in value:  # binds every child, so that list items are given ids below
        pass
    return block.get_prep_value(value)


def _publish(parent, page) -> None:
    """Add `page` under `parent` and publish it through a revision, as an editor would, so the
    admin opens the same stream ids that the site serves."""
    parent.add_child(instance=page)
    # Demo data must pass the same validation as an editor's form (rolled back if not).
    page.full_clean()
    page.save_revision().publish()


def _modules_load(programme, modules: list[dict]) -> list[str]:
    """Each module by slug under its programme; existing ones (an editor's work) are left alone."""
    lines = []
    for data in modules:
        if ModulePage.objects.child_of(programme).filter(slug=data["slug"]).exists():
            continue
        page = ModulePage(
            title=data["title"],
            slug=data["slug"],
            summary=data["summary"],
            learning_outcomes=data["learning_outcomes"],
            estimated_minutes=data["estimated_minutes"],
            lessons=_normalised_stream(ModulePage, "lessons", data["lessons"]),
        )
        required = (
            ModulePage.objects.child_of(programme).filter(slug=data["requires"]).first()
            if data.get("requires")
            else None
        )
        if required is not None:
            # Part of the page's cluster, so the published revision carries it too.
            page.prerequisites.add(ModulePrerequisite(prerequisite=required))
        _publish(programme, page)
        lines.append(f"created module {data['title']} in {programme.title}")
    return lines


def _first_weekday(year: int, month: int, weekday: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def _activity_times(data: dict, *, now: dt.datetime) -> dict:
    """Start, end and registration window in the venue's time zone, in the year after `now`,
    so the demo's activities are always upcoming."""
    tz = zoneinfo.ZoneInfo(data["time_zone"])
    first_day = _first_weekday(now.year + 1, data["month"], data["weekday"])
    items = [item["value"] for item in data["agenda"]]
    last = max(item["day"] for item in items)
    starts = min(item["starts"] for item in items if item["day"] == 1)
    ends = max(item["ends"] for item in items if item["day"] == last)

    def at(day: int, clock: str) -> dt.datetime:
        date = first_day + dt.timedelta(days=day - 1)
        return dt.datetime.combine(date, dt.time.fromisoformat(clock), tzinfo=tz)

    starts_at = at(1, starts)
    return {
        "starts_at": starts_at,
        "ends_at": at(last, ends),
        "registration_opens_at": now.replace(minute=0, second=0, microsecond=0),
        "registration_closes_at": starts_at - dt.timedelta(weeks=data["closes_weeks_before"]),
    }


ACTIVITY_FIELDS = (
    "title",
    "slug",
    "kind",
    "summary",
    "description",
    "time_zone",
    "venue_name",
    "venue_city",
    "venue_country",
    "online_url",
    "language",
    "capacity",
    "places_per_country",
    "min_age",
    "max_age",
    "sectors",
)


def _activities_load(programme, activities: list[dict], *, now: dt.datetime) -> list[str]:
    """Each activity by slug under its programme; existing ones keep their dates."""
    lines = []
    for data in activities:
        if ActivityPage.objects.child_of(programme).filter(slug=data["slug"]).exists():
            continue
        page = ActivityPage(
            **{name: data[name] for name in ACTIVITY_FIELDS if name in data},
            **_activity_times(data, now=now),
            agenda=_normalised_stream(ActivityPage, "agenda", data["agenda"]),
        )
        _publish(programme, page)
        lines.append(f"created activity {data['title']} in {programme.title}")
    return lines
