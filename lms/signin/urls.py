"""Addresses of the second-factor steps, under /account/two-factor/."""

from django.urls import include, path

from lms.signin import passkeys, views

urlpatterns = [
    path("", views.verify, name="two_factor_verify"),
    path("setup/", views.setup, name="two_factor_setup"),
    path("recovery-codes/", views.recovery_codes, name="two_factor_recovery_codes"),
    path(
        "devices/<str:kind>/<dbid:pk>/remove/",
        views.device_remove,
        name="two_factor_device_remove",
    ),
    path("passkeys/", include(passkeys)),
]
