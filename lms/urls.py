"""URL configuration of BSR Academy."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from lms.accounts import views
from lms.accounts.forms import OutboxPasswordResetForm
from lms.languages import content
from programmes.pages.api import api_router

account_patterns = [
    path("signup/", views.SignupView.as_view(), name="signup"),
    path(
        "signup/confirm/<uidb64>/<token>/",
        views.SignupConfirmView.as_view(),
        name="signup_confirm",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="lms/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/guardian/", views.guardian_resend, name="guardian_resend"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="lms/password_reset_form.html",
            form_class=OutboxPasswordResetForm,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="lms/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="lms/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="lms/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    # The interface's strings for the scripts (check-in desk, matching, bulk issue ...).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    # Health checks and metrics for the load balancer and Prometheus (docs/deploy.md).
    path("", include("lms.operations.urls")),
    # One login page for the site and the admin, so that both end in the same lockout and
    # second-factor steps.
    path("admin/login/", views.admin_login_redirect),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("account/", include(account_patterns)),
    path("account/", include("lms.privacy.urls")),
    path("account/two-factor/", include("lms.signin.urls")),
    path("api/v2/", api_router.urls),
    path("cohorts/", include("cohorts.urls")),
    path("groups/", include("cohorts.groups.urls")),
    path("certificates/", include("certificates.urls")),
    path("consent/", include("lms.consent.urls")),
    path("language/", views.language_switch, name="language_switch"),
    path("", include("programmes.learning.urls")),
]

if not settings.PRODUCTION:
    # Uploaded media on the embedded default; production serves them from object storage.
    urlpatterns += [path("media/<path:path>", views.media_serve)]

wagtail_patterns = [
    *(p for p in wagtail_urls.urlpatterns if getattr(p, "name", None) != "wagtail_serve"),
    re_path(serve_pattern, content.serve, name="wagtail_serve"),
]

# Public pages under their language (/lv/programmes/…), so that a link can be shared in a
# language; English ones without a prefix, to which a reader who chose another language (or
# whose browser prefers one, on a first visit) is redirected from there. docs/translations.md.
urlpatterns += i18n_patterns(
    path("search/", include("programmes.search.urls")),
    path("", include("programmes.learning.public_urls")),
    # Wagtail's URLs, its page view routed through the English tree in the reader's language.
    path("", include(wagtail_patterns)),
    prefix_default_language=False,
)

handler400 = "lms.accounts.views.bad_request"
handler403 = "lms.accounts.views.permission_denied"
handler404 = "lms.accounts.views.page_not_found"
handler500 = "lms.accounts.views.server_error"
