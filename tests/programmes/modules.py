"""Building a module with one step of each kind, and reading its ids back as stored."""

from programmes.models import ModulePage, ModulePrerequisite
from programmes.pages.blocks import stream_from_raw

LESSONS = [
    {
        "type": "section",
        "value": {
            "title": "Why cooperate across borders?",
            "content": [
                {"type": "paragraph", "value": "<p>Storms and floods ignore borders.</p>"},
            ],
        },
    },
    {
        "type": "scenario",
        "value": {
            "title": "Storm surge in the Gulf of Riga",
            "situation": "<p>Water rises in Pärnu and Jūrmala at once.</p>",
            "decision_points": [{"question": "Who asks for help first?", "considerations": ""}],
            "debrief": "<p>Agreeing contact points beforehand saved hours.</p>",
        },
    },
    {
        "type": "quiz",
        "value": {
            "title": "Knowledge check",
            "pass_mark": 100,
            "questions": [
                {
                    "prompt": "Which framework guides disaster risk reduction?",
                    "multiple": False,
                    "options": [
                        {
                            "text": "Sendai Framework",
                            "correct": True,
                            "feedback": "Yes: 2015–2030.",
                        },
                        {
                            "text": "Kyoto Protocol",
                            "correct": False,
                            "feedback": "That is climate.",
                        },
                    ],
                },
                {
                    "prompt": "Who takes part in a whole-of-society response?",
                    "multiple": True,
                    "options": [
                        {"text": "Rescue services", "correct": True, "feedback": "Right."},
                        {"text": "Volunteers", "correct": True, "feedback": "Right."},
                        {"text": "Nobody", "correct": False, "feedback": "Everyone has a role."},
                    ],
                },
            ],
        },
    },
    {
        "type": "reflection",
        "value": {"title": "Reflection", "prompt": "Whom would you call first?"},
    },
]


def make_module(parent, *, title="Cross-border cooperation", slug=None, requires=None):
    module = ModulePage(
        title=title,
        slug=slug or title.lower().replace(" ", "-"),
        summary="How neighbours help each other when disaster strikes.",
        estimated_minutes=25,
        # Converted first, so every nested list item is stored with its id (as the admin does).
        lessons=stream_from_raw(ModulePage.lessons.field.stream_block, LESSONS),
    )
    parent.add_child(instance=module)
    if requires is not None:
        ModulePrerequisite.objects.create(module=module, prerequisite=requires)
    return ModulePage.objects.get(pk=module.pk)


def step_ids(module) -> dict[str, str]:
    return {child.block_type: child.id for child in module.lessons}


def quiz_ids(module):
    """[(question id, {option text: option id})] of the module's quiz."""
    quiz = next(child for child in module.lessons if child.block_type == "quiz")
    return [
        (q.id, {o.value["text"]: o.id for o in q.value["options"].bound_blocks})
        for q in quiz.value["questions"].bound_blocks
    ]


def right_answers(module) -> dict[str, list[str]]:
    (q1, o1), (q2, o2) = quiz_ids(module)
    return {q1: [o1["Sendai Framework"]], q2: [o2["Rescue services"], o2["Volunteers"]]}


def wrong_answers(module) -> dict[str, list[str]]:
    (q1, o1), (q2, o2) = quiz_ids(module)
    return {q1: [o1["Kyoto Protocol"]], q2: [o2["Rescue services"]]}
