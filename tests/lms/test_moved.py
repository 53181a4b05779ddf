"""Queued work survives the move to capability packages: a job queued, or a schedule created,
under a dotted path of the earlier layout still runs, through the same code path the cluster's
workers use, and `schedules_ensure` points old schedules at the new paths."""

import queue
from multiprocessing import Value

import pytest
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import Schedule, Success
from django_q.monitor import save_task
from django_q.signals import pre_execute
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from django_q.worker import worker

from cohorts import tasks as cohorts_tasks
from lms import jobs
from lms import tasks as lms_tasks

# Old dotted path -> the function that now runs it.
OLD_TASK_PATHS = {
    "cohorts.tasks_surveys.survey_reminders_send_task": cohorts_tasks.survey_reminders_send_task,
    "cohorts.tasks_privacy.care_notes_purge_task": cohorts_tasks.care_notes_purge_task,
    "lms.consent_account.closed_accounts_erase_task": lms_tasks.closed_accounts_erase_task,
}

# Schedules as the earlier layout created them: name -> old func.
OLD_SCHEDULES = {
    "cohorts.survey_reminders_send": "cohorts.tasks_surveys.survey_reminders_send_task",
    "cohorts.care_notes_purge": "cohorts.tasks_privacy.care_notes_purge_task",
    "lms.closed_accounts_erase": "lms.consent_account.closed_accounts_erase_task",
}


def _run_like_the_cluster(broker: ORM) -> list[dict]:
    """What a cluster does with the queue, in this process: the pusher's dequeue and unpacking,
    the worker's loop (which finds the function with pydoc.locate), the monitor's save and ack."""
    tasks = queue.Queue()
    while batch := broker.dequeue():  # Conf.BULK tasks at a time
        for ack_id, payload in batch:
            task = SignedPackage.loads(payload)
            task["ack_id"] = ack_id
            tasks.put(task)
    tasks.put("STOP")
    results = queue.Queue()
    worker(tasks, results, Value("f", -1))
    done = []
    while not results.empty():
        task = results.get()
        save_task(task, broker)
        broker.acknowledge(task["ack_id"])
        done.append(task)
    return done


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_jobs_queued_under_old_paths_run_through_the_worker(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # really queue: the tests otherwise run jobs inline
    broker = ORM(list_key="moved-paths-test")
    ran = []

    def record(sender, func, task, **kwargs):
        ran.append((task["func"], func))

    pre_execute.connect(record, dispatch_uid="moved-paths-test")
    try:
        for path in OLD_TASK_PATHS:
            async_task(path, q_options={"broker": broker})
        assert broker.queue_size() == len(OLD_TASK_PATHS)

        done = _run_like_the_cluster(broker)
    finally:
        pre_execute.disconnect(dispatch_uid="moved-paths-test")

    assert dict(ran) == OLD_TASK_PATHS
    assert {task["func"]: (task["success"], task["result"]) for task in done} == {
        path: (True, 0) for path in OLD_TASK_PATHS
    }
    assert set(Success.objects.values_list("func", flat=True)) == set(OLD_TASK_PATHS)
    assert broker.queue_size() == 0


@pytest.mark.django_db
def test_schedules_of_the_old_layout_are_pointed_at_the_new_paths():
    for name, old_func in OLD_SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": old_func, "schedule_type": Schedule.MINUTES, "minutes": 1},
        )

    jobs.schedules_ensure()

    registered = {job.name: job for job in jobs.periodic_jobs()}
    for name in OLD_SCHEDULES:
        schedule = Schedule.objects.get(name=name)
        assert schedule.func == registered[name].func
        assert schedule.minutes == registered[name].minutes
    assert Schedule.objects.filter(name__in=OLD_SCHEDULES).count() == len(OLD_SCHEDULES)
    # Every registered job has exactly one schedule.
    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(registered)
