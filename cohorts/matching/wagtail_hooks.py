"""Peer-group matching in the cohort desk: its admin addresses, its link on the desk and its
audit-log actions. Imported from cohorts/wagtail_hooks.py."""

from django.urls import path
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from cohorts.desk.views import DESK_LINKS_HOOK, DeskLink
from cohorts.matching import desk as views
from cohorts.matching import selectors as matching_selectors

MATCHING_ACTIONS = {
    "request": (_("Start matching"), _("Started a peer-group matching run")),
    "rematch": (_("Re-match"), _("Started a re-match of the peer groups")),
    "move": (_("Move in peer groups"), _("Moved a person to another peer group")),
    "publish": (_("Publish peer groups"), _("Published the peer groups")),
}


@hooks.register("register_log_actions")
def register_matching_actions(actions):
    for action, (label, message) in MATCHING_ACTIONS.items():
        actions.register_action(f"cohorts.matching.{action}", label, message)


@hooks.register("register_admin_urls")
def register_matching_urls():
    base = "cohorts/desk/<dbid:pk>/peer-groups/"
    run = base + "runs/<dbid:number>/"
    return [
        path(base, views.MatchingIndexView.as_view(), name="cohorts_matching"),
        path(base + "start/", views.MatchingStartView.as_view(), name="cohorts_matching_start"),
        path(run, views.MatchingRunView.as_view(), name="cohorts_matching_run"),
        path(run + "status/", views.MatchingStatusView.as_view(), name="cohorts_matching_status"),
        path(run + "move/", views.MatchingMoveView.as_view(), name="cohorts_matching_move"),
        path(
            run + "rematch/", views.MatchingRematchView.as_view(), name="cohorts_matching_rematch"
        ),
        path(
            run + "requeue/", views.MatchingRequeueView.as_view(), name="cohorts_matching_requeue"
        ),
        path(
            run + "publish/", views.MatchingPublishView.as_view(), name="cohorts_matching_publish"
        ),
    ]


@hooks.register(DESK_LINKS_HOOK)
def matching_desk_link(request, cohort) -> list[DeskLink]:
    runs = matching_selectors.runs_of(cohort)
    published = matching_selectors.published_run_id(cohort)
    if not runs:
        summary = gettext("Match the accepted participants into peer groups.")
    else:
        count = ngettext("%(count)s run", "%(count)s runs", len(runs)) % {"count": len(runs)}
        run = next((r for r in runs if r.pk == published), None)
        if run is not None and run.published_at:
            summary = gettext("%(runs)s; run %(number)s published %(date)s.") % {
                "runs": count,
                "number": run.number,
                "date": formats.date_format(run.published_at, "DATE_FORMAT"),
            }
        else:
            summary = gettext("%(runs)s; nothing published yet.") % {"runs": count}
    return [DeskLink(label=gettext("Peer groups"), url=views.matching_url(cohort), summary=summary)]
