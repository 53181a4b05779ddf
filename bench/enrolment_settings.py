"""Project settings plus the bench-only URL that answers a logged-in POST with no work."""

from lms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.enrolment_urls"
