"""Addresses of survey answering, included under /cohorts/surveys/."""

from django.urls import path

from cohorts.surveys import views as views_surveys

urlpatterns = [
    path("<str:token>/", views_surveys.survey_answer, name="survey_answer"),
    path("<str:token>/thanks/", views_surveys.survey_thanks, name="survey_thanks"),
]
