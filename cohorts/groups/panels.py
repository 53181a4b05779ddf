"""What youth and volunteer groups add to My learning (a leader's groups) and to the audit log's
vocabulary. Imported from CohortsConfig.ready()."""

from django.template.loader import render_to_string
from wagtail import hooks

from cohorts.groups.selectors import groups_led_by
from cohorts.groups.services import leader_refusal
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK

GROUP_ACTIONS = {
    "create": ("Register group", "Registered the group"),
    "update": ("Edit group", "Edited the group"),
    "delete": ("Delete group", "Deleted the group"),
    "leader_add": ("Add co-leader", "Added a co-leader"),
    "leader_invite": ("Invite co-leader", "Invited a co-leader"),
    "leader_invitation_cancel": ("Cancel invitation", "Cancelled a co-leader invitation"),
    "leader_remove": ("Remove leader", "Removed a leader"),
    "member_add": ("Add member", "Added a member"),
    "member_update": ("Edit member", "Edited a member"),
    "member_remove": ("Remove member", "Removed a member"),
}


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_groups_panel(request) -> str:
    groups = groups_led_by(request.user)
    if not groups:
        if leader_refusal(request.user):
            return ""
        # An adult who leads no group yet: how to start one.
        return render_to_string("cohorts/groups/panel_start.html", {}, request=request)
    return render_to_string(
        "cohorts/groups/panel_my_learning.html", {"groups": groups}, request=request
    )


@hooks.register("register_log_actions")
def register_group_actions(actions):
    for action, (label, message) in GROUP_ACTIONS.items():
        actions.register_action(f"cohorts.group.{action}", label, message)
    actions.register_action("cohorts.enrolment.group_book", "Group booking", "Booked by the group")
