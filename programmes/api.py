"""Read-only catalogue API (Wagtail API v2) for partner websites."""

from wagtail.api.v2.router import WagtailAPIRouter

api_router = WagtailAPIRouter("wagtailapi")
