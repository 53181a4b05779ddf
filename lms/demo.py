"""Registry of demo-content loaders: each app names its loaders by dotted path in its
AppConfig.ready(), and `manage.py load_demo` imports and runs them in registration order, so that
only that command ever imports a demo package. Every loader must be idempotent."""

from collections.abc import Callable

from django.utils.module_loading import import_string

_loaders: list[tuple[str, str]] = []


def demo_register(name: str, loader: str) -> None:
    """Add the loader at dotted path `loader` under `name` (once; a second call is ignored)."""
    if all(existing != name for existing, _ in _loaders):
        _loaders.append((name, loader))


def demo_loaders() -> list[tuple[str, Callable[[], list[str]]]]:
    """The loaders in order, imported now."""
    return [(name, import_string(path)) for name, path in _loaders]
