"""Signed, expiring links that need no stored secret: the confirmation of a sign-up's e-mail
address. The token is an HMAC over the account's state, so it stops working once used."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Valid for PASSWORD_RESET_TIMEOUT, for one purpose (its own salt), and only while the
    account still waits for confirmation."""

    key_salt = "lms.tokens.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return (
            f"{user.pk}{user.password}{user.signup_pending}{user.is_active}{timestamp}{user.email}"
        )


signup_token_generator = SignupTokenGenerator()
