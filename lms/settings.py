"""Settings for BSR Academy: every option comes from the environment, with a default that boots
on a bare machine (SQLite, the django-q2 ORM broker, local-memory cache, console e-mail)."""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from lms.storage import object_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "production" switches on the checks that refuse an unsafe start; anything else is development.
ENVIRONMENT = os.environ.get("ENVIRONMENT", "development").strip().lower()
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when ENVIRONMENT=production.")


def _development_secret_key() -> str:
    """A per-checkout random key kept out of the repository, shared by the web server and the
    job cluster (django-q2 signs queued tasks with it)."""
    key_file = VAR_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            with open(key_file, "x") as fh:
                fh.write(key)
        except FileExistsError:
            return key_file.read_text().strip()
        return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "ENVIRONMENT=production needs SECRET_KEY: a random value of at least 50 characters."
        )
elif not SECRET_KEY:
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ENVIRONMENT=production needs ALLOWED_HOSTS (comma-separated).")
if not PRODUCTION:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "lms",
    "programmes",
    "cohorts",
    "certificates",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.api.v2",
    "rest_framework",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_countries",
    "csp",
    "django_q",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Operability first (docs/deploy.md): request counts and latencies, the request id of every
    # log line, and the health checks and metrics answered before host checks and sessions.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "lms.operations.requestid.RequestIdMiddleware",
    "lms.operations.middleware.OperationsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so cached pages carry the same headers as fresh ones.
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "lms.middleware.RejectNulBytesMiddleware",
    "lms.middleware.JobsUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above sessions, authentication and messages, so a cached anonymous page costs none of them.
    "lms.pages.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: from the address's prefix on public pages, else the reader's choice.
    "lms.languages.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.languages.middleware.LanguageCookieMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.middleware.AdminAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a person who still owes the second factor reaches only its pages.
    "lms.signin.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "lms.operations.middleware.PrometheusAfterMiddleware",
    # Last, so that a login refused for too many failures gets its own answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.contact.contact_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections with health checks: django-q2 closes stale connections on every
    # enqueue and poll, and reconnecting each time costs PostgreSQL most of its task throughput.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on the busy timeout instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
            # django-q2 closes connections it thinks are stale on every enqueue and poll;
            # persistent connections spare SQLite a reopen (and its PRAGMAs) each time.
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "lms.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions live in the database only. Read through the cache they would cost one query less,
# but a cache that is down (or comes back with entries written before it went down) could then
# refuse logins or bring back a session that was logged out meanwhile.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "/"
# The first backend counts failed logins and refuses a locked-out account or client address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Logins: failed-login lockout, second factor, session lengths ---------------------------
# LOGIN_FAILURE_LIMIT failed logins for one account, or LOGIN_FAILURE_LIMIT_PER_ADDRESS from one
# client address (a venue's Wi-Fi is shared, so it allows more), lock further logins for
# LOGIN_LOCKOUT_MINUTES after the last failure; a successful login clears the account's count.
# The client address is the one the certificate look-up limit trusts (TRUSTED_PROXY_COUNT).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_ENABLED = env_bool("AXES_ENABLED", True) or PRODUCTION  # never off in production
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "lms.signin.lockout.LoginLockoutHandler"
AXES_USERNAME_CALLABLE = "lms.signin.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "lms.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "lms.signin.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Sessions: people whose role needs a second factor are logged out after this many seconds
# without a request; everyone else stays logged in for SESSION_COOKIE_AGE (two weeks).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", "7200"))
# Authenticator apps show this name beside the account.
OTP_TOTP_ISSUER = "BSR Academy"

# --- Cache and job queue --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_PREFIX = os.environ.get("CACHE_PREFIX", "bsr")
if REDIS_URL:
    # While Redis is down the cache acts as an empty one (docs/deploy.md, "When Redis is down");
    # the socket timeouts keep a server that stops answering from holding requests.
    CACHES = {
        "default": {
            "BACKEND": "lms.redis_cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bsr-academy",
        }
    }

