"""Settings of the job cluster that tests/certificates/services/test_worker_killed.py starts and
kills: the project's settings plus that test's own queue, a short sweeper grace, e-mail written
to files the test reads, and certificate rendering slowed down in that process only, so that the
kill lands while certificates are being rendered. Never used outside that test."""

import os
import time

import certificates.documents.pdf
from lms.settings import *  # noqa: F403
from lms.settings import Q_CLUSTER

# The queue the test enqueues to; the cluster's name (and so the signing salt) stays the
# project's, taken from Q_NAME like in any deployment.
Q_CLUSTER = {**Q_CLUSTER, "cluster_name": os.environ["KILL_TEST_QUEUE"], "workers": 2}
CERTIFICATES_SWEEP_AFTER_SECONDS = 2
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["KILL_TEST_MAIL_DIR"]

_render = certificates.documents.pdf.render
_delay = float(os.environ.get("KILL_TEST_RENDER_SECONDS", "0"))


def _slow_render(data):
    time.sleep(_delay)
    return _render(data)


certificates.documents.pdf.render = _slow_render
