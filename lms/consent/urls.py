"""The guardian's consent links: /consent/<token>/ (no login; the token is the authority)."""

from django.urls import path, re_path

from lms.consent import views as views_consent

app_name = "consent"

urlpatterns = [
    path("", views_consent.consent_blank, name="blank"),
    path("done/", views_consent.consent_done, name="done"),
    path("<str:token>/", views_consent.consent_page, name="page"),
    # Anything else under /consent/ is a damaged link: say so instead of "page not found".
    re_path(r"^(?P<token>.+)/$", views_consent.consent_blank, name="damaged"),
]
