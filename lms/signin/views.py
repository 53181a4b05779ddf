"""The second-factor pages: verify after the password, enrol an authenticator app, recovery
codes shown once, and removing a device with the password."""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import LmsError
from lms.qr import qr_svg_inline
from lms.signin import devices
from lms.signin.forms import CodeForm, PasswordForm, TotpSetupForm
from lms.signin.middleware import (
    safe_next,
    second_factor_forget_need,
    second_factor_need,
    second_factor_passed,
    second_factor_verified,
)
from lms.signin.roles import second_factor_required, second_factor_roles_of

logger = logging.getLogger("lms.signin")

SETUP_KEY = "lms_totp_setup_key"
NEW_CODES_KEY = "lms_new_recovery_codes"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _next(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the app, a recovery code, or a passkey."""
    if second_factor_verified(request):
        return redirect(_next(request))
    need = second_factor_need(request.user)
    if need == "enrol":
        return redirect(f"{reverse('two_factor_setup')}?{request.GET.urlencode()}")
    if not need:
        return redirect(_next(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = devices.second_factor_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            second_factor_passed(request, device)
            return redirect(_next(request))
        logger.warning("Wrong second-factor code for user %s.", request.user.pk)
        form.add_error(
            "code",
            _(
                "That code is not right, or it has expired. Type the code your app shows now; "
                "after several wrong codes, wait a little before the next try."
            ),
        )
    context = {
        "form": form,
        "next": _next(request),
        "passkeys": devices.passkeys_exist(request.user),
    }
    return _private(render(request, "lms/two_factor/verify.html", context))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (or type the key), then type its code."""
    user = request.user
    if not second_factor_verified(request) and devices.second_factor_has_device(user):
        # A new device is added only by someone who has passed the second factor.
        return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = devices.totp_key_new()
    form = TotpSetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = devices.totp_device_confirm(user=user, key_hex=key, code=form.cleaned_data["code"])
        if device is not None:
            request.session.pop(SETUP_KEY, None)
            return _enrolled(request, device)
        form.add_error(
            "code",
            _(
                "That code does not match. Check that the app shows the BSR Academy account you "
                "just added, and type the code it shows now."
            ),
        )
    url = devices.totp_config_url(user=user, key_hex=key)
    qr = qr_svg_inline(url, title=_("QR code for your authenticator app"))
    secret = devices.totp_key_base32(key)
    context = {
        "form": form,
        "qr": qr,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next(request),
        "required": second_factor_required(user),
        "roles": second_factor_roles_of(user),
        "first": not devices.second_factor_has_device(user),
    }
    return _private(render(request, "lms/two_factor/setup.html", context))


def _codes_url(request) -> str:
    return f"{reverse('two_factor_recovery_codes')}?{urlencode({'next': _next(request)})}"


def _enrolled(request, device) -> HttpResponse:
    """After a new device: the login counts as verified; the first device brings recovery
    codes, shown once."""
    if not second_factor_verified(request):
        second_factor_passed(request, device)
    second_factor_forget_need(request)
    if devices.recovery_codes_left(request.user) == 0:
        request.session[NEW_CODES_KEY] = devices.recovery_codes_replace(user=request.user)
        return redirect(_codes_url(request))
    messages.success(request, _("Your new device is ready: use it at your next login."))
    return redirect(_next(request))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New codes are shown once, straight after they are made; POST makes new ones."""
    if not second_factor_verified(request):
        return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    if request.method == "POST":
        if not devices.second_factor_devices(request.user):
            messages.error(request, _("Add an authenticator app or a passkey first."))
            return redirect("profile")
        request.session[NEW_CODES_KEY] = devices.recovery_codes_replace(user=request.user)
        return redirect(_codes_url(request))
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes and request.GET.get("after") == "passkey":
        messages.success(request, _("Your passkey is ready: use it at your next login."))
        return redirect(_next(request))
    context = {
        "codes": codes,
        "left": devices.recovery_codes_left(request.user),
        "next": _next(request),
    }
    return _private(render(request, "lms/two_factor/recovery_codes.html", context))


@login_required
@require_POST
def device_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Removing an authenticator app or passkey asks for the password."""
    if devices.second_factor_has_device(request.user) and not second_factor_verified(request):
        return redirect("two_factor_verify")
    form = PasswordForm(request.POST, user=request.user)
    if not form.is_valid():
        for error in form.errors.get("password", []):
            messages.error(request, error)
        return redirect(reverse("profile") + "#two-factor")
    try:
        devices.second_factor_device_remove(user=request.user, kind=kind, pk=pk)
    except LmsError as error:
        messages.error(request, error.message)
    else:
        second_factor_forget_need(request)
        messages.success(request, _("The device was removed."))
    return redirect(reverse("profile") + "#two-factor")


def profile_context(request) -> dict:
    """The profile page's "Two-step login" section."""
    user = request.user
    return {
        "two_factor_devices": devices.second_factor_devices(user),
        "two_factor_required": second_factor_required(user),
        "two_factor_roles": second_factor_roles_of(user),
        "two_factor_codes_left": devices.recovery_codes_left(user),
        "two_factor_verified": second_factor_verified(request),
    }
