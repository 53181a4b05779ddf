"""The request id travels with the jobs a request queues: into django-q2's signed task package
when the job is queued, back into the worker's context (and so its log lines) while it runs."""

import logging
import time
from contextvars import Token

from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute

from lms.operations.requestid import NONE, request_id

# The key under which the id travels inside the task package (beside func, args, name).
TASK_KEY = "request_id"

logger = logging.getLogger("lms.jobs")

_running: dict[str, tuple[Token, float]] = {}


def _on_enqueue(sender, task, **kwargs) -> None:
    value = request_id.get()
    if value != NONE:
        task[TASK_KEY] = value


def _on_execute(sender, func, task, **kwargs) -> None:
    _running[task["id"]] = (request_id.set(task.get(TASK_KEY, NONE)), time.monotonic())


def _on_executed(sender, func, task, **kwargs) -> None:
    token, started = _running.pop(task["id"], (None, None))
    if token is None:
        return
    outcome = "done" if task.get("success") else "failed"
    logger.info("job %s %s in %.3fs", task.get("func"), outcome, time.monotonic() - started)
    request_id.reset(token)


def register() -> None:
    """Carry the id through django-q2: into the task package when it is queued, back into the
    worker's context while the task runs (from LmsConfig.ready())."""
    pre_enqueue.connect(_on_enqueue, dispatch_uid="lms.operations.request_id.enqueue")
    pre_execute.connect(_on_execute, dispatch_uid="lms.operations.request_id.execute")
    post_execute_in_worker.connect(_on_executed, dispatch_uid="lms.operations.request_id.executed")
