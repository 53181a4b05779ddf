"""Browser harness: one headless Chromium per session, a fresh context per test, an axe-core
check (WCAG 2.1 A/AA) of every page a test loads, and, for every page: no Content-Security-Policy
violation and no request to any host but the test server."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import chromium_path

# Without the background-networking flags Chromium dials out at start-up, and on a closed
# network those connections are refused and slow every launch down.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright():
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Between calls, Playwright's sync API marks its asyncio loop as running in the test's
    # thread. Django then refuses the test's own queries (load_demo, reading the outbox) unless
    # told they are safe, and -- worse -- hands out a second, context-local connection that
    # lacks the serialized copy of the migrated data, so the next test's rollback would restore
    # nothing. Pin the thread's existing connections so there is still only one per thread.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as instance:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        yield instance
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="session")
def browser(playwright):
    # `playwright install` cannot download browsers here: always drive the system Chromium.
    instance = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core as shipped by axe-playwright-python; injected into every document up front."""
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


@dataclass
class _Load:
    url: str
    checked: bool = False


@dataclass
class _Tracker:
    """Every document a page loads, and whether axe has checked it yet."""

    loads: list[_Load] = field(default_factory=list)


_trackers: dict[int, _Tracker] = {}

# Reports every Content-Security-Policy violation to the console, in words the harness finds
# (Chromium's own "Refused to ..." messages name the policy too).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline code") + " in " + event.sourceFile + ":" + event.lineNumber);
});
"""


def _is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@dataclass
class _Watch:
    """What every page of one test did that it must not: CSP violations, third-party requests."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def console(self, message) -> None:
        if _is_csp_message(message.text):
            self.problems.append(f"{message.text} (on {message.page.url if message.page else '?'})")

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and (
            f"{parts.scheme}://{parts.netloc}" != self.origin
        ):
            self.problems.append(f"third-party request: {request.method} {request.url}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets page teardown know whether the test body failed.
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
            f"{violation['help']}"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
        lines.append(f"    see {violation['helpUrl']}")
    return "\n".join(lines)


@pytest.fixture
def check_accessibility():
    """check_accessibility(page): run axe on the current document, fail on any violation."""

    def check(page, *, exclude: tuple[str, ...] = ()) -> None:
        # `exclude`: CSS selectors of markup that is not this project's (e.g. Wagtail's own
        # rich-text editor), left out of the check.
        page.wait_for_load_state("load")
        # Colours are checked as they end up, not half way through a fade-in (the admin's
        # messages animate in, and a loaded machine can catch one mid-way).
        page.evaluate(
            """() => Promise.race([
                Promise.all(document.getAnimations()
                    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
                    .map(a => a.finished.catch(() => null))),
                new Promise(resolve => setTimeout(resolve, 3000)),
            ])"""
        )
        results = page.evaluate(
            "([context, options]) => axe.run(context, options)",
            [
                {"exclude": [[selector] for selector in exclude]}
                if exclude
                else {"include": [["html"]]},
                {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
            ],
        )
        tracker = _trackers.get(id(page))
        if tracker and tracker.loads:
            tracker.loads[-1].checked = True
        violations = results["violations"]
        if violations:
            pytest.fail(_format_violations(page.url, violations), pytrace=False)

    return check


def watch_context(context, origin: str) -> _Watch:
    """Record CSP violations and third-party requests of every page in `context`."""
    watch = _Watch(origin=origin.rstrip("/"))
    context.add_init_script(script=REPORT_CSP_VIOLATIONS)
    context.on("console", watch.console)
    context.on("request", watch.request)
    return watch


@pytest.fixture
def new_page(request, browser, live_server, axe_script, tmp_path):
    """new_page(**context_options): a page in a fresh context whose relative URLs go to the live
    server. At teardown every document it loaded must have been checked by axe; when the test
    failed, a screenshot of each page is saved instead."""
    contexts = []
    watches = []

    def make(**options):
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", **{**DESKTOP, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(path=axe_script)
        watches.append(watch_context(context, live_server.url))
        contexts.append(context)
        page = context.new_page()
        tracker = _trackers[id(page)] = _Tracker()
        page.on("load", lambda loaded: tracker.loads.append(_Load(loaded.url)))
        return page

    yield make
    failed = getattr(request.node, "browser_test_failed", True)
    unchecked = []
    for number, context in enumerate(contexts):
        for page in context.pages:
            tracker = _trackers.pop(id(page), None)
            if tracker:
                unchecked += [load.url for load in tracker.loads if not load.checked]
            if failed:
                path = tmp_path / f"page-{number}.png"
                page.screenshot(path=path, full_page=True)
                print(f"Screenshot of {page.url} at failure: {path}")
        context.close()
    problems = [problem for watch in watches for problem in watch.problems]
    if problems and not failed:
        pytest.fail(
            "Pages broke the Content-Security-Policy or asked another host:\n"
            + "\n".join(dict.fromkeys(problems)),
            pytrace=False,
        )
    if unchecked and not failed:
        pytest.fail(
            "Pages loaded without an accessibility check (navigate with visit() or follow()): "
            + ", ".join(unchecked),
            pytrace=False,
        )


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280x800) in a fresh browser context."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone-sized page (390x844, touch) in a fresh browser context."""
    return new_page(**PHONE)


@pytest.fixture
def visit(check_accessibility):
    """visit(page, url): open url (relative to the live server), expect no HTTP error, run axe."""

    def go(page, url: str):
        response = page.goto(url)
        assert response is not None and response.ok, (
            f"GET {url}: HTTP {response and response.status}"
        )
        check_accessibility(page)
        return response

    return go


@pytest.fixture
def follow(check_accessibility):
    """follow(page, locator): click (or tap) something that loads a new document — a link or a
    submit button — wait for it, expect no HTTP error, run axe."""

    def go(page, locator, *, tap: bool = False):
        with page.expect_navigation() as navigation:
            if tap:
                locator.tap()
            else:
                locator.click()
        response = navigation.value
        assert response is None or response.ok, f"{response.url}: HTTP {response.status}"
        check_accessibility(page)
        return response

    return go


def second_step(page, follow, *, email: str, tap: bool = False) -> None:
    """After the password: enter the second factor the way its owner would. Someone with an
    authenticator app types the code it shows (computed here from the device's key); staff
    without one enrol it on the set-up page from the key printed there, then pass the
    recovery codes. A participant without a device has nothing to do."""
    from urllib.parse import urlsplit

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.lms.signin_steps import code_now, device_code

    path = urlsplit(page.url).path
    if path == "/account/two-factor/setup/":
        secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
        import base64

        page.get_by_label("Code from the app").fill(code_now(base64.b32decode(secret).hex()))
        follow(page, page.get_by_role("button", name="Turn on two-step login"), tap=tap)
        follow(page, page.get_by_role("link", name="I have saved them: continue"), tap=tap)
    elif path == "/account/two-factor/":
        device = TOTPDevice.objects.filter(user__email__iexact=email, confirmed=True).first()
        page.get_by_label("Code", exact=True).fill(device_code(device))
        follow(page, page.get_by_role("button", name="Continue"), tap=tap)


def log_in(page, visit, follow, *, email: str, next_url: str = "", tap: bool = False) -> None:
    """The login form, then the second step when the account needs one."""
    visit(page, f"/account/login/?next={next_url}" if next_url else "/account/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"), tap=tap)
    second_step(page, follow, email=email, tap=tap)
