"""Failed-login lockout with django-axes: counted per account and per client address (the
address the certificate look-up limit trusts), answered with the login page and the time left."""

import logging
import math

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.shortcuts import render

logger = logging.getLogger("lms.signin")


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a login names, as the account table compares it (e-mail, any case)."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    value = source.get("username") or source.get("email") or ""
    return str(value).strip().lower()[:254]


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a separate, higher limit per client address: many honest
    people share one address (a venue's Wi-Fi), while one account has one owner. The count
    returned is scaled so that either limit reached means AXES_FAILURE_LIMIT."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        by_account, by_address = (counts + [0, 0])[:2]
        limit = settings.LOGIN_FAILURE_LIMIT
        per_address = max(1, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)
        return max(by_account, (by_address * limit) // per_address)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The login page again, saying why and for how long, with 429 Too Many Requests."""
    minutes = max(1, math.ceil(settings.LOGIN_LOCKOUT_MINUTES))
    logger.warning("Login locked after repeated failures (path %s).", request.path)
    response = render(
        request,
        "lms/login_locked.html",
        {"minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
