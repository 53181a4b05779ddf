"""The page cache's near tier on a real Redis: a repeat visit is served from the process's own
memory without asking Redis, a purge announced by another node retires the page at once, and a
purge whose announcement was lost retires it within about a second."""

import time

import pytest
import redis

from lms import near_cache as near
from lms.models import HomePage
from lms.pages import cache as page_cache
from tests.programmes.conftest import ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.redis_server import on_redis, redis_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(on_redis):  # noqa: F811
    index = ProgrammeIndexPageFactory(parent=HomePage.objects.get())
    return ProgrammePageFactory(parent=index, title="Baltic Excellence Programme")


def commands(server) -> int:
    client = redis.Redis(port=server.port)
    try:
        return sum(stat["calls"] for stat in client.info("commandstats").values())
    finally:
        client.close()


def settled(client, path: str) -> str:
    """Visit until the process has learnt the generation from Redis (its thread subscribes and
    reads it within moments of the first visit); returns the last X-Page-Cache."""
    deadline = time.monotonic() + 5
    while True:
        state = client.get(path)["X-Page-Cache"]
        watch = near._mine()["watch"]
        if watch is not None and watch.current():
            return state
        assert time.monotonic() < deadline, "the purge channel was never joined"
        time.sleep(0.05)


def test_a_repeat_visit_asks_redis_nothing(client, page, on_redis):  # noqa: F811
    path = page.url
    settled(client, path)
    assert client.get(path)["X-Page-Cache"] == "hit"

    before = commands(on_redis)
    answers = [client.get(path) for _ in range(40)]
    asked = commands(on_redis) - before

    assert {a["X-Page-Cache"] for a in answers} == {"hit"}
    assert all("Baltic Excellence Programme" in a.content.decode() for a in answers)
    # Only the watch's own once-a-second reading, never one per visit.
    assert asked < 10, asked


def announce_elsewhere(server, *, publish: bool) -> None:
    """What a purge on another node does: raise the generation in Redis, and say so."""
    cache = page_cache._cache()
    client = redis.Redis(port=server.port)
    try:
        value = client.incr(cache.make_and_validate_key(page_cache.GENERATION_KEY))
        if publish:
            client.publish(near.channel(), value)
    finally:
        client.close()


def test_a_purge_announced_by_another_node_retires_the_page_at_once(client, page, on_redis):  # noqa: F811
    path = page.url
    settled(client, path)
    assert client.get(path)["X-Page-Cache"] == "hit"

    announce_elsewhere(on_redis, publish=True)
    time.sleep(0.1)  # the message on its way, as between two requests

    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"


def test_a_lost_announcement_retires_the_page_within_about_a_second(client, page, on_redis):  # noqa: F811
    path = page.url
    settled(client, path)
    assert client.get(path)["X-Page-Cache"] == "hit"

    announce_elsewhere(on_redis, publish=False)
    started = time.monotonic()
    while client.get(path)["X-Page-Cache"] == "hit":
        assert time.monotonic() - started < near.TRUSTED_SECONDS, "still the old page"
        time.sleep(0.05)
    assert time.monotonic() - started <= near.REFRESH_SECONDS + 0.5


def test_a_logged_in_page_asks_redis_nothing_for_the_site_and_follows_a_site_change(
    client,
    page,
    on_redis,  # noqa: F811
    user,
):
    from wagtail.models import Site

    client.force_login(user)
    path = page.url
    settled(client, path)
    client.get(path)
    before = commands(on_redis)
    for _ in range(20):
        assert client.get(path).status_code == 200
    assert commands(on_redis) - before < 10  # the watch's reading only, no site lookups

    # A site's root moved elsewhere (by any node): every process looks the sites up again.
    site = Site.objects.get(is_default_site=True)
    site.hostname = "academy.example.org"
    site.save()
    assert near.value("None:wagtail_site_root_paths", near._mine()["watch"].current()) is None
