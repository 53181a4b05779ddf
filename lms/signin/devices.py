"""A person's second-factor devices: authenticator apps (TOTP), passkeys and recovery codes.
Services do the writing (`totp_device_confirm`, `recovery_codes_replace`,
`second_factor_device_remove`), the rest reads. Recovery codes are stored as hashes only."""

import base64
import hashlib
import logging
import secrets
import time
from binascii import unhexlify
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from lms.errors import LmsError
from lms.signin.roles import second_factor_required

logger = logging.getLogger("lms.signin")

RECOVERY_NAME = "Recovery codes"
RECOVERY_COUNT = 10
KINDS = ("totp", "passkey")


@dataclass(frozen=True)
class DeviceRow:
    kind: str  # "totp" or "passkey"
    pk: int
    name: str
    created_at: object
    last_used_at: object

    @property
    def kind_label(self) -> str:
        return _("Authenticator app") if self.kind == "totp" else _("Passkey")


# --- reading ----------------------------------------------------------------------------------


def second_factor_devices(user) -> list[DeviceRow]:
    """The person's confirmed authenticator apps and passkeys, oldest first."""
    rows = [
        DeviceRow("totp", d.pk, d.name, d.created_at, d.last_used_at)
        for d in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    rows += [
        DeviceRow("passkey", d.pk, d.name, d.created_at, d.last_used_at)
        for d in WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
    ]
    return rows


def second_factor_has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def passkeys_exist(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_NAME, device__confirmed=True
    ).count()


def totp_key_new() -> str:
    """A random 160-bit key, hex-encoded as django-otp stores it."""
    return secrets.token_hex(20)


def totp_key_base32(key_hex: str) -> str:
    return base64.b32encode(unhexlify(key_hex)).decode()


def totp_config_url(*, user, key_hex: str) -> str:
    return TOTPDevice(user=user, key=key_hex).config_url


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: a hash of its letters, whatever the spacing."""
    letters = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(f"bsr-recovery:{letters}".encode()).hexdigest()[:16]


def _recovery_code_new() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 letters
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


# --- writing ----------------------------------------------------------------------------------


def totp_device_confirm(*, user, key_hex: str, code: str, name: str = "Authenticator app"):
    """Adds the authenticator app whose key the person scanned, once its current code matches;
    None (and nothing stored) when it does not."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    device = TOTPDevice(user=user, key=key_hex, name=name[:64], confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(code), device.tolerance):
        return None
    device.last_t = totp.t()
    with transaction.atomic():
        device.save()
    logger.info("Second factor added: authenticator app for user %s.", user.pk)
    return device


def recovery_codes_replace(*, user) -> list[str]:
    """New recovery codes; the old ones stop working. The codes are returned once, to show."""
    codes = [_recovery_code_new() for _ in range(RECOVERY_COUNT)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
        )
    logger.info("Recovery codes replaced for user %s.", user.pk)
    return codes


def second_factor_device_remove(*, user, kind: str, pk: int) -> None:
    """Removes one authenticator app or passkey. The last one cannot go while the person's role
    needs a second factor; with the last one gone, the recovery codes go too."""
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        raise LmsError("device_unknown")
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, pk=pk).first()
        if device is None:
            raise LmsError("device_unknown")
        others = [row for row in second_factor_devices(user) if (row.kind, row.pk) != (kind, pk)]
        if not others and second_factor_required(user):
            raise LmsError("device_last")
        device.delete()
        if not others:
            StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).delete()
    logger.info("Second factor removed: %s for user %s.", kind, user.pk)


def second_factor_check(*, user, code: str):
    """The device that accepts `code` (six digits from an authenticator app, or a recovery code,
    which is then used up), or None. django-otp slows down repeated wrong codes per device."""
    code = code.strip()
    compact = "".join(code.split())
    if compact.isdigit() and len(compact) == 6:
        for device in devices_for_user(user, confirmed=True):
            if isinstance(device, TOTPDevice):
                found = verify_token(user, device.persistent_id, compact)
                if found is not None:
                    return found
        return None
    if not compact:
        return None
    digest = recovery_code_digest(compact)
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        found = verify_token(user, device.persistent_id, digest)
        if found is not None:
            logger.info("Recovery code used by user %s.", user.pk)
            return found
    return None


def second_factor_reset(*, user) -> int:
    """Removes every device of someone who lost them all (an administrator's decision, after
    checking who asks): their next login enrols a new one if their role needs it."""
    with transaction.atomic():
        count = 0
        for model in (TOTPDevice, WebAuthnCredential, StaticDevice):
            count += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    logger.warning("Second factor reset for user %s (%s devices removed).", user.pk, count)
    return count
