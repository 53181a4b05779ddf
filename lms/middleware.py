"""Request guards shared by every view."""

from urllib.parse import unquote

from django.shortcuts import render


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
