"""Certificate verification (public) and downloads (holder and staff)."""

from django.http import Http404


def verify(request, code: str = ""):
    raise Http404("Verification is being built.")
