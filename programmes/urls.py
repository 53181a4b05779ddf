"""Public and personal views of learning: activities listing, calendars, My learning."""

urlpatterns: list = []
