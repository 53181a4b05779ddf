"""Addresses of the group leader's pages, mounted at /groups/ by lms.urls."""

from django.urls import path
from wagtail import hooks

from cohorts.groups import views

app_name = "groups"

urlpatterns = [
    path("", views.my_groups, name="mine"),
    path("new/", views.group_new, name="new"),
    path("<dbid:group_id>/", views.group_page, name="group"),
    path("<dbid:group_id>/edit/", views.group_edit, name="edit"),
    path("<dbid:group_id>/delete/", views.group_delete_view, name="delete"),
    path("<dbid:group_id>/leaders/", views.leader_add_view, name="leader_add"),
    path(
        "<dbid:group_id>/leaders/<dbid:leader_id>/remove/",
        views.leader_remove_view,
        name="leader_remove",
    ),
    path(
        "<dbid:group_id>/invitations/<dbid:invitation_id>/cancel/",
        views.leader_invitation_cancel_view,
        name="leader_invitation_cancel",
    ),
    path("invitations/<str:token>/", views.leader_invitation, name="leader_invitation"),
    path("<dbid:group_id>/members/new/", views.member_new, name="member_new"),
    path("<dbid:group_id>/members/import/", views.members_import_view, name="members_import"),
    path("<dbid:group_id>/members/<dbid:member_id>/", views.member_edit, name="member_edit"),
    path(
        "<dbid:group_id>/members/<dbid:member_id>/remove/",
        views.member_remove_view,
        name="member_remove",
    ),
    path("<dbid:group_id>/book/", views.booking_new, name="book"),
    path(
        "<dbid:group_id>/bookings/<dbid:enrolment_id>/cancel/",
        views.booking_cancel,
        name="booking_cancel",
    ),
    path(
        "<dbid:group_id>/bookings/<dbid:enrolment_id>/resend/",
        views.consent_resend,
        name="consent_resend",
    ),
]
# Pages of capabilities built on groups, under the same addresses and names (attendance: a
# group's passes, an activity's care notes), come through this hook so that groups imports
# none of them:
#   @hooks.register(views.GROUP_URLS_HOOK)
#   def group_urls(): return [path(...), ...]
for hook in hooks.get_hooks(views.GROUP_URLS_HOOK):
    urlpatterns += hook()
