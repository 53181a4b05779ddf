"""Registry of demo-content loaders: each app registers one in its AppConfig.ready(), and
`manage.py load_demo` runs them in app order. Every loader must be idempotent."""

from collections.abc import Callable

_loaders: list[tuple[str, Callable[[], list[str]]]] = []


def register_demo(name: str, loader: Callable[[], list[str]]) -> None:
    if all(existing != name for existing, _ in _loaders):
        _loaders.append((name, loader))


def demo_loaders() -> list[tuple[str, Callable[[], list[str]]]]:
    return list(_loaders)