# Anonymous Wagtail pages are served from the cache above; publishing, unpublishing, moving or
# deleting a page purges them all. The timeout bounds how long time-based listings (upcoming
# activities) can lag.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# With Redis, each process also keeps the generation (learnt from a purge channel) and the pages
# it served last in its own memory, so that a hit asks Redis nothing (lms/near_cache.py).
PAGE_CACHE_NEAR = env_bool("PAGE_CACHE_NEAR", True)

# Places: every path that takes one locks the cohort or activity first; on PostgreSQL a wait
# longer than this becomes a friendly "busy, please retry". Tests switch locking off to prove
# the race it prevents.
COHORTS_PLACE_LOCKING = True
COHORTS_LOCK_TIMEOUT_MS = int(os.environ.get("COHORTS_LOCK_TIMEOUT_MS", "5000"))
# An activity's waitlist offer never runs past the activity's start; with fewer minutes than
# this left, no offer is made (it could not be answered in time).
COHORTS_OFFER_MIN_MINUTES = int(os.environ.get("COHORTS_OFFER_MIN_MINUTES", "60"))

# Public certificate verification: lookups (by code or uploaded PDF) allowed per client and
# window, and the largest PDF accepted for checking. TRUSTED_PROXY_COUNT is how many reverse
# proxies in front of the site append to X-Forwarded-For (0: trust only REMOTE_ADDR).
CERTIFICATES_VERIFY_LIMIT = int(os.environ.get("CERTIFICATES_VERIFY_LIMIT", "30"))
CERTIFICATES_VERIFY_WINDOW = int(os.environ.get("CERTIFICATES_VERIFY_WINDOW", "600"))
CERTIFICATES_UPLOAD_MAX_BYTES = int(os.environ.get("CERTIFICATES_UPLOAD_MAX_BYTES", "5242880"))
# Request bodies: form fields held in memory at most (a larger form is refused with a 400), and
# the size above which an uploaded file goes to a temporary file instead of memory. Bodies
# larger than an upload form accepts are refused from their Content-Length before being read.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", "2621440"))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", "2621440"))
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Certificate work (a render, a bulk issue) that has not moved on for this long has lost its job
# (a broker can lose a task, a killed worker drops what it held): the sweeper, which runs every
# minute, queues it again, and staff pages say it has stalled. A bulk issue renders this many
# certificates per job. A render that fails is tried again with back-off, at most this many
# times; then the certificate needs attention and staff may try again by hand.
CERTIFICATES_SWEEP_AFTER_SECONDS = int(os.environ.get("CERTIFICATES_SWEEP_AFTER_SECONDS", "60"))
CERTIFICATES_BULK_CHUNK = int(os.environ.get("CERTIFICATES_BULK_CHUNK", "20"))
CERTIFICATES_RENDER_MAX_ATTEMPTS = int(os.environ.get("CERTIFICATES_RENDER_MAX_ATTEMPTS", "8"))

# E-mails a visitor can make the site send (sign-up, password reset): at most this many per
# e-mail address and per client address in the window (seconds); more requests get the same
# answer on the page but no e-mail.
EMAIL_LIMIT_PER_ADDRESS = int(os.environ.get("EMAIL_LIMIT_PER_ADDRESS", "3"))
EMAIL_LIMIT_PER_CLIENT = int(os.environ.get("EMAIL_LIMIT_PER_CLIENT", "5"))
EMAIL_LIMIT_WINDOW = int(os.environ.get("EMAIL_LIMIT_WINDOW", "3600"))

# Minutes the stored copy of a sent e-mail keeps its links with tokens (password reset, sign-up,
# consent, offers, nominations, surveys) and attached files; a job then removes them.
EMAIL_REDACT_AFTER_MINUTES = int(os.environ.get("EMAIL_REDACT_AFTER_MINUTES", "60"))

# Personal data: days a "download my data" archive stays available before it is deleted, and
# days after an activity (or cohort) ends before its dietary and medical notes are deleted.
DATA_EXPORT_DAYS = int(os.environ.get("DATA_EXPORT_DAYS", "7"))
CARE_NOTES_RETENTION_DAYS = int(os.environ.get("CARE_NOTES_RETENTION_DAYS", "30"))
# Who people write to when no programme is concerned (error pages, rate limits) or a programme
# has no contact address of its own.
CONTACT_NAME = os.environ.get("CONTACT_NAME", "BSR Academy secretariat")
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "secretariat@bsr-academy.local")

