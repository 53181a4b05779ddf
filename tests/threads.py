"""Running jobs on real threads at the same moment, for the concurrency tests on PostgreSQL."""

import threading
from collections.abc import Callable

from django.db import connection

# PostgreSQL allows ~100 connections and each thread holds one.
WORKERS = 40


def at_once(jobs: list[Callable], *, workers: int = WORKERS) -> tuple[list, list]:
    """Run the jobs on `workers` threads released together by a barrier; return the results
    and the exceptions. Each thread closes its own database connection."""
    workers = min(workers, len(jobs))
    pending = list(reversed(jobs))
    lock = threading.Lock()
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def work():
        try:
            barrier.wait(timeout=60)
            while True:
                with lock:
                    if not pending:
                        return
                    job = pending.pop()
                try:
                    result = job()
                except Exception as exc:
                    with lock:
                        errors.append(exc)
                else:
                    with lock:
                        results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results, errors
