"""A person's login records and second-factor devices in "download my data" and erasure: the
lockout's login log (times, addresses, browsers) and the devices are removed with the account.
Privacy sits above sign-in (its pages ask for the password or a code again), so LmsConfig.ready()
hands these to the registry rather than this module importing it."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle

from lms.signin.devices import recovery_codes_left, second_factor_devices

LABEL = _("your logins and second-factor devices")


def data_export(user) -> dict:
    logins = AccessLog.objects.filter(username__iexact=user.email).order_by("attempt_time")
    return {
        "logins": [
            {"at": row.attempt_time, "address": row.ip_address, "browser": row.user_agent}
            for row in logins
        ],
        "second_factor_devices": [
            {"kind": row.kind_label, "name": row.name, "added": row.created_at}
            for row in second_factor_devices(user)
        ],
        "recovery_codes_left": recovery_codes_left(user),
    }


def data_erase(user, erasure) -> None:
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=user.email).delete()
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential, WebAuthnUserHandle):
        model.objects.filter(user=user).delete()
