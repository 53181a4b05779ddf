"""What tests that start real processes need to reach them and the test database: a free
loopback port (also used as a closed one: nothing listens once it is released), and the test
database's address for a child process."""

import socket

from django.db import connection


def free_port() -> int:
    """A port nothing listens on now: bound once to learn a free number, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database's address, for a process started by the test."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
