"""Secret links. Links the product must show again (a pass's QR code, a calendar feed's address)
store only a random salt and the SHA-256 of the token: the token is derived from the salt with the
site's secret key and the link's purpose, so a copy of the database opens nothing and a token of
one purpose is no token of another. Links that need no stored secret at all (the confirmation of a
sign-up's e-mail address) are signed, expiring HMACs over the account's state."""

import base64
import hashlib
import secrets

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import salted_hmac


def token_digest(token: str) -> str:
    """The SHA-256 stored in place of a token: a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A random 256-bit token (43 URL-safe characters, no padding) and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def derived_token(purpose: str, salt: str) -> str:
    """43 URL-safe characters (256 bits), the same for the same purpose and salt."""
    digest = salted_hmac(f"bsr-academy.link.{purpose}", salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def derived_token_fields(purpose: str) -> dict[str, str]:
    """A fresh salt and the digest of its token: the two fields stored for one link."""
    salt = secrets.token_hex(32)
    return {"token_salt": salt, "token_hash": token_digest(derived_token(purpose, salt))}


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Valid for PASSWORD_RESET_TIMEOUT, for one purpose (its own salt), and only while the
    account still waits for confirmation."""

    key_salt = "lms.tokens.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return (
            f"{user.pk}{user.password}{user.signup_pending}{user.is_active}{timestamp}{user.email}"
        )


signup_token_generator = SignupTokenGenerator()
