"""Demo survey pages: the NEEDS knowledge-needs survey (anonymous, kept by country) and the BEP
module feedback survey, built as an editor would in the admin. The answers and invitations are
made by cohorts.demo.surveys."""

from programmes.pages.models import ProgrammePage
from programmes.surveys.models import SurveyField, SurveyPage

NEEDS_SURVEY_SLUG = "knowledge-needs-survey"
BEP_SURVEY_SLUG = "module-feedback-survey"

NEED_LABELS = "No need\nA small need\nSome need\nA large need\nA very large need"
USEFUL_LABELS = "Not useful\nSlightly useful\nModerately useful\nVery useful\nEssential"

NEEDS_SURVEY = {
    "programme": "needs",
    "title": "What the field needs to learn: knowledge-needs survey",
    "slug": NEEDS_SURVEY_SLUG,
    "intro": (
        "<p>NEEDS exists to find out what civil-security staff across the Baltic Sea Region "
        "need to learn. Your answers decide which modules and exercises come next, and a "
        "summary is published for the next presidency and for policymakers.</p>"
    ),
    "estimated_minutes": 8,
    "anonymous": True,
    "anonymous_breakdown": "country",
    "thank_you_text": (
        "<p>Thank you. The summary of all answers is published on the NEEDS page.</p>"
    ),
    "questions": [
        {"field_type": "section", "label": "Your work", "required": False},
        {
            "field_type": "radio",
            "label": "Which best describes your work?",
            "choices": "Operational response\nPlanning and preparedness\nEducation and research\n"
            "Policy and coordination",
        },
        {"field_type": "section", "label": "What the field needs to learn", "required": False},
        {
            "field_type": "matrix",
            "label": "How much does your organisation need training in each area?",
            "rows": "Risk and vulnerability assessment\nCrisis communication with the public\n"
            "Requesting and receiving cross-border assistance\nCyber and hybrid threats\n"
            "Working with volunteers and young people\nExtreme weather and climate adaptation",
            "scale_points": 5,
            "scale_labels": NEED_LABELS,
        },
        {
            "field_type": "ranking",
            "label": "Put these ways of learning in order of preference",
            "choices": (
                "Online modules\nTable-top exercises\nStudy visits\nField exercises\nWebinars"
            ),
        },
        {
            "field_type": "likert",
            "label": "Training in my country prepares staff for crises that cross a border",
            "scale_points": 5,
        },
        {
            "field_type": "rating",
            "label": "How well does the training on offer meet your organisation's needs?",
            "scale_labels": "Not at all\nCompletely",
        },
        {
            "field_type": "checkboxes",
            "label": "In which languages could you take part in training?",
            "choices": "English\nDeutsch\nPolski\nSuomi\nSvenska\nEesti\nLatviešu\nLietuvių",
            "required": False,
        },
        {
            "field_type": "multiline",
            "label": "What is the one thing the field most needs to learn?",
            "required": False,
        },
    ],
}

BEP_SURVEY = {
    "programme": "baltic-excellence-programme",
    "title": "BEP module feedback",
    "slug": BEP_SURVEY_SLUG,
    "intro": (
        "<p>Every BEP module ends with feedback that the presidency and the next presidency "
        "read. Tell us what worked and what should change.</p>"
    ),
    "estimated_minutes": 5,
    "anonymous": False,
    "anonymous_breakdown": "",
    "thank_you_text": "<p>Thank you: the presidency team reads every answer.</p>",
    "questions": [
        {"field_type": "likert", "label": "The module met my learning needs", "scale_points": 5},
        {
            "field_type": "likert",
            "label": "The scenarios were realistic for my work",
            "scale_points": 5,
        },
        {
            "field_type": "rating",
            "label": "How likely are you to recommend the module to a colleague?",
            "scale_labels": "Not at all likely\nExtremely likely",
        },
        {
            "field_type": "matrix",
            "label": "How useful was each part of the module?",
            "rows": "Lessons\nScenarios and decision points\nKnowledge checks\nReflections",
            "scale_points": 5,
            "scale_labels": USEFUL_LABELS,
        },
        {
            "field_type": "radio",
            "label": "Was the estimated time right?",
            "choices": "Too short\nAbout right\nToo long",
        },
        {
            "field_type": "multiline",
            "label": "What should the next presidency change?",
            "required": False,
        },
    ],
}

SURVEYS = [NEEDS_SURVEY, BEP_SURVEY]


def survey_pages_ensure() -> list[str]:
    """Create the demo survey pages that are missing; an editor's own changes stay."""
    lines = []
    for spec in SURVEYS:
        programme = ProgrammePage.objects.filter(slug=spec["programme"]).first()
        if programme is None or SurveyPage.objects.filter(slug=spec["slug"]).exists():
            continue
        page = SurveyPage(**{k: v for k, v in spec.items() if k not in ("programme", "questions")})
        for order, question in enumerate(spec["questions"]):
            field = SurveyField(sort_order=order, **{"required": True, **question})
            field.clean()
            page.form_fields.add(field)
        programme.add_child(instance=page)
        page.save_revision().publish()
        lines.append(f"created survey {page.title} in {programme.title}")
    return lines
