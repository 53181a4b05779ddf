"""What surveys add to My learning: the surveys waiting for the person's answers, each with its
personal link. Imported from CohortsConfig.ready()."""

from django.template.loader import render_to_string
from django.utils import timezone
from wagtail import hooks

from cohorts.surveys.selectors import survey_invitations_open_for
from cohorts.surveys.services import survey_answer_url
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_surveys_panel(request) -> str:
    invitations = survey_invitations_open_for(user=request.user, now=timezone.now())
    if not invitations:
        return ""
    rows = [(invitation, survey_answer_url(invitation)) for invitation in invitations]
    return render_to_string(
        "cohorts/surveys/panel_my_learning.html", {"rows": rows}, request=request
    )
