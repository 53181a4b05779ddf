"""No URL of the site returns a 500 for any input: every URL pattern, Wagtail's admin and the
page-serving catch-all included, is requested with junk path values, junk query strings and junk
form posts, as an anonymous visitor, a logged-in participant and a logged-in superuser."""

import io
import logging
import os
import re
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlencode

import pytest
import wagtail
from django.conf import settings
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.encoding import repercent_broken_unicode
from django.utils.regex_helper import normalize

from tests.factories import UserFactory

# Values put into the variable parts of a URL, written as they appear in the URL (so "%00" is a
# NUL byte and "%ff" a byte that is not UTF-8). Each is used only where the pattern's regex
# accepts it, so "../.." lands in path converters and regex groups, never in an int converter.
JUNK = [
    "%00",
    "'\"<script>",
    "../..",
    "99999999999999999999999",  # beyond 64 bits: no database integer holds it
    "Žydrūnas",
    "x" * 3000,
    "%ff",
    "0",
    "-1",
]
# Regex groups that take whole path segments (the page-serving catch-all) need the slash.
JUNK_VALUES = [*JUNK, *(value + "/" for value in JUNK)]
# How many URLs one pattern may produce; the first is the one with the most ordinary value.
MAX_VARIANTS = 8
# Real demo pages with junk below them, for the page-serving catch-all.
EXTRA_URLS = ["/programmes/", "/programmes/Žydrūnas/", "/programmes/%00/", "/programmes/-1/"]

JUNK_QUERIES = [
    "?"
    + urlencode(
        {
            "page": "-1",
            "p": "-1",
            "q": "\x00",
            "status": "<x>",
            "ordering": "'\"<script>",
            "name": "x" * 5000,
        }
    ),
    "?next=//evil.example&page=99999999999999999999999&p=x&id=x&q=Žydrūnas%ff",
]

JUNK_FORM = {
    "email": "'\"<script>@\x00",
    "password": "\x00",
    "password1": "x",
    "password2": "y",
    "full_name": "Žydrūnas" * 100,
    "country": "ZZ",
    "preferred_language": "xx",
    "date_of_birth": "0000-00-00",
    "sector": "<x>",
    "title": "\x00",
    "slug": "../..",
    "name": "x" * 5000,
    "q": "%ff",
    "next": "//evil.example",
    "id": ["x", "-1"],
    "pk": "99999999999999999999999",
    "position": "x",
    "action": "'\"<script>",
    "new_password1": "x",
    "new_password2": "x",
}

# Users for whom a pattern is not requested, with the reason. Nothing else is skipped.
SKIPPED = {
    # Wagtail's deliberate crash page for testing error reporting (it raises for anyone allowed
    # into the admin). The superuser test requests it once at the end, as a check that the
    # collector does see 500s.
    "admin/failwhale/": {"superuser"},
}

# URLs that match no pattern at all: the 404 handler and Wagtail's redirect middleware see them.
NO_MATCH_URLS = ["/%00", "/%ff/x", "/Žydrūnas", "/admin", "/../../etc/passwd", "/" + "x" * 3000]

