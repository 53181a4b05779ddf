"""The second factor as a gate: after the password, someone with a device must use it, and
someone whose role needs one must enrol one, before any page but these steps and logging out.
Sessions of those roles end after STAFF_SESSION_IDLE_SECONDS without a request."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from lms.signin.devices import second_factor_has_device
from lms.signin.roles import second_factor_required

# The session holds: whether this login passed the second factor, what it still owes (checked
# again every few minutes, so a role given meanwhile applies), and when it was last used.
VERIFIED_KEY = "lms_second_factor"
NEED_KEY = "lms_second_factor_need"
SEEN_KEY = "lms_session_seen"
RECHECK_SECONDS = 300
SEEN_EVERY_SECONDS = 60

VERIFY, ENROL = "verify", "enrol"


def second_factor_need(user) -> str:
    """ "verify" for anyone with a device, "enrol" for a role that needs one, else ""."""
    if second_factor_has_device(user):
        return VERIFY
    if second_factor_required(user):
        return ENROL
    return ""


def second_factor_passed(request, device=None) -> None:
    """Records that this login passed the second factor (with `device`)."""
    if device is not None:
        otp_login(request, device)
    request.session.cycle_key()
    request.session[VERIFIED_KEY] = getattr(device, "persistent_id", "") or "yes"
    request.session.pop(NEED_KEY, None)
    if second_factor_required(request.user):
        session_shorten(request)


def second_factor_verified(request) -> bool:
    return bool(request.session.get(VERIFIED_KEY))


def second_factor_forget_need(request) -> None:
    request.session.pop(NEED_KEY, None)


def session_shorten(request) -> None:
    """Staff sessions end after a spell without requests, instead of lasting two weeks."""
    request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
    request.session[SEEN_KEY] = int(time.time())


def on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: work out afresh what this login owes, and shorten a staff session."""
    if request is None or not hasattr(request, "session"):
        return
    need = second_factor_need(user)
    request.session[NEED_KEY] = [need, int(time.time())]
    if second_factor_required(user):
        session_shorten(request)


def safe_next(request, value: str | None, default: str | None = None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default or reverse(settings.LOGIN_REDIRECT_URL)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        if session.get(VERIFIED_KEY):
            self._seen(session)
            return self.get_response(request)
        need = self._need(request)
        if need and not self._open(request.path_info):
            name = "two_factor_verify" if need == VERIFY else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(name)}?{query}")
        self._seen(session)
        return self.get_response(request)

    @staticmethod
    def _seen(session) -> None:
        # Saving the session now and then moves its expiry on: the idle limit counts from the
        # last request, not from the login.
        seen = session.get(SEEN_KEY)
        if seen is not None and time.time() - seen >= SEEN_EVERY_SECONDS:
            session[SEEN_KEY] = int(time.time())

    @staticmethod
    def _need(request) -> str:
        cached = request.session.get(NEED_KEY)
        now = int(time.time())
        if isinstance(cached, list) and len(cached) == 2 and now - cached[1] < RECHECK_SECONDS:
            return cached[0]
        need = second_factor_need(request.user)
        request.session[NEED_KEY] = [need, now]
        if need and second_factor_required(request.user) and SEEN_KEY not in request.session:
            session_shorten(request)
        return need

    @staticmethod
    def _open(path: str) -> bool:
        """The second-factor pages, logging out and static files stay reachable."""
        open_prefixes = (
            reverse("two_factor_verify"),
            reverse("logout"),
            settings.STATIC_URL,
        )
        return path.startswith(open_prefixes)
