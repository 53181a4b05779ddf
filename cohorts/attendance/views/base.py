"""What the attendance pages share: content types and the headers of personal pages."""

from cohorts.desk import exports

XLSX_CONTENT_TYPE = exports.XLSX_CONTENT_TYPE
PDF_CONTENT_TYPE = "application/pdf"


def private_response(response):
    # Passes and desks are personal: never cached, never leaked through a Referer header to
    # other sites ("same-origin": "no-referrer" makes browsers post "Origin: null", which the
    # CSRF check refuses).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
