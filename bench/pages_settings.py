"""Project settings plus the bench-only URL that returns a captured page as a static string."""

from lms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"
