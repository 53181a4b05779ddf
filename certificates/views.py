"""Certificate verification (public, by code, QR link or PDF file), downloads (holder and staff)
and a participant's own certificates."""

import datetime as dt
import math
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from certificates.models import Certificate
from certificates.selectors import (
    certificate_by_sha256,
    certificate_for_download,
    my_certificates,
    verification_from,
    verification_of,
)
from certificates.verify import ratelimit
from certificates.verify.codes import code_normalise
from certificates.verify.forms import (
    MALFORMED,
    PDF_FIELD,
    CodeForm,
    HashingUploadHandler,
    UploadForm,
    too_large_message,
)
from lms.storage import private_file_response

UPLOAD_PREFIX = "file"

# Titles that say the outcome first, so that it is the first thing a screen reader announces.
STATE_TITLES = {
    "issued": _("Valid certificate"),
    "revoked": _("Revoked certificate"),
    "replaced": _("Replaced certificate"),
    "withdrawn": _("Withdrawn certificate"),
}
# Translators: the heading of a verification result whose state has no title of its own.
CERTIFICATE = pgettext_lazy("verification result", "Certificate")


def _private(response: HttpResponse) -> HttpResponse:
    # The code in the address is the key to the certificate: it must not travel to other sites
    # in a Referer header, nor be indexed by search engines. Not "no-referrer": under it browsers
    # send "Origin: null" with the upload form, and Django's CSRF check rightly refuses that.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    context.setdefault("code_form", CodeForm())
    context.setdefault("upload_form", _upload_form())
    return _private(render(request, "certificates/verify.html", context, status=status))


def _upload_form(*args, **kwargs) -> UploadForm:
    return UploadForm(
        *args, prefix=UPLOAD_PREFIX, max_bytes=settings.CERTIFICATES_UPLOAD_MAX_BYTES, **kwargs
    )


def _limited(request: HttpRequest) -> HttpResponse | None:
    """Count this look-up; a 429 page when the client is over its limit."""
    hit = ratelimit.hit(request)
    if hit.allowed:
        return None
    retry_at = timezone.localtime() + dt.timedelta(seconds=hit.retry_after)
    response = render(
        request,
        "certificates/rate_limited.html",
        {
            "retry_minutes": math.ceil(hit.retry_after / 60),
            "retry_at": retry_at,
            "limit": hit.limit,
            "window_minutes": max(1, round(settings.CERTIFICATES_VERIFY_WINDOW / 60)),
        },
        status=429,
    )
    response["Retry-After"] = str(hit.retry_after)
    return _private(response)


# Room for the form's other fields and the multipart boundaries around the PDF.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def _too_large(request: HttpRequest) -> HttpResponse | None:
    """A 413 page when the body announced is larger than a certificate PDF can be."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _page(
            request, status=400, too_large=gettext("The upload could not be read. Try again.")
        )
    limit = settings.CERTIFICATES_UPLOAD_MAX_BYTES
    if length <= limit + UPLOAD_OVERHEAD_BYTES:
        return None
    response = _page(
        request,
        status=413,
        result_title=gettext("Error: the file is too large"),
        too_large=too_large_message(limit),
    )
    # The body was not read: ask the client not to reuse the connection for another request.
    response["Connection"] = "close"
    return response


def _result(request: HttpRequest, code: str, *, status_unknown: int = 404) -> HttpResponse:
    verification = verification_of(code=code)
    if verification is None:
        return _page(
            request,
            status=status_unknown,
            unknown_code=code,
            result_title=gettext("Unknown code"),
            code_form=CodeForm(initial={"code": code}),
        )
    return _page(
        request,
        verification=verification,
        result_title=STATE_TITLES.get(verification.state, CERTIFICATE),
    )


# --- Verification -------------------------------------------------------------------------------


@csrf_exempt  # checked in _verify_upload, once the hashing upload handler is in place
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The verification page: a code typed or pasted (GET, so the result has a plain address),
    or a PDF checked against the certificates issued (POST)."""
    if request.method == "POST":
        # Refused from its announced length, before a byte of the body is read.
        if too_large := _too_large(request):
            return too_large
        # Counted before the body is read: a client over its limit costs no upload.
        if limited := _limited(request):
            return limited
        handler = HashingUploadHandler(
            request,
            field_name=f"{UPLOAD_PREFIX}-{PDF_FIELD}",
            max_bytes=settings.CERTIFICATES_UPLOAD_MAX_BYTES,
        )
        request.upload_handlers = [handler]
        return _verify_upload(request, handler)

    if "code" not in request.GET:
        return _page(request)
    form = CodeForm(request.GET)
    if form.is_valid():
        # The look-up is counted at the address it redirects to.
        return redirect("certificates:verify_code", code=form.cleaned_data["code"])
    if limited := _limited(request):
        return limited
    return _page(
        request,
        code_form=form,
        malformed=" ".join(str(error) for error in form.errors.get("code", [MALFORMED])),
        result_title=gettext("Error: not a verification code"),
    )


