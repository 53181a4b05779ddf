"""Run the web server and the django-q2 job cluster together in the foreground; Ctrl-C (or
either of them exiting) stops both."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and the job cluster together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        python = sys.executable
        manage = [python, "manage.py"]
        children = [
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"]),  # noqa: S603
            subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
        ]
        self.stdout.write(f"Web server and job cluster started; open http://{host}:{port}/")

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    child.kill()

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("One of the processes stopped; stopping the other.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping …")
        finally:
            stop()
