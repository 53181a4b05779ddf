"""The demo's staff accounts log in with a second factor too: outside production each of them
gets an authenticator-app device with one published demo key, and `manage.py demo_totp` shows
its current code. Never in production."""

import base64
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.signin.devices import second_factor_has_device
from lms.signin.roles import second_factor_required

# Published in the README on purpose: it protects demo accounts on a developer's machine only.
DEMO_TOTP_SECRET = "BSRACADEMYDEMO2FASECRETKEYBALTIC"  # noqa: S105
DEMO_DEVICE_NAME = "Demo authenticator"


def demo_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_second_factor_ensure(*, users=None) -> list[str]:
    """Gives every demo account whose role needs a second factor, and has none yet, the demo
    device. Refused in production."""
    if settings.PRODUCTION:
        return ["refused: ENVIRONMENT=production"]
    added = 0
    people = users if users is not None else get_user_model().objects.filter(is_active=True)
    with transaction.atomic():
        for user in people:
            if second_factor_required(user) and not second_factor_has_device(user):
                TOTPDevice.objects.create(
                    user=user, key=demo_key_hex(), name=DEMO_DEVICE_NAME, confirmed=True
                )
                added += 1
    if not added:
        return []
    return [
        f"{added} staff account(s) got the demo authenticator device "
        "(README: 'Two-step login in the demo')."
    ]


def demo_code(user) -> tuple[str, int] | None:
    """The demo device's current code and the seconds it stays valid, or None."""
    device = TOTPDevice.objects.filter(user=user, key=demo_key_hex(), confirmed=True).first()
    if device is None:
        return None
    now = time.time()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    left = int(device.step - ((now - device.t0) % device.step))
    return f"{code:0{device.digits}d}", left