# 500s inside Wagtail 8.0.1 itself, reached only by a logged-in editor sending requests that the
# admin's own pages never send. They cannot be fixed in this project's code; each is listed with
# the exception, Wagtail's file and why, so that any other 500 still fails the test, each listed
# one is shown as a warning, and the list shrinks when Wagtail fixes them (a listed 500 that no
# longer happens fails the test too).
KNOWN_WAGTAIL_500S = {
    **{
        ("GET", f"admin/api/main/{kind}/find/"): (
            "ValueError",
            "wagtail/api/v2/views.py",
            "?id=x goes unchecked into queryset.get(id=...)",
        )
        for kind in ("pages", "documents", "images")
    },
    **{
        ("GET", f"admin/{kind}/chooser/chosen/<str:pk>/"): (
            "ValueError",
            "wagtail/admin/views/generic/chooser.py",
            "a non-numeric pk goes unchecked into objects.get(pk=...)",
        )
        for kind in ("documents", "images")
    },
    ("GET", "admin/choose-page/chosen-multiple/"): (
        "ValueError",
        "wagtail/admin/views/chooser.py",
        "?id=x goes unchecked into filter(pk__in=...)",
    ),
    ("GET", "admin/documents/chooser/chosen-multiple/"): (
        "ValueError",
        "wagtail/documents/views/chooser.py",
        "?id=x goes unchecked into filter(pk__in=...)",
    ),
    ("GET", "admin/images/chooser/chosen-multiple/"): (
        "ValueError",
        "wagtail/images/views/chooser.py",
        "?id=x goes unchecked into filter(pk__in=...)",
    ),
    ("POST", "admin/pages/<int:page_to_move_id>/set_position/"): (
        "AttributeError",
        "wagtail/admin/views/pages/ordering.py",
        "the root page (id 1) has no parent to reorder in",
    ),
    ("POST", "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/"): (
        "AttributeError",
        "wagtail/admin/views/pages/move.py",
        "with localisation on, moving the root page (id 1) asks its parent, which does not exist",
    ),
    ("POST", "admin/localize/translate/<int:translation_id>/pofile/upload/"): (
        "MultiValueDictKeyError",
        "wagtail_localize/views/edit_translation.py",
        "wagtail-localize reads the uploaded PO file without checking that one was sent",
    ),
    ("POST", "admin/pages/<int:page_id>/lock/"): (
        "AttributeError",
        "wagtail/admin/views/pages/lock.py",
        "locking the root page (id 1) redirects to its parent, which does not exist",
    ),
    ("POST", "admin/pages/<int:page_id>/unlock/"): (
        "AttributeError",
        "wagtail/admin/views/pages/lock.py",
        "unlocking the root page (id 1) redirects to its parent, which does not exist",
    ),
    **{
        (method, "admin/pages/<int:page_id>/revisions/<int:revision_id>/revert/"): (
            "AttributeError",
            "wagtail/admin/views/pages/revisions.py",
            "a revision id that does not exist gives None instead of a 404",
        )
        for method in ("GET", "POST")
    },
    ("POST", "admin/choose-external-link/"): (
        "AttributeError",
        "wagtail/admin/forms/choosers.py",
        "a post without a url field reaches the validator as None",
    ),
    ("POST", "admin/redirects/import/process/"): (
        "KeyError",
        "wagtail/contrib/redirects/forms.py",
        "a post without the signed import fields fails in clean() instead of validating",
    ),
}
CATCH_ALL = r"^((?:[\w\-]+/)*)$"  # Wagtail's page-serving view


@dataclass(frozen=True)
class Leaf:
    route: str  # the full route as Django reports it in ResolverMatch.route
    chain: tuple  # the URLResolver / URLPattern objects from the root to the view


def join_route(route1: str, route2: str) -> str:
    # The same joining as django.urls.resolvers.URLResolver._join_route.
    return route1 + route2.removeprefix("^") if route1 else route2


def url_leaves(patterns=None, prefix: str = "", chain: tuple = ()) -> list[Leaf]:
    """Every view-level URL pattern of the project, following includes and namespaces."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    leaves = []
    for pattern in patterns:
        route = join_route(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            leaves += url_leaves(pattern.url_patterns, route, (*chain, pattern))
        else:
            assert isinstance(pattern, URLPattern)
            leaves.append(Leaf(route, (*chain, pattern)))
    return leaves


def decoded(url_part: str) -> str:
    """What Django sees in request.path_info for this piece of URL."""
    return repercent_broken_unicode(unquote_to_bytes(url_part)).decode()


def segment_fills(pattern) -> list[str]:
    """URL pieces that this one pattern accepts whole: an ordinary one first, then junk, taking
    turns between the pattern's groups so that each group gets its share of the junk."""
    regex = pattern.pattern.regex
    endpoint = isinstance(pattern, URLPattern)

    def accepts(text: str) -> bool:
        path = decoded(text)
        match = regex.search(path)
        # An include() only has to match the start; the rest is for the patterns inside it.
        return bool(match) and (endpoint or match.end() == len(path))

    fills = []
    for fmt, params in normalize(regex.pattern):
        if not params:
            fills += [fmt] if accepts(fmt) else []
            # A group-less regex may still take anything (Wagtail admin's r"^.*/$").
            fills += [value for value in JUNK_VALUES if accepts(fmt + value)]
            continue
        baseline = next(
            (v for v in ["1", "x", "", *JUNK_VALUES] if accepts(fmt % dict.fromkeys(params, v))),
            None,
        )
        if baseline is None:
            continue
        fills.append(fmt % dict.fromkeys(params, baseline))
        base = dict.fromkeys(params, baseline)
        accepted = {
            param: [v for v in JUNK_VALUES if accepts(fmt % {**base, param: v})] for param in params
        }
        for turn in range(len(JUNK_VALUES)):
            for param, values in accepted.items():
                if turn < len(values):
                    fills.append(fmt % {**base, param: values[turn]})
    return list(dict.fromkeys(fills))


