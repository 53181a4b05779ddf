"""Demo surveys: the NEEDS knowledge-needs survey sent to the NEEDS 2027 round with three dozen
synthetic anonymous answers from across the region (and a published lessons-learned page), and
the BEP module feedback survey sent by the Finnish presidency to BEP 2026, most of whom have
answered. Made through the same services as real answers; running it again changes nothing."""

import random

from django.conf import settings
from django.db import transaction
from django.http import QueryDict

from cohorts.places.models import Cohort
from cohorts.surveys import services as surveys
from cohorts.surveys.models import SurveyInvitation, SurveyTarget, SurveyTrigger
from lms.models import User
from programmes.demo.surveys import BEP_SURVEY_SLUG, NEEDS_SURVEY_SLUG, survey_pages_ensure
from programmes.errors import ProgrammesError
from programmes.models import LessonsLearnedPage, ModulePage, SurveyPage
from programmes.surveys.answering import (
    lessons_learned_publish,
    survey_form,
    survey_response_record,
)
from programmes.surveys.results import survey_results

NEEDS_COHORT_SLUG = "needs-2027"
BEP_COHORT_SLUG = "bep-2026"
STAFF_EMAIL = "presidency.fi@bsr-academy.local"

# Three dozen respondents: most countries send five or more, Denmark and Iceland two each, so
# the country breakdown shows its combined group.
NEEDS_RESPONDENTS = ["LV"] * 6 + ["LT"] * 6 + ["PL"] * 5 + ["SE"] * 5 + ["FI"] * 5
NEEDS_RESPONDENTS += ["EE"] * 5 + ["DK"] * 2 + ["IS"] * 2
NATIONAL_LANGUAGE = {
    "LV": "Latviešu", "LT": "Lietuvių", "PL": "Polski", "SE": "Svenska", "FI": "Suomi",
    "EE": "Eesti", "DK": "English", "IS": "English",
}  # fmt: skip
# How much each area is needed, on the 1–5 scale, before some noise.
NEED_LEVELS = [3.4, 3.9, 4.2, 4.5, 3.1, 3.7]
LEARNING_PREFERENCE = [
    "Table-top exercises",
    "Field exercises",
    "Study visits",
    "Online modules",
    "Webinars",
]
NEEDS_TEXTS = [
    "How to ask a neighbouring country for help before the situation is already out of hand.",
    "Shared situational awareness across the border: one picture, not three.",
    "Explaining risk to the public in several languages at once — Latviešu, русский, English.",
    "Working with volunteers who arrive on their own during a flood.",
    "Hybrid threats: recognising when an incident is not an accident.",
    "Host-nation support: receiving foreign teams at Gdańsk or Klaipėda.",
    "Youth involvement in local preparedness plans.",
    "Practical exercises on power cuts lasting more than 72 hours.",
]
BEP_TEXTS = [
    "More time for the decision points; the debrief was the most useful part.",
    "Invite the coast guards of all member states to the next scenario.",
    "Shorter lessons, more cross-border cases from Øresund and the Gulf of Finland.",
    "Keep the reflections — writing things down made me think again.",
]


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: demo surveys belong to demo people"]
    lines = survey_pages_ensure()
    needs = SurveyPage.objects.filter(slug=NEEDS_SURVEY_SLUG).first()
    needs_cohort = Cohort.objects.filter(slug=NEEDS_COHORT_SLUG).first()
    if needs is not None and needs_cohort is not None:
        lines += _needs_load(needs, needs_cohort)
    bep = SurveyPage.objects.filter(slug=BEP_SURVEY_SLUG).first()
    bep_cohort = Cohort.objects.filter(slug=BEP_COHORT_SLUG).first()
    if bep is not None and bep_cohort is not None:
        lines += _bep_load(bep, bep_cohort)
    return lines or ["surveys already present"]


def _by_label(survey: SurveyPage) -> dict[str, str]:
    return {field.label: field.clean_name for field in survey.get_form_fields()}


def _post(values: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [str(value)])
    return data


def _scale(rng: random.Random, centre: float, top: int = 5) -> int:
    return max(1, min(top, round(rng.gauss(centre, 0.9))))


# --- NEEDS: anonymous knowledge needs ----------------------------------------------------------


def _needs_answers(survey: SurveyPage, rng: random.Random, country: str) -> QueryDict:
    n = _by_label(survey)
    matrix = n["How much does your organisation need training in each area?"]
    ranking = n["Put these ways of learning in order of preference"]
    order = sorted(
        LEARNING_PREFERENCE, key=lambda item: LEARNING_PREFERENCE.index(item) + rng.gauss(0, 1.3)
    )
    items = ["Online modules", "Table-top exercises", "Study visits", "Field exercises", "Webinars"]
    values = {
        n["Which best describes your work?"]: rng.choices(
            ["Operational response", "Planning and preparedness", "Education and research",
             "Policy and coordination"], weights=[4, 3, 2, 1])[0],
        n["Training in my country prepares staff for crises that cross a border"]: _scale(rng, 2.6),
        n["How well does the training on offer meet your organisation's needs?"]: max(
            0, min(10, round(rng.gauss(5.5, 1.8)))
        ),
        n["In which languages could you take part in training?"]: sorted(
            {"English", NATIONAL_LANGUAGE[country]}
        ),
    }  # fmt: skip
    for index, level in enumerate(NEED_LEVELS):
        values[f"{matrix}_{index}"] = _scale(rng, level)
    for index, item in enumerate(items):
        values[f"{ranking}_{index}"] = order.index(item) + 1
    if rng.random() < 0.6:
        values[n["What is the one thing the field most needs to learn?"]] = rng.choice(NEEDS_TEXTS)
    return _post(values)


