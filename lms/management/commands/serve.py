"""Run the web server and the django-q2 job cluster together in the foreground. SIGTERM, SIGINT
(Ctrl-C) and SIGHUP, to this process or to its whole process group, or either child exiting,
stop both."""

import os
import signal
import sys
import time

from django.core.management.base import BaseCommand

from lms.processes import child_start, children_stop, signals_catch

GRACE_SECONDS = 8


class Command(BaseCommand):
    help = "Start the web server and the job cluster together; any stop signal stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        received = signals_catch()
        manage = [sys.executable, "manage.py"]
        children = [
            child_start([*manage, "runserver", f"{host}:{port}", "--noreload"]),
            child_start([*manage, "qcluster"]),
        ]
        self.stdout.write(f"Web server and job cluster started; open http://{host}:{port}/")
        self.stdout.flush()
        try:
            while not received and all(child.poll() is None for child in children):
                time.sleep(0.2)
            if received:
                self.stdout.write(f"\n{signal.Signals(received[0]).name}: stopping both …")
            else:
                self.stderr.write("One of the processes stopped; stopping the other.")
        finally:
            children_stop(children, grace=GRACE_SECONDS)
