"""The participant's published peer group on My learning, through the hook that programmes
defines. Imported from CohortsConfig.ready()."""

from django.template.loader import render_to_string
from wagtail import hooks

from cohorts.matching.selectors import peer_groups_of
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_peer_group_panel(request) -> str:
    """My peer group in each cohort where one is published: my peers' names, countries and
    organisations, and nobody else's group."""
    groups = peer_groups_of(user=request.user)
    if not groups:
        return ""
    return render_to_string("cohorts/panel_peer_group.html", {"groups": groups}, request=request)
