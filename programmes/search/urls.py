"""Site search over programmes, modules and activities."""

from django.urls import path

from programmes.search.views import search

urlpatterns = [path("", search, name="search")]