# Check-in (door) staff's rights to an activity end this many days after its last day.
CHECKIN_STAFF_ACCESS_DAYS = int(os.environ.get("CHECKIN_STAFF_ACCESS_DAYS", "2"))

# Guardian consent: how long a link to give or refuse consent works (days), how long the
# withdrawal link in the confirmation e-mail works, days between reminders to a guardian who has
# not answered, and how many reminders at most.
CONSENT_LINK_DAYS = int(os.environ.get("CONSENT_LINK_DAYS", "14"))
CONSENT_WITHDRAW_LINK_DAYS = int(os.environ.get("CONSENT_WITHDRAW_LINK_DAYS", "365"))
CONSENT_REMINDER_DAYS = int(os.environ.get("CONSENT_REMINDER_DAYS", "3"))
CONSENT_REMINDERS_MAX = int(os.environ.get("CONSENT_REMINDERS_MAX", "2"))

# Days a nominee's invitation link works (never past the nomination deadline), and days a group
# leader's invitation to a co-leader works.
NOMINATION_LINK_DAYS = int(os.environ.get("NOMINATION_LINK_DAYS", "14"))
GROUP_LEADER_INVITATION_DAYS = int(os.environ.get("GROUP_LEADER_INVITATION_DAYS", "7"))

# timeout < retry: the ORM broker hands a task to another worker once `retry` seconds pass
# without an acknowledgement, so a task still running then would run twice.
Q_TIMEOUT = int(os.environ.get("Q_TIMEOUT", "600"))
Q_RETRY = int(os.environ.get("Q_RETRY", str(Q_TIMEOUT + 60)))
if Q_RETRY <= Q_TIMEOUT:
    raise ImproperlyConfigured("Q_RETRY must be greater than Q_TIMEOUT, or tasks may run twice.")
