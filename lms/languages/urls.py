from django.urls import path

from lms.languages import views

urlpatterns = [path("", views.language_switch, name="language_switch")]
