"""Addresses of a person's own data under /account/: My data, its export, erasing the account."""

from django.urls import path

from lms.privacy import views

urlpatterns = [
    path("data/", views.my_data, name="my_data"),
    path("data/export/", views.my_data_export, name="my_data_export"),
    path("data/export/<dbid:pk>/status/", views.my_data_status, name="my_data_status"),
    path("data/export/<dbid:pk>/download/", views.my_data_download, name="my_data_download"),
    path("erase/", views.account_erase, name="account_erase"),
    path("erased/", views.account_erased, name="account_erased"),
]
