"""The development mailbox: an e-mail backend that keeps each message as an .eml file under
var/mail/ and prints one line per message (to, subject), and the reading side of the
development inbox page for administrators. Never used in production."""

import re
import secrets
import sys
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

# Names this backend gives its files: nothing else is ever opened from the folder.
FILE_NAME = re.compile(r"^\d{8}-\d{6}-\d{6}-[0-9a-f]{6}\.eml$")
INBOX_MAX = 200


def mail_dir() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class DevelopmentMailBackend(BaseEmailBackend):
    """Write every message to its own .eml file (openable in any mail program) and print one
    line about it, instead of the whole message with its base64 attachments."""

    _lock = threading.Lock()

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, email_messages) -> int:
        folder = mail_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(3)}.eml"
            (folder / name).write_bytes(message.message().as_bytes(linesep="\n"))
            with self._lock:
                self.stream.write(
                    f"E-mail to {', '.join(message.recipients())}: {message.subject} "
                    f"[{folder.name}/{name}]\n"
                )
                self.stream.flush()
            sent += 1
        return sent


@dataclass
class InboxMessage:
    name: str
    message: EmailMessage
    attachments: list = field(default_factory=list)

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def date(self) -> str:
        return str(self.message.get("Date", ""))

    @property
    def files(self) -> list[dict]:
        """Name and type of each attached file (templates cannot call methods of a message:
        it answers every lookup as a header)."""
        return [
            {
                "index": index,
                "filename": part.get_filename() or f"attachment-{index + 1}",
                "content_type": part.get_content_type(),
            }
            for index, part in enumerate(self.attachments)
        ]

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


def _read(name: str) -> InboxMessage | None:
    if not FILE_NAME.match(name):
        return None
    path = mail_dir() / name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    message = BytesParser(policy=policy.default).parsebytes(data)
    return InboxMessage(name=name, message=message, attachments=list(message.iter_attachments()))


def inbox_list() -> list[InboxMessage]:
    """The newest messages first."""
    try:
        names = sorted(
            (p.name for p in mail_dir().iterdir() if FILE_NAME.match(p.name)), reverse=True
        )
    except OSError:
        return []
    return [m for m in (_read(name) for name in names[:INBOX_MAX]) if m is not None]


def inbox_message(name: str) -> InboxMessage | None:
    return _read(name)


def inbox_file(name: str) -> bytes | None:
    if not FILE_NAME.match(name):
        return None
    try:
        return (mail_dir() / name).read_bytes()
    except OSError:
        return None
