"""A task for the job cluster's stop tests: it notes that it started, takes a while, then notes
that it finished, in files the test reads."""

import time
from pathlib import Path


def task_record(path: str, seconds: str) -> None:
    Path(f"{path}.started").touch()
    time.sleep(float(seconds))
    with open(path, "a") as done:
        done.write("done\n")