@csrf_protect
def _verify_upload(request: HttpRequest, handler: HashingUploadHandler) -> HttpResponse:
    form = _upload_form(request.POST, request.FILES, handler=handler)
    if not form.is_valid():
        return _page(
            request, upload_form=form, result_title=gettext("Error: the file was not checked")
        )
    upload = form.cleaned_data[PDF_FIELD]
    code = form.cleaned_data["code"]
    certificate = certificate_by_sha256(sha256=upload.sha256)
    context = {"upload_form": _upload_form(), "upload_name": upload.name}
    if certificate is not None:
        context.update(
            file_outcome="exact",
            verification=verification_from(certificate),
            other_code=bool(code) and code != certificate.code,
            result_title=gettext("File recognised"),
        )
    elif code and (verification := verification_of(code=code)) is not None:
        context.update(
            file_outcome="changed",
            verification=verification,
            result_title=gettext("Changed file"),
        )
    else:
        context.update(
            file_outcome="unknown",
            unknown_code=code,
            result_title=gettext("File not recognised"),
        )
    return _page(request, **context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The address printed under the QR code: the certificate's state, at once (never cached)."""
    if limited := _limited(request):
        return limited
    normalised = code_normalise(code) if len(code) <= 100 else None
    if normalised is None:
        form = CodeForm(data={"code": code[:100]})
        form.is_valid()
        return _page(
            request,
            status=400,
            code_form=form,
            malformed=MALFORMED,
            result_title=gettext("Error: not a verification code"),
        )
    return _result(request, normalised)


# --- Downloads ----------------------------------------------------------------------------------

# Letters of the region that Unicode does not decompose into a base letter and an accent.
_ASCII_LETTERS = str.maketrans(
    {
        "Þ": "Th",
        "þ": "th",
        "Ð": "D",
        "ð": "d",
        "Đ": "D",
        "đ": "d",
        "Ø": "O",
        "ø": "o",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ł": "L",
        "ł": "l",
        "ß": "ss",
        "ı": "i",
    }
)
_NOT_IN_NAME = re.compile(r"[^\w.\-]+")


def _file_words(text: str) -> str:
    return "-".join(part for part in _NOT_IN_NAME.split(text) if part).strip("-.")


def download_names(certificate: Certificate) -> tuple[str, str]:
    """The download's file name: in full (UTF-8, diacritics kept) and its ASCII fallback."""
    what = certificate.context_title or certificate.programme_title
    # Translators: the first word of a downloaded certificate's file name.
    word = pgettext("file name", "Certificate")
    full = _file_words(unicodedata.normalize("NFC", f"{word} {certificate.holder_name} {what}"))
    full = (full[:150].rstrip("-.") or word) + ".pdf"
    decomposed = unicodedata.normalize("NFKD", full.translate(_ASCII_LETTERS))
    ascii_name = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ".-_"))
    ascii_name = re.sub(r"-{2,}", "-", ascii_name)
    return full, ascii_name if ascii_name != ".pdf" else "certificate.pdf"


@login_required
@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF, for its holder and for the staff who manage it; anyone else gets a 404 so that
    the address does not even reveal that the certificate exists."""
    certificate = certificate_for_download(user=request.user, pk=pk)
    if certificate is None:
        raise Http404("No such certificate.")
    full, ascii_name = download_names(certificate)
    response = private_file_response(
        certificate.pdf,
        content_type="application/pdf",
        disposition=f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full)}",
    )
    if response is None:
        raise Http404("The certificate's file is missing.")
    response["Cache-Control"] = "private, no-store"
    return _private(response)


# --- My certificates ----------------------------------------------------------------------------


@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/mine.html", {"rows": my_certificates(user=request.user)})
