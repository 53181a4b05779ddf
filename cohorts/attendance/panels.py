"""What attendance adds to My learning: the passes of a person's confirmed activity places, and
for activity staff the check-in desks they run. Imported from CohortsConfig.ready()."""

from django.template.loader import render_to_string
from wagtail import hooks

from cohorts.attendance.selectors import desk_activities_for, passes_of
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_passes_panel(request) -> str:
    user = request.user
    if not user.is_authenticated:
        return ""
    places = passes_of(user=user)
    desks = desk_activities_for(user, as_admin=False)
    if not places and not desks:
        return ""
    return render_to_string(
        "cohorts/attendance/panel_my_learning.html",
        {"places": places, "desks": desks},
        request=request,
    )
