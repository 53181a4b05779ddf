"""Dotted paths of earlier releases that queue rows and schedules may still hold. django-q2 finds a
task by walking its dotted path attribute by attribute (`pydoc.locate`), so an app package's
module `__getattr__` can lead an old module name to the module that now holds the task, and a job
queued before an upgrade still runs exactly once after it."""

import importlib
from types import ModuleType


def moved_module(package: str, name: str, moves: dict[str, str]) -> ModuleType:
    """The module that replaced `package.name`, for the package's module `__getattr__`."""
    if name in moves:
        return importlib.import_module(moves[name])
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
