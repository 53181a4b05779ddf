"""Public learning pages, served under the reader's language (lms/urls.py)."""

from django.urls import path

from programmes.learning import views

urlpatterns = [path("activities/", views.activity_list, name="activity_list")]
