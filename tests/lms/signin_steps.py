"""Logging in through the real forms in tests: the password, then the second factor with a code
computed from the device's key, as an authenticator app would."""

import base64
import re
import time

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "Correct-Horse-42"


def password_login(client, email: str, *, password: str = PASSWORD, next_url: str = "", **extra):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(url, data, **extra)


def code_now(key_hex: str, *, after_step: int = -1) -> str:
    """The current code of a TOTP key; a later step's (still accepted) when the current one was
    used already, since a code works once."""
    key = bytes.fromhex(key_hex)
    step_now = int(time.time()) // 30
    drift = 1 if step_now <= after_step else 0
    return f"{totp(key, drift=drift):06d}"


def device_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return code_now(device.key, after_step=device.last_t)


def secret_on_page(response) -> str:
    """The key an authenticator app is given, as the set-up page prints it (hex)."""
    html = response.content.decode()
    found = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html)
    assert found, "the set-up page shows no key"
    return base64.b32decode(found.group(1).replace(" ", "")).hex()


def recovery_codes_on_page(response) -> list[str]:
    return re.findall(
        r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>",
        response.content.decode(),
    )


def a_moment_later(user) -> None:
    """After a wrong code django-otp refuses the next try for a second or more (doubling with
    each failure); move the failure that far into the past, as a person typing again would."""
    import datetime as dt

    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice

    earlier = timezone.now() - dt.timedelta(minutes=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_timestamp__isnull=False).update(
            throttling_failure_timestamp=earlier
        )