Q_CLUSTER = {
    "name": os.environ.get("Q_NAME", "bsr-academy"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "poll": float(os.environ.get("Q_POLL", "0.1")),
    "label": "Background jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- E-mail ---------------------------------------------------------------------------------
# Development keeps each e-mail as an .eml file under var/mail/ (read them on the development
# inbox page, Settings → Development inbox) and prints one line per e-mail; production sends
# by SMTP unless told otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "lms.mail.mailbox.DevelopmentMailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "BSR Academy <noreply@bsr-academy.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is alerted when background work keeps failing (comma-separated addresses); when empty,
# the active superusers are.
ADMINS = [(a.strip(), a.strip()) for a in os.environ.get("ADMINS", "").split(",") if a.strip()]

# --- Internationalisation -------------------------------------------------------------------
# English and the member states' languages, plus Ukrainian (docs/translations.md). Names in their
# own language, as a reader looks for them in the language switcher.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("da", "Dansk"),
    ("de", "Deutsch"),
    ("et", "Eesti"),
    ("is", "Íslenska"),
    ("lv", "Latviešu"),
    ("lt", "Lietuvių"),
    ("nb", "Norsk bokmål"),
    ("pl", "Polski"),
    ("fi", "Suomi"),
    ("sv", "Svenska"),
    ("uk", "Українська"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Page content in every language (wagtail-localize): editors translate an English page in the
# admin or through PO files; readers see the English page's address under their language with
# the translated texts, or the English texts with a note (lms/languages/content.py).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# British English dates for "en" (Django's own "en" formats are American).
FORMAT_MODULE_PATH = ["lms.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True
# The EU is a member of the Council of the Baltic Sea States: staff of its institutions take part
# under "European Union" (ISO 3166 reserves the code EU; django-countries leaves it out).
COUNTRIES_OVERRIDE = {"EU": "European Union"}

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files only their owner and staff may fetch (certificate PDFs, data exports): never under
# MEDIA_URL, served by views that check permissions.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))
STORAGES = {
    # Written to a temporary name and moved into place when complete.
    "default": {"BACKEND": "lms.storage.AtomicFileSystemStorage"},
    "private": {"BACKEND": "lms.storage.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Media and private files in an S3-compatible bucket instead of the local disk, e.g.
# s3://KEY:SECRET@127.0.0.1:9000/bsr?region=eu-north-1&secure=0 (docs/deploy.md).
STORAGE_URL = os.environ.get("STORAGE_URL", "")
STORAGES.update(object_storages(STORAGE_URL, os.environ))
# Outside production, serve static files straight from the apps: no collectstatic step needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "BSR Academy"
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if IS_POSTGRES:
    # Created by a migration (programmes 0007): English stemming with diacritics folded, so
    # "Berzins" finds "Bērziņš" as SQLite's tokenizer does.
    WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = "bsr_search"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_PASSWORD_RESET_ENABLED = True
# The admin's "forgotten password" goes through the outbox and its hourly limit too.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "lms.accounts.forms.OutboxPasswordResetForm"  # noqa: S105
WAGTAILADMIN_LOGIN_URL = "login"
# Staff avatars: Wagtail's initials/default icon, never a third-party avatar service (which
# would receive a hash of every staff e-mail address).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The dashboard would ask releases.wagtail.org for the latest version from every editor's
# browser: no third-party request from any page.
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Passkeys (WebAuthn) are bound to the site's host name (not an IP address: use localhost in
# development) and accepted only from its own address; they are a second factor, never a way
# to log in without the password.
# Browsers allow passkeys only over HTTPS or on localhost: on a plain-HTTP address by number
# (`make run`'s 127.0.0.1), passkeys work at http://localhost:<port> instead.
_BASE = urlsplit(BASE_URL)
if _BASE.scheme == "https" or _BASE.hostname == "localhost":
    _ORIGIN, _RP_ID = f"{_BASE.scheme}://{_BASE.netloc}", _BASE.hostname
else:
    _ORIGIN, _RP_ID = f"http://localhost:{_BASE.port or 80}", "localhost"
OTP_WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "") or _RP_ID
OTP_WEBAUTHN_RP_NAME = WAGTAIL_SITE_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("WEBAUTHN_ORIGINS", _ORIGIN)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# --- Security -------------------------------------------------------------------------------
# Where vulnerabilities are reported (published at /.well-known/security.txt; docs/security.md).
SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "security@bsr-academy.local")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4). The site runs no inline script and no inline style:
# every script and stylesheet is a static file of this site. Video embeds may come from the
# providers below. The check-in desk adds 'wasm-unsafe-eval' for its barcode reader
# (cohorts.attendance.views). The Wagtail admin gets its own, looser policy (its date widgets
# and inline panels carry inline scripts): lms.middleware.ContentSecurityPolicyMiddleware.
EMBED_FRAME_SOURCES = [
    "https://www.youtube-nocookie.com",
    "https://www.youtube.com",
    "https://player.vimeo.com",
]
_CSP_COMMON = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF],
    "frame-src": [SELF, *EMBED_FRAME_SOURCES],
    "worker-src": [SELF],
    "manifest-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_COMMON}
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        # Previews of pages and documents are framed by the editor itself.
        "frame-ancestors": [SELF],
    }
}
# Permissions-Policy (django-permissions-policy): powerful features off everywhere; the
# check-in desk alone turns the camera on for itself. Passkeys (publickey-credentials-*) keep
# the browser's default, this site only.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "fullscreen": ["self", *EMBED_FRAME_SOURCES],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Trust X-Forwarded-Proto only when a TLS-terminating proxy in front of the site sets it (and
# strips what clients send): anywhere else a client could claim HTTPS with it.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Operability: logs, metrics (docs/deploy.md) ------------------------------------------------
# LOG_FORMAT=json writes one JSON object per line (for a log collector); every line carries the
# request id of the request, or of the request that queued the job, as `request_id`.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOG_FORMATTERS = {
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}
if LOG_FORMAT not in LOG_FORMATTERS:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lms.operations.requestid.RequestIdFilter"}},
    # A copy: dictConfig consumes the dictionary it is given.
    "formatters": {"console": dict(LOG_FORMATTERS[LOG_FORMAT])},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "console",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "lms": {"level": os.environ.get("LOG_LEVEL", "INFO")},
        "django_q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")},
    },
}
# /metrics answers scrapers from these networks (comma-separated, CIDR), or any client sending
# "Authorization: Bearer METRICS_TOKEN"; everyone else gets 404.
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network, strict=False)
    for network in env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
]
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
