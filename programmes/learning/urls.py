"""Public and personal views of learning: activities listing, calendars, My learning."""

from django.urls import path

from programmes.learning import views

urlpatterns = [
    path("activities/<dbid:page_id>/calendar.ics", views.activity_ics, name="activity_ics"),
    path("my-learning/", views.my_learning, name="my_learning"),
    path(
        "my-learning/calendar/reset/",
        views.calendar_feed_reset,
        name="calendar_feed_reset",
    ),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