def leaf_urls(leaf: Leaf) -> list[str]:
    """Concrete URLs that resolve to this leaf, one junk value at a time, capped."""
    per_segment = [segment_fills(pattern) for pattern in leaf.chain]
    if not all(per_segment):
        return []
    baseline = [fills[0] for fills in per_segment]
    urls = ["/" + "".join(baseline)]
    for turn in range(max(len(fills) for fills in per_segment)):
        for index, fills in enumerate(per_segment):
            if 0 < turn < len(fills):
                urls.append("/" + "".join([*baseline[:index], fills[turn], *baseline[index + 1 :]]))
    if leaf.route == CATCH_ALL:
        urls += EXTRA_URLS
    # Keep only URLs that really reach this pattern (an earlier pattern may shadow a value).
    reaching = []
    for url in dict.fromkeys(urls):
        try:
            match = resolve(decoded(url))
        except Resolver404:
            continue
        if match.route == leaf.route:
            reaching.append(url)
    return reaching[: MAX_VARIANTS + (len(EXTRA_URLS) if leaf.route == CATCH_ALL else 0)]


WAGTAIL_CODE = str(Path(wagtail.__file__).parent)


def is_suspect(filename: str) -> bool:
    """Code of this project or of Wagtail, the usual places for a 500 to start."""
    ours = filename.startswith(str(settings.BASE_DIR)) and "site-packages" not in filename
    return ours or filename.startswith(WAGTAIL_CODE)


# Listed 500s that need an object whose id the walker guesses ("1"): SQLite's test databases
# start ids at 1 again, PostgreSQL's sequences do not, so these are reached on SQLite only.
REACHED_ONLY_WITH_ID_1 = {
    ("POST", "admin/localize/translate/<int:translation_id>/pofile/upload/"),
}


def allowed_500s(who: str) -> dict:
    """The listed Wagtail bugs are all in the admin, which only the superuser gets into."""
    # (NUL bytes, which PostgreSQL refuses in text, are turned away by a middleware first.)
    if who != "superuser":
        return {}
    return KNOWN_WAGTAIL_500S


@dataclass
class Failure:
    method: str
    url: str
    status: int
    route: str | None = None
    errors: list = field(default_factory=list)  # (exception name, file, summary, traceback)

    def __str__(self) -> str:
        summary = "; ".join(error[2] for error in self.errors) or "no exception recorded"
        return f"{self.method} {self.url[:150]} -> {self.status}: {summary}"

    def known(self, allowed: dict) -> str | None:
        """Why this 500 is a listed Wagtail bug, or None."""
        entry = allowed.get((self.method, self.route))
        if entry and self.errors and all(error[:2] == entry[:2] for error in self.errors):
            return entry[2]
        return None


@pytest.fixture
def exceptions():
    """Every exception a view raised while the test ran, read from got_request_exception."""
    seen = []

    def record(sender, request=None, **kwargs):
        error_type, error, tb = sys.exc_info()
        frames = traceback.extract_tb(tb)
        # The deepest frame of ours or of Wagtail says whose code failed; else the deepest frame
        # outside Django (a database driver, say).
        culprit = next(
            (f for f in reversed(frames) if is_suspect(f.filename)),
            next(
                (f for f in reversed(frames) if f"{os.sep}django{os.sep}" not in f.filename),
                frames[-1] if frames else None,
            ),
        )
        where = culprit.filename if culprit else "?"
        where = where.split("site-packages/")[-1].removeprefix(f"{settings.BASE_DIR}/")
        line = culprit.lineno if culprit else 0
        name = error_type.__name__ if error_type else "?"
        summary = f"{name}: {str(error)[:120]} [{where}:{line}]"
        seen.append((name, where, summary, traceback.format_exc()))

    got_request_exception.connect(record, dispatch_uid="test_urls_junk")
    yield seen
    got_request_exception.disconnect(dispatch_uid="test_urls_junk")


@pytest.fixture
def quiet_request_logs():
    # Thousands of 404s and 400s would each log a line; the test reports what matters itself.
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_walker_reaches_every_kind_of_url():
    leaves = url_leaves()
    routes = {leaf.route for leaf in leaves}
    unreachable = [leaf.route for leaf in leaves if not leaf_urls(leaf)]

    assert len(leaves) >= 150, "Wagtail's admin alone has well over a hundred URL patterns"
    assert {"account/signup/", "account/login/", "account/reset/<uidb64>/<token>/"} <= routes
    assert {"admin/", "admin/pages/<int:page_id>/edit/", "admin/.*/$"} <= routes
    assert CATCH_ALL in routes, "the Wagtail page-serving catch-all"
    assert unreachable == [], "every pattern gets at least one concrete URL"
    edit = next(leaf for leaf in leaves if leaf.route == "admin/pages/<int:page_id>/edit/")
    assert leaf_urls(edit) == [
        "/admin/pages/1/edit/",
        "/admin/pages/99999999999999999999999/edit/",
        "/admin/pages/0/edit/",
    ]
    reset = next(leaf for leaf in leaves if leaf.route == "account/reset/<uidb64>/<token>/")
    assert {"/account/reset/1/%00/", "/account/reset/Žydrūnas/1/"} <= set(leaf_urls(reset))
    media = next(leaf for leaf in leaves if leaf.route == "media/<path:path>")
    assert {"/media/../..", "/media/%ff", "/media/" + "x" * 3000} <= set(leaf_urls(media))


