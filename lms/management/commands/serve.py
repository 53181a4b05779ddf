"""Run the web server and the django-q2 job cluster together in the foreground. SIGTERM, SIGINT
(Ctrl-C) and SIGHUP, or either of them exiting, stop both."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE_SECONDS = 8
PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    # A process started in the background by a shell inherits SIGINT ignored, and an ignored
    # signal stays ignored across exec: give the children the default handling back.
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    # On Linux, a child also gets SIGTERM if this process dies without a chance to stop it.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(children: list[subprocess.Popen]) -> None:
    """Ask each child to stop (SIGTERM), then kill whatever is left of its process group."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
    for child in children:
        # Each child leads its own process group: the cluster's workers go with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


class Command(BaseCommand):
    help = "Start the web server and the job cluster together; any stop signal stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        received: list[int] = []

        def on_signal(number, _frame):
            received.append(number)

        for number in STOP_SIGNALS:
            signal.signal(number, on_signal)
        manage = [sys.executable, "manage.py"]
        spawn = {"preexec_fn": _child_setup, "start_new_session": True}
        children = [
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"], **spawn),  # noqa: S603
            subprocess.Popen([*manage, "qcluster"], **spawn),  # noqa: S603
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
            _stop(children)
