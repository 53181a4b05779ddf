"""Personal data rights: the registry through which every app contributes its part of a person's
data (what an export holds, which files, how it is erased), "download my data" built by a job,
and "erase my account", which also scrubs the person out of logs, queues and outboxes."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import secrets
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.models import OrmQ, Schedule, Task
from django_q.signing import SignedPackage
from wagtail.admin.models import FormState
from wagtail.log_actions import log
from wagtail.models import (
    Comment,
    CommentReply,
    ModelLogEntry,
    PageLogEntry,
    Revision,
    TaskState,
)

from lms import languages
from lms.errors import LmsError
from lms.events import emit
from lms.events.models import Delivery, Event
from lms.jobs import enqueue, enqueue_on_commit
from lms.mail.models import OutgoingEmail
from lms.privacy.models import DataExport, DataExportState

if TYPE_CHECKING:
    # Accounts sit above privacy (they register their part of a person's data here): at run
    # time the account model is found through get_user_model().
    from lms.accounts.models import User

logger = logging.getLogger(__name__)

EXPORT_TASK = "lms.tasks.data_export_task"
ERASED = "[erased]"
ERASED_DOMAIN = "erased.invalid"
ACTIVE_EXPORTS = (DataExportState.REQUESTED, DataExportState.RUNNING)
# An export still not finished after this long lost its job (a broker can drop a task): the
# person may ask again instead of waiting for ever.
EXPORT_STALE_AFTER = timedelta(hours=1)
# An export still waiting to start after this long lost its job (the broker refused or dropped
# it): the sweeper queues it again. Long enough for a busy queue to reach it first.
EXPORT_SWEEP_AFTER = timedelta(minutes=10)
# Shorter strings are never searched for: a short name would match inside unrelated words.
NEEDLE_MIN_LENGTH = 5


# --- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalDataProvider:
    """One app's part of a person's data.

    - `export(user)` returns what the app holds about the person (JSON-able, dates allowed),
      never anything about someone else;
    - `files(user)` returns `(name in the archive, file)` pairs: a Django file or bytes;
    - `erase(user, erasure)` removes or pseudonymises it inside the erasure's transaction;
    - `strings(user)` names the person goes by in this app (a name printed on a certificate, a
      group member's name), searched for in logs and outboxes when they are erased;
    - `contacts(user)` other people's contact details kept only because of this person (a
      guardian's e-mail address), scrubbed from logs and outboxes along with them.
    """

    name: str
    label: str
    export: Callable[[User], Any] | None = None
    files: Callable[[User], list[tuple[str, Any]]] | None = None
    erase: Callable[[User, Erasure], None] | None = None
    strings: Callable[[User], Iterable[str]] | None = None
    contacts: Callable[[User], Iterable[str]] | None = None


_providers: dict[str, PersonalDataProvider] = {}


def personal_data_register(
    name: str,
    *,
    label: str = "",
    export: Callable[[User], Any] | None = None,
    files: Callable[[User], list[tuple[str, Any]]] | None = None,
    erase: Callable[[User, Erasure], None] | None = None,
    strings: Callable[[User], Iterable[str]] | None = None,
    contacts: Callable[[User], Iterable[str]] | None = None,
) -> None:
    """Add an app's part of a person's data; call from its AppConfig.ready(). Exports run in
    registration order (lms, programmes, cohorts, certificates), erasures in reverse, so a
    higher layer is done before the kernel pseudonymises the account itself."""
    _providers[name] = PersonalDataProvider(
        name=name,
        label=label or name,
        export=export,
        files=files,
        erase=erase,
        strings=strings,
        contacts=contacts,
    )


def personal_data_providers() -> list[PersonalDataProvider]:
    return list(_providers.values())


# --- finding and scrubbing a person in text ---------------------------------------------------


def _variants(text: str) -> set[str]:
    text = " ".join((text or "").split())
    if len(text) < NEEDLE_MIN_LENGTH:
        return set()
    found = {text}
    parts = text.split(" ")
    if len(parts) >= 2 and "@" not in text:
        # "Bērziņš Jānis" and "Bērziņš, Jānis", as lists and exports sort people.
        first, last = " ".join(parts[:-1]), parts[-1]
        found |= {f"{last} {first}", f"{last}, {first}"}
    # Also as typed on a keyboard without the letters: "Janis Berzins".
    found |= {_without_marks(v) for v in found}
    return {unicodedata.normalize(form, v) for v in found for form in ("NFC", "NFD")}


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(needles: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(set(needles), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)


def _scrub_value(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list | tuple):
        return [_scrub_value(item, pattern) for item in value]
    if isinstance(value, dict):
        return {
            (_scrub_value(k, pattern) if isinstance(k, str) else k): _scrub_value(v, pattern)
            for k, v in value.items()
        }
    return value


# What a redacted line keeps: its indentation, a block element around it and a list marker, so
# that an e-mail still reads as a list with one entry "[erased]".
_LINE_START = re.compile(r"^\s*(?:<(?:li|p|td|th|dd|dt|div)\b[^>]*>)?\s*(?:[-*•]\s+)?")
_LINE_END = re.compile(r"(?:</(?:li|p|td|th|dd|dt|div)>)?\s*$")


def _redact_lines(text: str, pattern: re.Pattern) -> str:
    """Every line that mentions the person becomes "[erased]": what stands beside a name (their
    country, organisation, role) would single them out as surely as the name."""
    out = []
    for line in text.splitlines(keepends=True):
        if pattern.search(line):
            start = _LINE_START.match(line).group(0)
            end = _LINE_END.search(line[len(start) :]).group(0)
            line = f"{start}{ERASED}{end}"
        out.append(line)
    return "".join(out)


def _json_forms(needle: str) -> set[str]:
    # JSON columns may hold "\u0113" for "ē" (SQLite keeps json.dumps' ASCII escapes).
    return {needle, json.dumps(needle)[1:-1]}


@dataclass
class Erasure:
    """What one erasure knows and does: the strings the person appears under, their third-party
    contacts, the pseudonymous address they get, and the files to delete once it commits."""

    user: User
    actor: Any
    now: dt.datetime
    strings: tuple[str, ...]
    contacts: tuple[str, ...]
    address: str
    files: list[tuple[Any, str]] = field(default_factory=list)

    def __post_init__(self):
        self.own_pattern = _pattern(self.strings)
        self.all_pattern = _pattern((*self.strings, *self.contacts))

    def mentions(self, value, *, contacts: bool = False) -> bool:
        pattern = self.all_pattern if contacts else self.own_pattern
        if pattern is None or value is None:
            return False
        text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        )
        return bool(pattern.search(text))

    def scrub(self, value, *, contacts: bool = True):
        """`value` (text or JSON) with every mention of the person replaced by "[erased]"."""
        pattern = self.all_pattern if contacts else self.own_pattern
        return value if pattern is None else _scrub_value(value, pattern)

    def file_delete(self, fieldfile) -> None:
        """Delete a stored file once the erasure has committed (a rollback keeps it)."""
        if fieldfile:
            self.files.append((fieldfile.storage, fieldfile.name))

    def lines_redact(self, value):
        """`value` (text) with every line that mentions the person (or their contacts) replaced
        by "[erased]"."""
        pattern = self.all_pattern
        if pattern is None or not isinstance(value, str):
            return value
        return _redact_lines(value, pattern)

    def rows_scrub(
        self,
        model: type[models.Model],
        fields: list[str],
        *,
        queryset=None,
        whole_lines: tuple[str, ...] = (),
    ) -> int:
        """Replace every mention of the person (and their contacts) in these text or JSON
        fields of `model` (in the `whole_lines` fields, every line that mentions them); returns
        how many rows changed. The database finds the candidates, Python replaces inside
        them."""
        needles = {*self.strings, *self.contacts}
        if not needles or not fields:
            return 0
        condition = Q()
        for name in fields:
            is_json = isinstance(model._meta.get_field(name), models.JSONField)
            for needle in needles:
                for form in _json_forms(needle) if is_json else {needle}:
                    condition |= Q(**{f"{name}__icontains": form})
        rows = (queryset if queryset is not None else model._base_manager.all()).filter(condition)
        changed = 0
        for row in rows.only("pk", *fields).iterator():
            updates = {}
            for name in fields:
                before = getattr(row, name)
                after = self.lines_redact(before) if name in whole_lines else before
                after = self.scrub(after)
                if after != before:
                    updates[name] = after
            if updates:
                model._base_manager.filter(pk=row.pk).update(**updates)
                changed += 1
        return changed


def person_strings(user: User) -> tuple[list[str], list[str]]:
    """The person's names and e-mail addresses as they may appear in text, and their
    third-party contacts, from the kernel and every registered app."""
    profile = getattr(user, "profile", None)
    strings = {user.email, f"{user.first_name} {user.last_name}"}
    if profile is not None:
        strings.add(profile.full_name)
    contacts: set[str] = set()
    for provider in personal_data_providers():
        if provider.strings:
            strings.update(provider.strings(user))
        if provider.contacts:
            contacts.update(provider.contacts(user))
    own = sorted({v for s in strings for v in _variants(s)})
    others = sorted({v for s in contacts for v in _variants(s)} - set(own))
    return own, others


# --- download my data -------------------------------------------------------------------------


def _export_days() -> int:
    return int(getattr(settings, "DATA_EXPORT_DAYS", 7))


def data_export_request(*, user: User) -> DataExport:
    """Ask for a copy of everything about oneself; a job builds it. One at a time."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Two clicks at once queue one export: the second waits here, then sees the first.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        active = DataExport.objects.filter(user=user, state__in=ACTIVE_EXPORTS).first()
        if active is not None:
            if active.requested_at > now - EXPORT_STALE_AFTER:
                raise LmsError("export_running")
            DataExport.objects.filter(pk=active.pk).update(
                state=DataExportState.FAILED,
                error="The job did not finish in time.",
                finished_at=now,
            )
        export = DataExport.objects.create(user=user, requested_at=now, step=_("Waiting to start"))
        enqueue_on_commit(EXPORT_TASK, export.pk)
    return export


def _progress(export_id: int, percent: int, step: str) -> None:
    # Autocommitted at once, so that the page polling the row sees the job move.
    DataExport.objects.filter(pk=export_id, state=DataExportState.RUNNING).update(
        progress=max(0, min(percent, 100)), step=step[:200]
    )


_UNSAFE = re.compile(r"[^\w.\-]+")


def _archive_name(name: str, taken: set[str]) -> str:
    parts = [_UNSAFE.sub("-", unicodedata.normalize("NFC", p)).strip("-.") for p in name.split("/")]
    clean = "/".join(p for p in parts if p) or "file"
    candidate, n = clean, 1
    while candidate in taken:
        n += 1
        stem, dot, ext = clean.rpartition(".")
        candidate = f"{stem}-{n}.{ext}" if dot else f"{clean}-{n}"
    taken.add(candidate)
    return candidate


def _file_bytes(item) -> bytes | None:
    if isinstance(item, bytes):
        return item
    try:
        with item.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


# Translators: a plain-text file; keep the file names data.json and files/ as they are, and the
# columns lined up.
README = gettext_lazy("""This archive holds a copy of the personal data BSR Academy keeps about you.

data.json  everything about you, by part of the site (your account and profile, places and
           applications, learning progress, surveys you answered under your name, groups,
           guardian consents, certificates, e-mails sent to you, your own actions)
files/     your files, such as your certificates as PDF

Dates and times are written as in 2030-01-15T07:30:00Z (ISO 8601; Z means UTC). Answers to
anonymous surveys are not linked to you, so they cannot be included.
""")


def data_export_build(*, export_id: int) -> DataExport | None:
    """The job: collect every app's part, write data.json and the files into a ZIP in private
    storage, updating the row's progress as it goes. A finished export is left alone. Its
    progress texts and README are in the owner's language."""
    owner = (
        get_user_model()
        .objects.filter(data_exports__pk=export_id)
        .select_related("profile")
        .first()
    )
    with languages.reading(languages.of_user(owner)):
        return _data_export_build(export_id)


def _data_export_build(export_id: int) -> DataExport | None:
    with transaction.atomic(durable=True):
        export = (
            DataExport.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.state not in ACTIVE_EXPORTS:
            return export
        export.state = DataExportState.RUNNING
        export.progress = 0
        export.step = _("Starting")
        export.save(update_fields=["state", "progress", "step"])
    user = export.user
    providers = personal_data_providers()
    steps = len(providers) + 1
    try:
        data: dict[str, Any] = {
            "about": {
                "site": settings.WAGTAIL_SITE_NAME,
                "generated_at": timezone.now(),
                "format": _("One section per part of the site; see README.txt."),
            }
        }
        files: list[tuple[str, Any]] = []
        for number, provider in enumerate(providers):
            _progress(
                export.pk,
                round(100 * number / steps),
                _("Collecting: %(part)s") % {"part": provider.label},
            )
            if provider.export:
                data[provider.name] = provider.export(user)
            if provider.files:
                files.extend(provider.files(user))
        _progress(export.pk, round(100 * len(providers) / steps), _("Packing the archive"))
        archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("README.txt", str(README))
            zipped.writestr(
                "data.json",
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            taken: set[str] = set()
            for name, item in files:
                content = _file_bytes(item)
                if content is not None:
                    zipped.writestr(f"files/{_archive_name(name, taken)}", content)
    except Exception as exc:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk, state=DataExportState.RUNNING).update(
            state=DataExportState.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            step="",
            finished_at=timezone.now(),
        )
        return DataExport.objects.filter(pk=export.pk).first()
    return _export_store(export.pk, archive)


def _export_store(export_id: int, archive) -> DataExport | None:
    now = timezone.now()
    with transaction.atomic(durable=True):
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        # Erased, expired or finished by another worker meanwhile: keep nothing.
        if export is None or export.state != DataExportState.RUNNING:
            return export
        size = archive.seek(0, io.SEEK_END)
        archive.seek(0)
        name = f"bsr-academy-data-{export.pk}-{secrets.token_urlsafe(12)}.zip"
        export.file.save(name, File(archive, name=name), save=False)
        try:
            export.state = DataExportState.DONE
            export.progress = 100
            export.step = _("Ready to download")
            export.size = size
            export.finished_at = now
            export.expires_at = now + timedelta(days=_export_days())
            export.error = ""
            export.save()
            older = list(
                DataExport.objects.filter(user_id=export.user_id, state=DataExportState.DONE)
                .exclude(pk=export.pk)
                .exclude(file="")
            )
            for old in older:
                _file_delete_later(old.file.storage, old.file.name)
            DataExport.objects.filter(pk__in=[old.pk for old in older]).delete()
        except Exception:
            export.file.storage.delete(export.file.name)
            raise
    return export


def _file_delete_later(storage, name: str) -> None:
    transaction.on_commit(lambda: _file_delete(storage, name))


def _file_delete(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("could not delete %s", name)


def data_exports_sweep(*, now=None, limit: int = 100) -> int:
    """Queue again the exports that never started (their job was lost); returns how many."""
    now = now or timezone.now()
    ids = list(
        DataExport.objects.filter(
            state=DataExportState.REQUESTED, requested_at__lte=now - EXPORT_SWEEP_AFTER
        )
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for export_id in ids:
        enqueue(EXPORT_TASK, export_id)
    return len(ids)


def data_exports_expire(*, now=None) -> int:
    """Scheduled: delete archives past their expiry, and requests that never finished, after
    the same number of days. Returns how many exports went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=_export_days())
    expired = DataExport.objects.filter(
        Q(expires_at__lte=now)
        | Q(state__in=[*ACTIVE_EXPORTS, DataExportState.FAILED], requested_at__lte=cutoff)
    )
    count = 0
    for export in expired.iterator():
        with transaction.atomic(durable=True):
            locked = DataExport.objects.select_for_update().filter(pk=export.pk).first()
            if locked is None:
                continue
            if locked.file:
                _file_delete_later(locked.file.storage, locked.file.name)
            locked.delete()
            count += 1
    if count:
        logger.info("data exports: %s expired and deleted", count)
    return count


def data_export_of_owner(*, user, pk: int) -> DataExport | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return DataExport.objects.filter(pk=pk, user=user).first()


def data_export_latest(*, user) -> DataExport | None:
    return DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def data_export_downloadable(export: DataExport | None, *, now=None) -> bool:
    now = now or timezone.now()
    return bool(
        export is not None
        and export.state == DataExportState.DONE
        and export.file
        and (export.expires_at is None or export.expires_at > now)
    )


# --- erase my account -------------------------------------------------------------------------


def erased_address(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def person_erase(*, user: User, actor) -> bool:
    """Erase a person: their personal data is removed or pseudonymised everywhere, in one
    transaction, while the rows that statistics count stay. False when already erased."""
    with transaction.atomic(durable=True):
        return person_erase_within(user=user, actor=actor)


def person_erase_within(*, user: User, actor) -> bool:
    """The same inside a caller's transaction (a group leader removing a member without an
    account, for instance)."""
    with transaction.atomic():
        user = (
            get_user_model()
            .objects.select_for_update(of=("self",))
            .select_related("profile")
            .get(pk=user.pk)
        )
        if user.erased_at is not None:
            return False
        if (
            user.is_superuser
            and not get_user_model()
            .objects.filter(is_superuser=True, is_active=True)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise LmsError("last_administrator")
        strings, contacts = person_strings(user)
        erasure = Erasure(
            user=user,
            actor=actor,
            now=timezone.now(),
            strings=tuple(strings),
            contacts=tuple(contacts),
            address=erased_address(user.pk),
        )
        for provider in reversed(personal_data_providers()):
            if provider.erase:
                provider.erase(user, erasure)
        traces_scrub(erasure)
        acting = actor if getattr(actor, "is_authenticated", False) else None
        erased = get_user_model().objects.get(pk=user.pk)  # as it is now: its label names nobody
        log(instance=erased, action="lms.person.erase", user=acting, data={"user_id": user.pk})
        emit(
            "lms.person.erased",
            key=f"lms.person.erased:{user.pk}",
            payload={"user_id": user.pk},
        )
        files = list(erasure.files)
        user_id = user.pk
        transaction.on_commit(lambda: _after_erasure(user_id, files))
    return True


def _after_erasure(user_id: int, files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        _file_delete(storage, name)
    sessions_end(user_id=user_id)


# --- traces: logs, queues, outboxes and sessions -----------------------------------------------


def traces_scrub(erasure: Erasure) -> None:
    """Everything that records what happened rather than what is: the audit log, revisions,
    the admin's saved form states, comments, domain events and their errors, the e-mail outbox
    and the job queue. Run after every app's own erasure."""

    for model, fields in (
        (ModelLogEntry, ["label", "data"]),
        (PageLogEntry, ["label", "data"]),
        (Revision, ["object_str", "content"]),
        (FormState, ["data"]),
        (Comment, ["text"]),
        (CommentReply, ["text"]),
        (TaskState, ["comment"]),
        (Event, ["payload"]),
        (Delivery, ["last_error"]),
    ):
        erasure.rows_scrub(model, fields)
    FormState.objects.filter(user=erasure.user).delete()
    outbox_scrub(erasure)
    queue_scrub(erasure)


def outbox_scrub(erasure: Erasure) -> None:
    """E-mails to the person (and to their guardian about them) keep only that they were sent:
    the address becomes pseudonymous and subject, bodies and attachments are cleared. E-mails
    to anyone else lose every line that mentions them."""
    own = {erasure.user.email.lower(), *(s.lower() for s in erasure.strings if "@" in s)}
    contacts = {c.lower() for c in erasure.contacts if "@" in c}
    text_fields = ["subject", "body_text", "body_html", "last_error"]
    to_them = Q()
    for address in own | contacts:
        to_them |= Q(recipient__iexact=address)
    candidates = OutgoingEmail.objects.filter(to_them).values_list("pk", flat=True)
    taken = set(
        OutgoingEmail.objects.filter(recipient=erasure.address).values_list("reason", flat=True)
    )
    for email in OutgoingEmail.objects.filter(pk__in=list(candidates)).order_by("pk"):
        recipient = email.recipient.lower()
        about_them = recipient in own or any(
            erasure.mentions(getattr(email, name)) for name in text_fields
        )
        if not about_them:
            continue  # a guardian's e-mail about another child of theirs
        if recipient in own and email.reason not in taken:
            address = erasure.address
            taken.add(email.reason)
        else:
            address = f"erased-{erasure.user.pk}-{email.pk}@{ERASED_DOMAIN}"
        updates = {
            "recipient": address,
            "subject": ERASED,
            "body_text": "",
            "body_html": "",
            "attachments": [],
            "last_error": "",
        }
        if email.status in (
            OutgoingEmail.Status.PENDING,
            OutgoingEmail.Status.FAILED,
            OutgoingEmail.Status.UNKNOWN,  # never to be sent again to an erased person
        ):
            updates["status"] = OutgoingEmail.Status.SUPPRESSED
            updates["next_attempt_at"] = None
        OutgoingEmail.objects.filter(pk=email.pk).update(**updates)
    # E-mails to others that named them (a peer group's list, say) lose the whole line that
    # did: "[erased], Finland, Helsinki City Rescue Department" would still single them out.
    erasure.rows_scrub(
        OutgoingEmail, [*text_fields, "attachments"], whole_lines=("body_text", "body_html")
    )


def queue_scrub(erasure: Erasure) -> None:
    """django-q2's tables: stored results and failures, queued packages and schedules that
    mention the person go. Tasks carry ids by convention, so this rarely finds anything."""
    stale = []
    for task in Task.objects.all().iterator():
        try:
            seen = (task.name, task.func, task.args, task.kwargs, task.result)
        except Exception:  # noqa: BLE001, S112 (a row that cannot be unpickled names nobody)
            continue
        if erasure.mentions(repr(seen), contacts=True):
            stale.append(task.pk)
    Task.objects.filter(pk__in=stale).delete()
    queued = []
    for row in OrmQ.objects.all().iterator():
        try:
            package = SignedPackage.loads(row.payload)
        except Exception:  # noqa: BLE001, S112 (not ours to judge)
            continue
        if erasure.mentions(repr(package), contacts=True):
            queued.append(row.pk)
    OrmQ.objects.filter(pk__in=queued).delete()
    erasure.rows_scrub(Schedule, ["name", "args", "kwargs"])


def sessions_end(*, user_id: int) -> int:
    """Log the person out everywhere: delete each of their sessions."""
    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    for session in Session.objects.all().iterator():
        store = engine.SessionStore(session_key=session.session_key)
        data = store.decode(session.session_data)
        if str(data.get(SESSION_KEY, "")) == str(user_id):
            store.delete()
            ended += 1
    return ended


def export_file_name(export: DataExport) -> str:
    day = timezone.localdate(export.finished_at or export.requested_at)
    return f"bsr-academy-my-data-{day:%Y-%m-%d}.zip"
