"""Lesson and agenda blocks: each top-level block of a module's `lessons` stream is one step a
participant works through (a content section, a scenario, a knowledge check or a reflection)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks

from lms.pages.blocks import CalloutBlock, DocumentBlock, ImageBlock, QuoteBlock, VideoBlock


class SectionContentBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        description=_("Formatted text"),
        preview_value="<p>Cross-border assistance starts long before the emergency.</p>",
    )
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()


class LessonSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    content = SectionContentBlock()

    class Meta:
        icon = "doc-full"
        template = "blocks/lesson_section_block.html"
        description = _("A lesson section: text, images, video and documents")
        preview_value = {
            "title": "Why cooperate across borders?",
            "content": [
                ("paragraph", "<p>Storms, floods and forest fires do not stop at borders.</p>")
            ],
        }


class DecisionPointBlock(blocks.StructBlock):
    question = blocks.CharBlock()
    considerations = blocks.TextBlock(required=False, help_text=_("Points to weigh."))

    class Meta:
        icon = "help"
        template = "blocks/decision_point_block.html"
        description = _("A question the participant weighs before the debrief")
        preview_value = {"question": "Who alerts the neighbouring municipality?"}


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    situation = blocks.RichTextBlock(features=["bold", "italic", "ul", "ol", "link"])
    decision_points = blocks.ListBlock(DecisionPointBlock())
    debrief = blocks.RichTextBlock(
        features=["bold", "italic", "ul", "ol", "link"],
        help_text=_("Shown after the participant has considered the decision points."),
    )

    class Meta:
        icon = "site"
        template = "blocks/scenario_block.html"
        description = _("A case study: situation, decision points and a debrief")
        preview_value = {
            "title": "Chlorine leak at the harbour",
            "situation": "<p>A tank wagon leaks near a passenger terminal.</p>",
            "decision_points": [{"question": "Who alerts the neighbouring municipality?"}],
            "debrief": "<p>Early, shared situational awareness saved time.</p>",
        }


class QuizOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock()
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.CharBlock(
        required=False, search_index=False, help_text=_("Shown after answering.")
    )

    class Meta:
        icon = "tick"
        template = "blocks/quiz_option_block.html"
        description = _("One answer option; only the server knows whether it is correct")
        preview_value = {"text": "Disaster risk and losses", "correct": True}


class QuizQuestionBlock(blocks.StructBlock):
    prompt = blocks.CharBlock()
    multiple = blocks.BooleanBlock(
        required=False, help_text=_("Several options may be correct (tick all that apply).")
    )
    options = blocks.ListBlock(QuizOptionBlock(), min_num=2)

    class Meta:
        icon = "help"
        template = "blocks/quiz_question_block.html"
        description = _("A single- or multiple-choice question")
        preview_value = {
            "prompt": "Which framework guides disaster risk reduction?",
            "options": [{"text": "Sendai Framework", "correct": True}],
        }


class QuizBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Knowledge check")
    questions = blocks.ListBlock(QuizQuestionBlock(), min_num=1)
    pass_mark = blocks.IntegerBlock(
        min_value=0, max_value=100, default=70, help_text=_("Per cent of questions answered right.")
    )

    class Meta:
        icon = "tasks"
        template = "blocks/quiz_block.html"
        description = _("A knowledge check marked on the server, with a pass mark")
        preview_value = {
            "title": "Knowledge check",
            "pass_mark": 70,
            "questions": [
                {
                    "prompt": "What does the Sendai Framework aim to reduce?",
                    "options": [
                        {"text": "Disaster risk and losses", "correct": True},
                        {"text": "Fuel prices", "correct": False},
                    ],
                }
            ],
        }


class ReflectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Reflection")
    prompt = blocks.TextBlock()

    class Meta:
        icon = "edit"
        template = "blocks/reflection_block.html"
        description = _(
            "A question for private reflection; answers are seen by the participant only"
        )
        preview_value = {
            "title": "Reflection",
            "prompt": "Which neighbouring authority would you call first, and why?",
        }


class LessonStreamBlock(blocks.StreamBlock):
    section = LessonSectionBlock(group=pgettext_lazy("group of blocks in the editor", "Lesson"))
    scenario = ScenarioBlock(group=pgettext_lazy("group of blocks in the editor", "Lesson"))
    quiz = QuizBlock(group=pgettext_lazy("group of blocks in the editor", "Check"))
    reflection = ReflectionBlock(group=pgettext_lazy("group of blocks in the editor", "Check"))


class AgendaItemBlock(blocks.StructBlock):
    day = blocks.IntegerBlock(min_value=1, default=1)
    starts = blocks.TimeBlock(required=False)
    ends = blocks.TimeBlock(required=False)
    title = blocks.CharBlock()
    description = blocks.TextBlock(required=False)

    class Meta:
        icon = "time"
        template = "blocks/agenda_item_block.html"
        description = _("One agenda item of a day")
        preview_value = {"day": 1, "title": "Welcome and scenario briefing"}


class AgendaStreamBlock(blocks.StreamBlock):
    item = AgendaItemBlock(group=pgettext_lazy("group of blocks in the editor", "Agenda"))
    note = blocks.RichTextBlock(
        group=pgettext_lazy("group of blocks in the editor", "Agenda"),
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        description=_("A note between agenda items"),
        preview_value="<p>Lunch is served at the venue.</p>",
    )


def stream_from_raw(stream_block: blocks.StreamBlock, raw: list[dict]):
    """Turn list-of-dicts stream data into a value that is stored with an id on every block and
    every list item, as the admin stores it (quiz answers and progress refer to those ids)."""
    value = stream_block.to_python(raw)
    for child in value:  # converting each child gives its nested list items their ids
        child.value  # noqa: B018
    return value
