"""Builders for survey pages with every kind of question, and answers to them, shared by the
survey tests of programmes and cohorts."""

from programmes.models import SurveyField, SurveyPage

QUESTIONS = [
    {"field_type": "section", "label": "About the module", "required": False},
    {"field_type": "likert", "label": "The module met my needs", "scale_points": 5},
    {
        "field_type": "rating",
        "label": "How likely are you to recommend it to a colleague",
        "scale_labels": "Not at all likely\nExtremely likely",
    },
    {
        "field_type": "matrix",
        "label": "How useful were these parts",
        "rows": "Lessons\nScenarios, with decision points\nKnowledge checks",
        "scale_points": 7,
    },
    {
        "field_type": "ranking",
        "label": "Rank what you need to learn",
        "choices": "Risk assessment\nCrisis communication\nCross-border cooperation",
    },
    {"field_type": "radio", "label": "Your role", "choices": "Operational\nManagerial"},
    {
        "field_type": "checkboxes",
        "label": "Topics you want more of",
        "choices": "Flooding\nForest fires\nCyber incidents",
        "required": False,
    },
    {
        "field_type": "dropdown",
        "label": "Language you work in",
        "choices": "English\nLatviešu\nSuomi",
        "required": False,
    },
    {"field_type": "multiline", "label": "What should change", "required": False},
    {"field_type": "number", "label": "Years in the service", "required": False},
    {"field_type": "checkbox", "label": "I would take part again", "required": False},
]


def make_survey(parent, *, title="Module feedback", questions=None, **fields) -> SurveyPage:
    from django.utils.text import slugify

    slug = fields.pop("slug", slugify(title))
    page = SurveyPage(title=title, slug=slug, intro="<p>Tell us how it went.</p>", **fields)
    for order, spec in enumerate(questions or QUESTIONS):
        page.form_fields.add(SurveyField(sort_order=order, **{"required": True, **spec}))
    parent.add_child(instance=page)
    page.save_revision().publish()
    return SurveyPage.objects.get(pk=page.pk)


def names(survey: SurveyPage) -> dict[str, str]:
    """Field name by label."""
    return {f.label: f.clean_name for f in survey.get_form_fields()}


def full_answers(survey: SurveyPage, *, likert="4", rating="9", role="Operational") -> dict:
    """A complete, valid POST for the default questions."""
    n = names(survey)
    return {
        n["The module met my needs"]: likert,
        n["How likely are you to recommend it to a colleague"]: rating,
        f"{n['How useful were these parts']}_0": "6",
        f"{n['How useful were these parts']}_1": "7",
        f"{n['How useful were these parts']}_2": "5",
        f"{n['Rank what you need to learn']}_0": "2",
        f"{n['Rank what you need to learn']}_1": "1",
        f"{n['Rank what you need to learn']}_2": "3",
        n["Your role"]: role,
        n["Topics you want more of"]: ["Flooding", "Cyber incidents"],
        n["Language you work in"]: "Latviešu",
        n["What should change"]: "More cross-border scenarios — Žydrūnas Šimkus agrees.",
        n["Years in the service"]: "12",
        n["I would take part again"]: "on",
    }
