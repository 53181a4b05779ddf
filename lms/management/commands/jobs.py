"""Run the django-q2 job cluster for a service manager: a stop signal to this process, or to its
whole process group, stops the cluster gracefully (tasks in flight finish) within a grace
period, then kills what is left. See docs/deploy.md, "Stopping the job cluster"."""

import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.processes import child_start, children_stop, signals_catch


class Command(BaseCommand):
    help = (
        "Run the job cluster (manage.py qcluster) in its own process group; SIGTERM, SIGINT or "
        "SIGHUP, to this process or its group, stops it within the grace period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=float,
            default=float(os.environ.get("Q_STOP_GRACE", "30")),
            help="Seconds tasks in flight get to finish after a stop signal (Q_STOP_GRACE, 30).",
        )

    def handle(self, *args, grace, **options):
        received = signals_catch()
        # The cluster's own stop is sound only when its main process alone is signalled: a
        # signal to its whole group kills the sentinel and leaves the main process waiting on
        # it for ever (django-q2). Its own group keeps it out of ours.
        cluster = child_start([sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"])
        try:
            while not received and cluster.poll() is None:
                time.sleep(0.2)
        finally:
            stopping = time.monotonic()
            children_stop([cluster], grace=grace)
        if not received:
            raise CommandError(f"The job cluster stopped on its own (exit {cluster.returncode}).")
        self.stdout.write(
            f"{signal.Signals(received[0]).name}: job cluster stopped in "
            f"{time.monotonic() - stopping:.1f} s."
        )
