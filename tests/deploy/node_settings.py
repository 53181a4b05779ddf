"""Settings of the web and job nodes that tests/deploy/test_multinode.py starts: the project's
own, plus the test's own queue (so no other test's cluster takes its jobs) and, in one cluster
only, certificate rendering slowed down and announced in a file, so the test can kill that
cluster while it holds a render. Never used outside that test."""

import os
import time
from pathlib import Path

import certificates.documents.pdf
from lms.settings import *  # noqa: F403
from lms.settings import Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "cluster_name": os.environ["NODE_QUEUE"], "workers": 2}
# Small chunks, so both clusters take a share of a bulk issue.
CERTIFICATES_BULK_CHUNK = 2

_render = certificates.documents.pdf.render
_delay = float(os.environ.get("NODE_RENDER_SECONDS", "0"))
_marker = os.environ.get("NODE_RENDER_MARKER", "")


def _slow_render(data):
    if _marker:
        Path(_marker).touch()
    time.sleep(_delay)
    return _render(data)


if _delay:
    certificates.documents.pdf.render = _slow_render