class JunkWalk:
    """Requests every URL as one user and keeps what answered 500."""

    def __init__(self, user, exceptions):
        self.user = user
        self.exceptions = exceptions
        self.client = Client(raise_request_exception=False)
        # The default test client skips CSRF checks; this one enforces them like a browser.
        self.csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        for client in (self.client, self.csrf_client):
            self.log_in(client)
        self.requests = 0
        self.routes = set()
        self.failures: list[Failure] = []

    def log_in(self, client):
        if self.user is not None:
            client.force_login(self.user)

    def request(self, method, url, csrf=False, **extra):
        client = self.csrf_client if csrf else self.client
        before = len(self.exceptions)
        response = getattr(client, method.lower())(url, **extra)
        self.requests += 1
        if response.status_code >= 500:
            try:
                route = response.resolver_match.route
            except Resolver404:
                route = None
            failure = Failure(method, url, response.status_code, route, self.exceptions[before:])
            self.failures.append(failure)
        # Messages nobody reads (e.g. "no permission" on every admin URL) would pile up in the
        # cookie and make every later request slower.
        client.cookies.pop("messages", None)
        if self.user is not None:
            session = client.session
            if session.pop("_messages", None) is not None:
                session.save()
            # A junk post to a log-out URL ends the session: log in again for the next request.
            if session.get("_auth_user_id") != str(self.user.pk):
                self.log_in(client)
        return response

    def walk(self, skip: str):
        for leaf in url_leaves():
            if leaf.route in SKIPPED and skip in SKIPPED[leaf.route]:
                continue
            self.routes.add(leaf.route)
            for number, url in enumerate(leaf_urls(leaf)):
                self.request("GET", url)
                self.request("POST", url, data=JUNK_FORM)
                if number > 0:
                    continue
                self.request("POST", url, csrf=True, data=JUNK_FORM)
                if not re.search(r"[<(]", leaf.route):
                    for query in JUNK_QUERIES:
                        self.request("GET", url + query)
        for url in NO_MATCH_URLS:
            self.request("GET", url)
            self.request("POST", url, data=JUNK_FORM)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "participant", "superuser"])
def test_no_url_returns_500_for_junk(who, exceptions, quiet_request_logs):
    call_command("load_demo", stdout=io.StringIO())
    user = {
        "anonymous": lambda: None,
        "participant": lambda: UserFactory(),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    }[who]()
    walk = JunkWalk(user, exceptions)

    walk.walk(skip=who)

    # The walk reached a working site: the demo pages are served, and the walker went
    # through the account pages, the admin and the page-serving catch-all.
    assert walk.client.get("/").status_code == 200
    assert walk.client.get("/programmes/").status_code == 200
    assert {"account/login/", "account/reset/<uidb64>/<token>/", "admin/pages/"} <= walk.routes
    assert CATCH_ALL in walk.routes
    assert walk.requests > 1000
    if who == "superuser":
        # Self-check of the collector: Wagtail's deliberate crash page is seen as a 500.
        crash = walk.request("GET", "/admin/failwhale/")
        assert crash.status_code == 500
        seen = str(walk.failures.pop())
        assert seen.startswith("GET /admin/failwhale/ -> 500: Exception: This is a test")
        assert "[wagtail/admin/views/home.py:" in seen, "the culprit is named"

    allowed = allowed_500s(who)
    unexpected = [f for f in walk.failures if not f.known(allowed)]
    known: dict[tuple, list[Failure]] = {}
    for failure in walk.failures:
        if failure.known(allowed):
            known.setdefault((failure.method, failure.route), []).append(failure)
    for (method, route), failures in known.items():
        warnings.warn(
            f"known Wagtail 500 ({failures[0].known(allowed)}): {method} {route}, "
            f"{len(failures)} URL(s), e.g. {failures[0]}",
            stacklevel=1,
        )
    assert not unexpected, (
        f"{len(unexpected)} of {walk.requests} requests as {who} answered 500:\n"
        + "\n".join(map(str, unexpected))
        + "\n\nFirst traceback:\n"
        + next((f.errors[0][3] for f in unexpected if f.errors), "none")
    )
    gone = set(allowed) - set(known) - REACHED_ONLY_WITH_ID_1
    assert not gone, f"listed Wagtail 500s no longer happen, remove them from the list: {gone}"
