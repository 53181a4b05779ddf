"""What surveys add to a programme's public page: its published lessons-learned summaries.
Imported from ProgrammesConfig.ready()."""

from django.template.loader import render_to_string
from wagtail import hooks

from programmes.pages.selectors import PROGRAMME_PAGE_PANELS_HOOK
from programmes.surveys.models import LessonsLearnedPage


@hooks.register(PROGRAMME_PAGE_PANELS_HOOK)
def lessons_learned_panel(request, page) -> str:
    lessons = list(
        LessonsLearnedPage.objects.child_of(page)
        .live()
        .public()
        .order_by("-first_published_at")[:5]
    )
    if not lessons:
        return ""
    return render_to_string(
        "programmes/survey_lessons_panel.html", {"lessons": lessons}, request=request
    )
