"""The S3-protocol server of the tests, run as `python -m tests.s3_server PORT`: moto's standalone
server on 127.0.0.1, plus the one check of signed addresses moto leaves out — a request after the
address's lifetime is refused with S3's own "Request has expired"."""

import datetime as dt
import sys
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


class SignedAddressesExpire:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Signature" in query:
            signed = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            lifetime = dt.timedelta(seconds=int(query["X-Amz-Expires"][0]))
            if dt.datetime.now(dt.UTC).replace(tzinfo=None) > signed + lifetime:
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [EXPIRED]
        return self.app(environ, start_response)


def main(port: int) -> None:
    app = SignedAddressesExpire(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
