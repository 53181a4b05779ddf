"""Passkeys (django-otp-webauthn) as a second factor only: registering one needs a login that
passed the second factor (or a first device being enrolled), and using one needs the password
first. Their JSON endpoints live under the second-factor pages."""

import json

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from lms.signin import devices
from lms.signin.middleware import (
    safe_next,
    second_factor_forget_need,
    second_factor_passed,
    second_factor_verified,
)
from lms.signin.views import NEW_CODES_KEY


def _may_add(request) -> None:
    if second_factor_verified(request) or not devices.second_factor_has_device(request.user):
        return
    raise exceptions.NotVerified()


class RegistrationBegin(BeginCredentialRegistrationView):
    def check_can_register(self):
        _may_add(self.request)


class RegistrationComplete(CompleteCredentialRegistrationView):
    def check_can_register(self):
        _may_add(self.request)

    def post(self, *args, **kwargs):
        first = not devices.second_factor_devices(self.request.user)
        response = super().post(*args, **kwargs)
        if response.status_code != 200:
            return response
        pk = json.loads(response.content).get("id")
        device = WebAuthnCredential.objects.filter(pk=pk, user=self.request.user).first()
        if device is not None and not second_factor_verified(self.request):
            second_factor_passed(self.request, device)
        second_factor_forget_need(self.request)
        if first and devices.recovery_codes_left(self.request.user) == 0:
            self.request.session[NEW_CODES_KEY] = devices.recovery_codes_replace(
                user=self.request.user
            )
        return response


class AuthenticationBegin(BeginCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()


class AuthenticationComplete(CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()

    def complete_auth(self, device):
        second_factor_passed(self.request, device)

    def get_success_url(self):
        return safe_next(self.request, self.request.GET.get("next"))


app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        RegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        AuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
