"""Child processes of the long-running commands (`serve`, `jobs`): started in their own process
group, stopped by one SIGTERM to each, then killed with everything they started after a grace."""

import contextlib
import ctypes
import os
import signal
import subprocess
import time

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    # A process started in the background by a shell inherits SIGINT ignored, and an ignored
    # signal stays ignored across exec: give the children the default handling back.
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    # On Linux, a child also gets SIGTERM if its parent dies without a chance to stop it.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def child_start(args: list[str], **kwargs) -> subprocess.Popen:
    """Start `args` as the leader of a new process group: a signal sent to our own group (a
    terminal's Ctrl-C, `kill -- -PGID`) does not reach it, so only we decide how it stops."""
    return subprocess.Popen(args, preexec_fn=_child_setup, start_new_session=True, **kwargs)  # noqa: S603, PLW1509


def children_stop(children: list[subprocess.Popen], *, grace: float) -> None:
    """Ask each child to stop (one SIGTERM to it alone), wait up to `grace` seconds, then kill
    whatever is left of each child's process group."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
    for child in children:
        # Each child leads its own process group: the cluster's workers go with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def signals_catch() -> list[int]:
    """Record stop signals instead of dying of them; returns the list they are appended to."""
    received: list[int] = []

    def on_signal(number, _frame):
        received.append(number)

    for number in STOP_SIGNALS:
        signal.signal(number, on_signal)
    return received
