"""What youth and volunteer groups add to My learning (a leader's groups) and to the audit log's
vocabulary. Imported from CohortsConfig.ready()."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from cohorts.groups.selectors import groups_led_by
from cohorts.groups.services import leader_refusal
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK

GROUP_ACTIONS = {
    "create": (_("Register group"), _("Registered the group")),
    "update": (_("Edit group"), _("Edited the group")),
    "delete": (_("Delete group"), _("Deleted the group")),
    "leader_add": (_("Add co-leader"), _("Added a co-leader")),
    "leader_invite": (_("Invite co-leader"), _("Invited a co-leader")),
    "leader_invitation_cancel": (_("Cancel invitation"), _("Cancelled a co-leader invitation")),
    "leader_remove": (_("Remove leader"), _("Removed a leader")),
    "member_add": (_("Add member"), _("Added a member")),
    "member_update": (_("Edit member"), _("Edited a member")),
    "member_remove": (_("Remove member"), _("Removed a member")),
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
    actions.register_action(
        "cohorts.enrolment.group_book", _("Group booking"), _("Booked by the group")
    )
