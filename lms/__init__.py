"""Project package and shared kernel: settings and URLs, and one package per capability —
`accounts` (people, sign-up, profile), `signin` (lockout, second factor), `events` (the outbox and
its catalogue), `mail` (the e-mail outbox's development mailbox), `consent` (guardian consent),
`privacy` (a person's data: export and erasure) and `pages` (the home page, shared blocks, the
anonymous page cache) — beside the shared helpers every app uses (`jobs`, `tokens`, `ratelimit`,
`spreadsheets`, `time_zones`, `contact`, `storage`)."""

from lms.moved import moved_module

# Task paths of earlier releases (see lms.moved).
_MOVED = {"consent_account": "lms.tasks"}


def __getattr__(name: str):
    return moved_module(__name__, name, _MOVED)