def _needs_load(survey: SurveyPage, cohort: Cohort) -> list[str]:
    lines = []
    _, created = SurveyTarget.objects.get_or_create(
        survey=survey,
        cohort=cohort,
        trigger=SurveyTrigger.ACCEPTED,
        defaults={"reminder_interval_days": 7, "max_reminders": 2},
    )
    if created:
        lines.append(f"{survey.title} is sent to everyone accepted into {cohort.title}")
    if not survey.anonymous_responses.exists():
        rng = random.Random(2027)
        with transaction.atomic():
            for country in NEEDS_RESPONDENTS:
                form = survey_form(survey, _needs_answers(survey, rng, country))
                if not form.is_valid():
                    raise ValueError(f"demo answers do not fit {survey.title}: {form.errors}")
                survey_response_record(
                    survey=survey,
                    cleaned_data=form.cleaned_data,
                    cohort_id=cohort.pk,
                    country=country,
                )
        lines.append(f"{len(NEEDS_RESPONDENTS)} anonymous answers to {survey.title}")
    if not LessonsLearnedPage.objects.filter(survey=survey).exists():
        try:
            page = lessons_learned_publish(
                survey=survey,
                title="What the field needs to learn: lessons from the NEEDS 2027 survey",
                summary=(
                    "Cyber and hybrid threats and cross-border assistance top the list of "
                    "training needs; practitioners prefer exercises to online courses."
                ),
                findings=(
                    "<p>Across the region, the largest training needs are cyber and hybrid "
                    "threats and requesting and receiving cross-border assistance. Few "
                    "respondents feel their national training prepares them for crises that "
                    "cross a border.</p><p>Table-top and field exercises are preferred to "
                    "webinars: the next presidency should plan at least one regional exercise "
                    "a year.</p>"
                ),
                scope=cohort.title,
                results=survey_results(survey, cohort_ids=[cohort.pk]),
                actor=None,
            )
        except ProgrammesError as exc:
            lines.append(f"no lessons-learned page: {exc.message}")
        else:
            lines.append(f"published {page.title}")
    return lines


# --- BEP: module feedback sent by the presidency -----------------------------------------------


def _bep_answers(survey: SurveyPage, rng: random.Random) -> QueryDict:
    n = _by_label(survey)
    matrix = n["How useful was each part of the module?"]
    values = {
        n["The module met my learning needs"]: _scale(rng, 4.0),
        n["The scenarios were realistic for my work"]: _scale(rng, 3.6),
        n["How likely are you to recommend the module to a colleague?"]: max(
            0, min(10, round(rng.gauss(8.2, 1.4)))
        ),
        n["Was the estimated time right?"]: rng.choices(
            ["Too short", "About right", "Too long"], weights=[2, 6, 3]
        )[0],
    }
    for index, level in enumerate([3.6, 4.4, 3.2, 3.9]):
        values[f"{matrix}_{index}"] = _scale(rng, level)
    if rng.random() < 0.7:
        values[n["What should the next presidency change?"]] = rng.choice(BEP_TEXTS)
    return _post(values)


def _bep_load(survey: SurveyPage, cohort: Cohort) -> list[str]:
    lines = []
    module = ModulePage.objects.child_of(survey.get_parent()).live().order_by("path").first()
    if module is not None:
        SurveyTarget.objects.get_or_create(
            survey=survey,
            cohort=cohort,
            module=module,
            trigger=SurveyTrigger.MODULE_COMPLETED,
        )
    target, created = SurveyTarget.objects.get_or_create(
        survey=survey,
        cohort=cohort,
        trigger=SurveyTrigger.MANUAL,
        defaults={"reminder_interval_days": 5, "max_reminders": 2},
    )
    if created:
        staff = User.objects.filter(email__iexact=STAFF_EMAIL).first()
        sent = surveys.survey_target_send(target=target, actor=staff)
        lines.append(f"{survey.title} sent by hand to {sent} members of {cohort.title}")
    if not survey.responses.exists():
        rng = random.Random(2026)
        invitations = list(
            SurveyInvitation.objects.filter(target=target, answered_at__isnull=True).order_by("pk")
        )
        answered = 0
        for number, invitation in enumerate(invitations):
            if number % 5 == 4:
                continue  # about one in five has not answered yet
            outcome = surveys.survey_invitation_submit(
                invitation_id=invitation.pk, data=_bep_answers(survey, rng), user=None
            )
            answered += outcome.ok
        lines.append(f"{answered} of {len(invitations)} answered {survey.title}")
    return lines
