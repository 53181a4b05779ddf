"""A person's own data: the "My data" page with "download my data" (request, progress, download)
and "erase my account" (a confirmation by POST only)."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import LmsError
from lms.privacy.models import DataExportState
from lms.privacy.services import (
    ACTIVE_EXPORTS,
    data_export_downloadable,
    data_export_latest,
    data_export_of_owner,
    data_export_request,
    export_file_name,
    person_erase,
)
from lms.signin.reauth import ConfirmIdentityForm
from lms.storage import private_file_response

POLL_MS = 1500


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _status(export) -> dict:
    finished = export.state not in ACTIVE_EXPORTS
    return {
        "state": export.state,
        "label": export.get_state_display(),
        "progress": 100 if export.state == DataExportState.DONE else export.progress,
        "step": export.step,
        "finished": finished,
        "download_url": reverse("my_data_download", args=[export.pk])
        if data_export_downloadable(export)
        else "",
    }


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request, ConfirmIdentityForm(request=request))


def _my_data_page(request: HttpRequest, form, status: int = 200) -> HttpResponse:
    export = data_export_latest(user=request.user)
    context = {
        "export": export,
        "status": _status(export) if export else None,
        "working": export is not None and export.state in ACTIVE_EXPORTS,
        "downloadable": data_export_downloadable(export),
        "expired": export is not None
        and export.state == DataExportState.DONE
        and not data_export_downloadable(export),
        "poll_ms": POLL_MS,
        "days": int(getattr(settings, "DATA_EXPORT_DAYS", 7)),
        "form": form,
    }
    if export is not None:
        context["status_url"] = reverse("my_data_status", args=[export.pk])
    return _private(render(request, "lms/my_data.html", context, status=status))


@login_required
@require_POST
def my_data_export(request: HttpRequest) -> HttpResponse:
    """A copy of everything kept about the person, once they have confirmed it is them."""
    form = ConfirmIdentityForm(request.POST, request=request)
    if not form.is_valid():
        return _my_data_page(request, form)
    try:
        data_export_request(user=request.user)
    except LmsError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "We are preparing a copy of your data. It takes a moment; this page shows how "
                "far it has got."
            ),
        )
    return redirect("my_data")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def my_data_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = data_export_of_owner(user=request.user, pk=pk)
    if export is None:
        raise Http404("No such export.")
    return _private(JsonResponse(_status(export)))


@login_required
@require_http_methods(["GET", "HEAD"])
def my_data_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The archive, for its owner only; anyone else gets a 404, so that the address does not
    even say whether it exists."""
    export = data_export_of_owner(user=request.user, pk=pk)
    if not data_export_downloadable(export, now=timezone.now()):
        raise Http404("No such export.")
    name = export_file_name(export)
    response = private_file_response(
        export.file,
        content_type="application/zip",
        disposition=f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
    )
    if response is None:
        raise Http404("The archive is missing.")
    return _private(response)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_erase(request: HttpRequest) -> HttpResponse:
    """GET explains and asks; only a POST with the right confirmation erases."""
    form = ConfirmIdentityForm(
        request.POST if request.method == "POST" else None,
        request=request,
        unchanged=_("Nothing was erased."),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(user=request.user, actor=request.user)
        except LmsError as error:
            form.add_error(None, error.message)
        else:
            logout(request)
            return redirect("account_erased")
    return _private(render(request, "lms/account_erase.html", {"form": form}))


@never_cache
@require_http_methods(["GET", "HEAD"])
def account_erased(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "lms/account_erased.html"))
