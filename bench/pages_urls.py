"""The project's URLs plus `/bench/static-bytes/`: a plain Django view returning the bytes of the
anonymous programme page, captured once by bench/pages.py (the file named by BENCH_STATIC_BYTES)."""

import os
from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from lms.urls import handler400, handler403, handler404, handler500  # noqa: F401
from lms.urls import urlpatterns as project_urlpatterns


@cache
def _captured() -> bytes:
    return Path(os.environ["BENCH_STATIC_BYTES"]).read_bytes()


def static_bytes(request):
    return HttpResponse(_captured(), content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/static-bytes/", static_bytes), *project_urlpatterns]
