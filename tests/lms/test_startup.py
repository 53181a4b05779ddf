"""Starting the project imports no demo package: the demo loaders are registered by dotted path
and only `manage.py load_demo` imports them."""

import json
import os
import subprocess
import sys

from django.conf import settings

from lms.demo import demo_loaders

_PROBE = """
import json, sys
import django
django.setup()
from lms import events
from lms.events import catalogue
print(json.dumps({
    "demo": sorted(
        name for name in sys.modules
        if name != "lms.demo" and (name.endswith(".demo") or ".demo." in name)
    ),
    "handlers": sum(len(handlers) for handlers in events._handlers.values()),
    "declared": len(catalogue.collect().handlers),
}))
"""


def test_starting_the_project_imports_no_demo_module():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    started = json.loads(done.stdout.strip().splitlines()[-1])

    assert started["demo"] == []
    # The same start did register every handler of the catalogue.
    assert started["handlers"] == started["declared"] > 0


def test_every_registered_demo_loader_can_be_imported_in_app_order():
    loaders = demo_loaders()

    assert [name for name, _ in loaders] == [
        "programmes",
        "cohorts",
        "peergroups",
        "attendance",
        "surveys",
        "groups",
        "certificates",
    ]
    assert all(callable(loader) for _, loader in loaders)
