"""Project settings plus the bench-only app that registers the benchmark's task and handler."""

from lms.settings import *  # noqa: F403
from lms.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.benchapp"]
