"""A participant's personal calendar feed (its address is a secret link)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from lms.tokens import derived_token


def _feed_token() -> str:  # (named in migration 0002)
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A participant's personal iCal feed; the secret token is the only key to it, and
    revoking replaces it so old subscription links stop working. The token is derived from
    `token_salt` with the site's secret key; only its digest is stored (lms.tokens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_salt = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    LINK_PURPOSE = "programmes.calendar_feed"

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

    @property
    def token(self) -> str:
        return derived_token(self.LINK_PURPOSE, self.token_salt)
