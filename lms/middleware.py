"""Request guards shared by every view."""

from urllib.parse import unquote

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from lms.jobs import JobsUnavailable

# Seconds a person (or a client) is asked to wait when the job queue is not answering.
RETRY_AFTER_SECONDS = 60


class RejectNulBytesMiddleware:
    """A NUL byte in the address is never meaningful, and PostgreSQL refuses it in any text
    column: answer 400 up front instead of letting a lookup deep in a view fail with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query, errors="replace"):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class JobsUnavailableMiddleware:
    """A request that must queue a job now (most queue theirs after commit and never fail)
    answers 503 with a plain page when the job queue is down, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, JobsUnavailable):
            return None
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one difference: the Wagtail admin (and page previews, which
    it serves) gets settings.CONTENT_SECURITY_POLICY_ADMIN instead of the site's strict policy,
    unless a view chose its own."""

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and _is_admin(request):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts


def _admin_prefix() -> str:
    return reverse("wagtailadmin_home")


def _is_admin(request) -> bool:
    return request.path_info.startswith(_admin_prefix())


class AdminAccessMiddleware:
    """A logged-in person without access to the Wagtail admin who opens /admin/ is told so, and
    where to go instead. (Wagtail would send them to the login page, which sends a logged-in
    person straight back: a redirect loop.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            _is_admin(request)
            and user is not None
            and user.is_authenticated
            and not user.has_perm("wagtailadmin.access_admin")
        ):
            return render(request, "lms/admin_no_access.html", status=403)
        return self.get_response(request)
