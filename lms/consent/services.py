"""Guardian consent for minors: a registry of the subjects that ask for it (a place in an activity
or cohort, a young person's own account), the single-use links e-mailed to guardians, and the
services that record a guardian's answer — given, refused or withdrawn — with who, when and under
which privacy notice. The kernel knows subjects only by their key ("enrolment:42"); each app
registers what happens to its subject when consent is given or ends."""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.log_actions import log

from lms import languages, time_zones
from lms.consent.models import (
    ConsentPurpose,
    ConsentState,
    ConsentToken,
    GuardianConsent,
    PrivacyNotice,
)
from lms.errors import LmsError
from lms.events import emit
from lms.locking import busy_transaction
from lms.mail.models import OutgoingEmail, undeliverable
from lms.mail.services import email_queue
from lms.names import name_clean
from lms.tokens import token_digest, token_new

logger = logging.getLogger(__name__)

OPEN = (ConsentState.PENDING, ConsentState.GIVEN)
# lms.tokens.token_new: 256 random bits, 43 URL-safe characters without padding.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
BUSY_MESSAGE = gettext_lazy(
    "Many answers are being recorded right now. Nothing was changed; please try again."
)
# A resent link is for a guardian who lost the e-mail, not a way to flood their mailbox: a pause
# between resends of one request, and a limit in all (a corrected address starts a new request).
RESEND_PAUSE = timedelta(minutes=10)
RESENDS_MAX = 5


# --- subjects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentSubject:
    """What asks for consent. `describe` returns the plain-language facts the guardian reads
    ({"title", "what", "when", "where", "organiser", "group"}, any may be "") or None when the
    subject is gone; `on_given` and `on_ended` (refused or withdrawn) run inside the consent's
    transaction and may raise LmsError to refuse (then nothing is changed)."""

    prefix: str
    describe: Callable[[GuardianConsent], dict | None]
    on_given: Callable[[GuardianConsent], None]
    on_ended: Callable[[GuardianConsent], None]
    # Optional: take the subject's own locks (e.g. a place lock) before the consent row is
    # locked, so that every path locks in one order — subject, then consent — and a guardian
    # answering while a leader cancels the booking cannot deadlock.
    lock: Callable[[GuardianConsent], None] | None = None


_subjects: dict[str, ConsentSubject] = {}

DESCRIPTION_KEYS = ("title", "what", "when", "where", "organiser", "group")


def consent_subject_register(subject: ConsentSubject) -> None:
    """Register a subject by its key prefix; call from an AppConfig.ready()."""
    _subjects[subject.prefix] = subject


def consent_subject_of(consent: GuardianConsent) -> ConsentSubject | None:
    return _subjects.get(consent.subject_key.split(":", 1)[0])


def consent_describe(consent: GuardianConsent) -> dict | None:
    """The subject's facts for the guardian, every key present; None when the subject is gone."""
    subject = consent_subject_of(consent)
    if subject is None:
        facts = {"title": consent.subject_title}
    else:
        facts = subject.describe(consent)
        if facts is None:
            return None
    described = {key: str(facts.get(key) or "") for key in DESCRIPTION_KEYS}
    described["title"] = described["title"] or consent.subject_title
    return described


# --- tokens -----------------------------------------------------------------------------------


def token_well_formed(token: str | None) -> bool:
    return bool(token) and len(token) == 43 and TOKEN_RE.fullmatch(token) is not None


def _link_days(action: str) -> int:
    if action == ConsentToken.Action.WITHDRAW:
        return int(getattr(settings, "CONSENT_WITHDRAW_LINK_DAYS", 365))
    return int(getattr(settings, "CONSENT_LINK_DAYS", 14))


def consent_token_issue(
    *, consent: GuardianConsent, action: str, now: datetime
) -> tuple[str, ConsentToken]:
    """A fresh 256-bit link token of `action` for the consent; only its SHA-256 is stored. The
    token is returned once, to be e-mailed (or, in the demo, shown)."""
    token, digest = token_new()
    row = ConsentToken.objects.create(
        consent=consent,
        digest=digest,
        action=action,
        created_at=now,
        expires_at=now + timedelta(days=_link_days(action)),
    )
    return token, row


def consent_url(token: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("consent:page", args=[token])


# --- reading ----------------------------------------------------------------------------------


def notice_current(purpose: str = ConsentPurpose.ACTIVITY) -> PrivacyNotice | None:
    """The notice in force for a purpose (a group's booking, a young person's own account):
    the latest published one."""
    return PrivacyNotice.objects.filter(purpose=purpose).order_by("-published_at", "-id").first()


def consent_states(subject_keys: list[str]) -> dict[str, GuardianConsent]:
    """The latest consent per subject key, in one query (leaders' pages, the check-in desk)."""
    keys = [key for key in dict.fromkeys(subject_keys) if key]
    latest: dict[str, GuardianConsent] = {}
    if not keys:
        return latest
    rows = (
        GuardianConsent.objects.filter(subject_key__in=keys)
        .select_related("notice")
        .order_by("subject_key", "-requested_at", "-id")
    )
    for consent in rows:
        latest.setdefault(consent.subject_key, consent)
    return latest


def person_name(user) -> str:
    """The young person's name as the guardian knows it (never their placeholder address)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.full_name:
        return profile.full_name
    return user.get_full_name() or _("the young person")


def day_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def moment_text(moment: datetime) -> str:
    """“Monday 2 March 2026, 17:00 Stockholm time (CET, UTC+1)”: readable, never an identifier."""
    return time_zones.moment_text(moment, settings.TIME_ZONE)


# --- errors -----------------------------------------------------------------------------------

MALFORMED = gettext_lazy(
    "This consent link is incomplete or damaged. Please open the link in the e-mail again, or "
    "copy the whole address into your browser. Nothing was changed."
)
UNKNOWN = gettext_lazy(
    "This consent link is not valid: no consent request has this link. It may have been "
    "mistyped. Nothing was changed."
)
OTHER_CONSENT = gettext_lazy(
    "This link belongs to a different consent request than the form that was sent. Nothing was "
    "changed; please open the link in the e-mail again."
)


def _used_message(row: ConsentToken) -> str:
    return _(
        "This link has already been used, on %(moment)s. Each link works only once. Nothing "
        "was changed."
    ) % {"moment": moment_text(row.used_at)}


def _expired_message(row: ConsentToken) -> str:
    newer = (
        ConsentToken.objects.filter(
            consent_id=row.consent_id, action=row.action, created_at__gt=row.created_at
        )
        .order_by("-created_at")
        .first()
    )
    if newer is not None and row.expires_at <= newer.created_at:
        return _(
            "This link was replaced by a newer one, e-mailed on %(day)s. Please use the newest "
            "e-mail. Nothing was changed."
        ) % {"day": day_text(newer.created_at)}
    account = row.consent.purpose == ConsentPurpose.ACCOUNT
    if row.action == ConsentToken.Action.DECIDE:
        ask = (
            _("The young person can send you a new one from their profile page.")
            if account
            else _("Ask the group's leader to send you a new one.")
        )
    else:
        ask = (
            _("To withdraw consent now, please write to the organiser.")
            if account
            else _("To withdraw consent now, please write to the group's leader or the organiser.")
        )
    # Translators: %(ask)s is a sentence saying how to get a new link.
    return _("This link expired on %(moment)s. %(ask)s Nothing was changed.") % {
        "moment": moment_text(row.expires_at),
        "ask": ask,
    }


def _not_open_message(consent: GuardianConsent, action: str) -> str:
    state = consent.state
    if state == ConsentState.CANCELLED:
        return _(
            "This consent request is no longer needed: what it was for has been cancelled. "
            "Nothing was changed."
        )
    if state == ConsentState.WITHDRAWN:
        if consent.withdrawn_at:
            return _("Consent was withdrawn on %(moment)s. Nothing was changed.") % {
                "moment": moment_text(consent.withdrawn_at)
            }
        return _("Consent was withdrawn. Nothing was changed.")
    if state == ConsentState.REFUSED:
        if consent.decided_at:
            return _(
                "Consent was refused on %(moment)s; that answer is final. Nothing was changed."
            ) % {"moment": moment_text(consent.decided_at)}
        return _("Consent was refused; that answer is final. Nothing was changed.")
    if state == ConsentState.GIVEN and action == ConsentToken.Action.DECIDE:
        if consent.decided_at:
            return _(
                "Consent was already given on %(moment)s. To withdraw it, use the link in the "
                "confirmation e-mail. Nothing was changed."
            ) % {"moment": moment_text(consent.decided_at)}
        return _(
            "Consent was already given. To withdraw it, use the link in the confirmation "
            "e-mail. Nothing was changed."
        )
    # A withdrawal link for consent that was never given (or is still pending).
    return _("There is no consent in force to withdraw. Nothing was changed.")


def _wrong_link_message(row: ConsentToken) -> str:
    if row.action == ConsentToken.Action.WITHDRAW:
        return _("This link is for withdrawing consent, not for giving it. Nothing was changed.")
    return _(
        "This link is for giving or refusing consent, not for withdrawing it. Nothing was changed."
    )


@dataclass
class ConsentLink:
    """A checked link: the consent it is for, the token row, and the subject's facts."""

    consent: GuardianConsent
    token: ConsentToken
    facts: dict

    @property
    def action(self) -> str:
        return self.token.action


def consent_link_check(
    *, token: str | None, consent_id=None, action: str | None = None, now=None, lock: bool = False
) -> ConsentLink:
    """The consent a link is for, or LmsError with a message that says what is wrong with it:
    malformed, unknown, for another consent, for another action, already used, no longer open,
    expired. With `lock`, the consent row and then the token row are locked (inside the caller's
    transaction): the subject's own lock first, then the consent row, then the token row."""
    now = now or timezone.now()
    if not token_well_formed(token):
        raise LmsError("malformed", MALFORMED)
    digest = token_digest(token)
    row = ConsentToken.objects.filter(digest=digest).first()
    if row is None:
        raise LmsError("unknown", UNKNOWN)
    if consent_id is not None and str(consent_id) != str(row.consent_id):
        raise LmsError("other_consent", OTHER_CONSENT)
    consents = GuardianConsent.objects.select_related("person__profile", "notice")
    consent = consents.get(pk=row.consent_id)
    if lock:
        subject = consent_subject_of(consent)
        if subject is not None and subject.lock is not None:
            subject.lock(consent)
        consent = consents.select_for_update(of=("self",)).get(pk=row.consent_id)
        row = ConsentToken.objects.select_for_update().get(pk=row.pk)
    if action is not None and row.action != action:
        raise LmsError("wrong_link", _wrong_link_message(row))
    if row.used_at is not None:
        raise LmsError("used", _used_message(row))
    wanted = (
        ConsentState.PENDING if row.action == ConsentToken.Action.DECIDE else ConsentState.GIVEN
    )
    if consent.state != wanted:
        raise LmsError("not_open", _not_open_message(consent, row.action))
    if row.expires_at <= now:
        raise LmsError("expired", _expired_message(row))
    facts = consent_describe(consent)
    if facts is None:
        raise LmsError(
            "subject_gone",
            _(
                "What this consent was for no longer exists (the place may have been "
                "cancelled). Nothing was changed."
            ),
        )
    return ConsentLink(consent=consent, token=row, facts=facts)


# --- e-mails ----------------------------------------------------------------------------------


def _email_context(consent: GuardianConsent, *, facts: dict | None = None, **extra) -> dict:
    facts = facts if facts is not None else (consent_describe(consent) or {})
    return {
        "guardian_name": consent.guardian_name,
        "person_name": person_name(consent.person),
        "purpose": consent.purpose,
        "facts": facts,
        "title": facts.get("title") or consent.subject_title,
        **extra,
    }


def guardian_language(consent: GuardianConsent) -> str:
    """The language a guardian is written to in: the one chosen for them when consent was
    asked (by the group leader, else the young person's), else their own account's, else
    English."""
    if consent.guardian_language:
        return languages.supported(consent.guardian_language)
    return languages.of_address(consent.guardian_email)


def _link_email(consent: GuardianConsent, *, kind: str, number: int, now: datetime) -> str:
    """Queue an e-mail with a fresh decide link; `kind` is request, reminder or resend. In the
    guardian's language (guardian_language), facts about the subject included."""
    token, row = consent_token_issue(consent=consent, action=ConsentToken.Action.DECIDE, now=now)
    with languages.reading(guardian_language(consent)):
        facts = consent_describe(consent) or {"title": consent.subject_title}
        names = {"name": person_name(consent.person), "title": facts["title"]}
        subjects = {
            "request": _("Your consent is needed: %(name)s — %(title)s"),
            "reminder": _("Reminder: your consent is needed for %(name)s — %(title)s"),
            "resend": _("A new link: your consent is needed for %(name)s — %(title)s"),
        }
        email_queue(
            recipient=consent.guardian_email,
            reason=f"lms.consent.{kind}:{consent.pk}:{number}"[:200],
            subject=(subjects[kind] % names)[:300],
            template="consent_reminder" if kind == "reminder" else "consent_request",
            context=_email_context(
                consent,
                facts=facts,
                url=consent_url(token),
                expires_text=moment_text(row.expires_at),
                kind=kind,
                number=number,
            ),
        )
    return token


# --- requesting, cancelling, resending (inside the caller's transaction) ----------------------


def _clean_email(address: str) -> str:
    address = (address or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def consent_request(
    *,
    person,
    purpose: str,
    subject_key: str,
    subject_title: str,
    guardian_email: str,
    guardian_name: str = "",
    guardian_language: str = "",
    requested_by=None,
) -> GuardianConsent:
    """Ask a guardian for consent, inside the caller's transaction: a pending GuardianConsent
    and an e-mail with a single-use link (sent when the caller commits). An open (pending or
    given) consent for the key is returned as it is."""
    if purpose not in ConsentPurpose.values:
        raise LmsError("bad_purpose")
    subject_key = str(subject_key)[:64]
    with transaction.atomic():
        existing = (
            GuardianConsent.objects.select_for_update()
            .filter(subject_key=subject_key, state__in=OPEN)
            .first()
        )
        if existing is not None:
            return existing
        email = _clean_email(guardian_email)
        if not email or undeliverable(email):
            raise LmsError(
                "guardian_email_missing",
                _(
                    "%(name)s is a minor and has no guardian e-mail address to ask for consent: "
                    "add the guardian's address first."
                )
                % {"name": person_name(person)},
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                consent = GuardianConsent.objects.create(
                    person=person,
                    purpose=purpose,
                    subject_key=subject_key,
                    subject_title=" ".join(str(subject_title).split())[:300],
                    guardian_email=email,
                    guardian_name=name_clean(guardian_name),
                    guardian_language=languages.supported(guardian_language)
                    if guardian_language
                    else "",
                    requested_by=requested_by
                    if requested_by is not None and requested_by.is_authenticated
                    else None,
                    requested_at=now,
                    # The notice in force when asked (an admin cannot edit a notice in use);
                    # giving consent records the version the guardian actually read.
                    notice=notice_current(purpose),
                )
        except IntegrityError:
            # Requested at the same moment by another transaction: theirs is the one.
            return GuardianConsent.objects.get(subject_key=subject_key, state__in=OPEN)
        _link_email(consent, kind="request", number=1, now=now)
        log(
            instance=consent,
            action="lms.consent.request",
            user=consent.requested_by,
            data={"subject_key": subject_key, "purpose": purpose},
        )
        emit(
            "lms.consent.requested",
            key=f"lms.consent.requested:{consent.pk}",
            payload={"consent_id": consent.pk, "subject_key": subject_key},
        )
    return consent


def consent_cancel(*, subject_key: str) -> int:
    """Inside the caller's transaction: open consents for the key are no longer needed (e.g. the
    booking was withdrawn). Their links stop working; no subject callback runs."""
    now = timezone.now()
    cancelled = 0
    with transaction.atomic():
        for consent in GuardianConsent.objects.select_for_update().filter(
            subject_key=str(subject_key)[:64], state__in=OPEN
        ):
            before = consent.state
            consent.state = ConsentState.CANCELLED
            consent.save(update_fields=["state"])
            log(
                instance=consent,
                action="lms.consent.cancel",
                user=None,
                data={"subject_key": consent.subject_key, "was": before, "at": now.isoformat()},
            )
            emit(
                "lms.consent.cancelled",
                key=f"lms.consent.cancelled:{consent.pk}",
                payload={"consent_id": consent.pk, "subject_key": consent.subject_key},
            )
            cancelled += 1
    return cancelled


def consent_resend(*, consent: GuardianConsent, actor) -> None:
    """E-mail the guardian a fresh link; earlier unused links of the consent stop working."""
    now = timezone.now()
    with transaction.atomic():
        consent = (
            GuardianConsent.objects.select_for_update(of=("self",))
            .select_related("person__profile")
            .filter(pk=consent.pk)
            .first()
        )
        if consent is None or consent.state != ConsentState.PENDING:
            raise LmsError(
                "not_pending",
                _("Only a consent that is still waiting for the guardian can be resent."),
            )
        resent = OutgoingEmail.objects.filter(
            reason__startswith=f"lms.consent.resend:{consent.pk}:"
        )
        if resent.count() >= RESENDS_MAX:
            raise LmsError(
                "too_many",
                ngettext(
                    "The consent e-mail has been sent again %(count)s time already, so we will "
                    "not send it again. Please check the guardian's e-mail address: a corrected "
                    "address gets a new request.",
                    "The consent e-mail has been sent again %(count)s times already, so we will "
                    "not send it again. Please check the guardian's e-mail address: a corrected "
                    "address gets a new request.",
                    RESENDS_MAX,
                )
                % {"count": RESENDS_MAX},
            )
        if resent.filter(created_at__gt=now - RESEND_PAUSE).exists():
            raise LmsError("too_soon")
        ConsentToken.objects.filter(
            consent=consent,
            action=ConsentToken.Action.DECIDE,
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(expires_at=now)
        number = consent.tokens.filter(action=ConsentToken.Action.DECIDE).count() + 1
        _link_email(consent, kind="resend", number=number, now=now)
        log(
            instance=consent,
            action="lms.consent.resend",
            user=actor if actor is not None and actor.is_authenticated else None,
            data={"subject_key": consent.subject_key},
        )


# --- the guardian's answer (entry points: durable transactions) -------------------------------


def consent_transaction():
    """A durable transaction for a guardian's answer: a busy database, or a unique row written at
    the same moment by another answer to the same request, becomes a friendly LmsError asking
    the guardian to answer again, and nothing is changed."""
    return busy_transaction(
        error=LmsError, message=BUSY_MESSAGE, collision=("conflict", BUSY_MESSAGE)
    )


def _audit(consent: GuardianConsent, action: str, **data) -> None:
    log(
        instance=consent,
        action=f"lms.consent.{action}",
        user=None,
        data={"subject_key": consent.subject_key, "state": consent.state, **data},
    )


def _emit(consent: GuardianConsent, verb: str) -> None:
    emit(
        f"lms.consent.{verb}",
        key=f"lms.consent.{verb}:{consent.pk}",
        payload={"consent_id": consent.pk, "subject_key": consent.subject_key},
    )


def consent_give(
    *, token: str, consent_id, guardian_name: str, notice_version: str
) -> GuardianConsent:
    """The guardian gives consent by the link's form: records the typed name, the moment and the
    notice version they read (refused when a newer notice was published meanwhile), runs the
    subject's `on_given` and e-mails a confirmation with a withdrawal link."""
    name = name_clean(guardian_name)
    with consent_transaction():
        link = consent_link_check(
            token=token, consent_id=consent_id, action=ConsentToken.Action.DECIDE, lock=True
        )
        consent = link.consent
        notice = notice_current(consent.purpose)
        if notice is None:
            raise LmsError("no_notice")
        if str(notice_version or "") != notice.version:
            raise LmsError("notice_changed")
        if not name:
            raise LmsError("name_missing")
        now = timezone.now()
        link.token.used_at = now
        link.token.save(update_fields=["used_at"])
        consent.state = ConsentState.GIVEN
        consent.notice = notice
        consent.decided_at = now
        consent.decided_by_name = name
        consent.save(update_fields=["state", "notice", "decided_at", "decided_by_name"])
        subject = consent_subject_of(consent)
        if subject is not None:
            subject.on_given(consent)
        withdraw_token, withdraw_row = consent_token_issue(
            consent=consent, action=ConsentToken.Action.WITHDRAW, now=now
        )
        with languages.reading(guardian_language(consent)):
            facts = consent_describe(consent) or link.facts
            email_queue(
                recipient=consent.guardian_email,
                reason=f"lms.consent.given:{consent.pk}",
                subject=(
                    _("Consent given: %(name)s — %(title)s")
                    % {"name": person_name(consent.person), "title": facts["title"]}
                )[:300],
                template="consent_given",
                context=_email_context(
                    consent,
                    facts=facts,
                    decided_by_name=name,
                    decided_text=moment_text(now),
                    notice_title=notice.title,
                    notice_version=notice.version,
                    withdraw_url=consent_url(withdraw_token),
                    withdraw_expires_text=day_text(withdraw_row.expires_at),
                ),
            )
        _audit(consent, "give", name=name, notice_version=notice.version, at=now.isoformat())
        _emit(consent, "given")
    return consent


def consent_refuse(*, token: str, consent_id, guardian_name: str = "") -> GuardianConsent:
    """The guardian does not consent: the answer is recorded (with their name when typed) and
    the subject's `on_ended` runs (a held place is freed)."""
    name = name_clean(guardian_name)
    return _consent_end(
        token=token,
        consent_id=consent_id,
        action=ConsentToken.Action.DECIDE,
        state=ConsentState.REFUSED,
        changes={"decided_at": "now", "decided_by_name": name},
        verb="refused",
        headline=gettext_lazy("Consent not given"),
        audit_action="refuse",
        audit_data={"name": name},
        moment_key="decided_text",
    )


def consent_withdraw(*, token: str, consent_id) -> GuardianConsent:
    """The guardian withdraws consent by the link in the confirmation e-mail (one POST): the
    subject's `on_ended` runs (the place is freed)."""
    return _consent_end(
        token=token,
        consent_id=consent_id,
        action=ConsentToken.Action.WITHDRAW,
        state=ConsentState.WITHDRAWN,
        changes={"withdrawn_at": "now"},
        verb="withdrawn",
        headline=gettext_lazy("Consent withdrawn"),
        audit_action="withdraw",
        audit_data={},
        moment_key="withdrawn_text",
    )


def _consent_end(
    *,
    token: str,
    consent_id,
    action: str,
    state: str,
    changes: dict,
    verb: str,
    headline: str,
    audit_action: str,
    audit_data: dict,
    moment_key: str,
) -> GuardianConsent:
    """A refusal or a withdrawal by link: use the link, record the answer ("now" in `changes`
    stands for the moment of the answer), end the subject, tell the guardian, audit, emit."""
    with consent_transaction():
        link = consent_link_check(token=token, consent_id=consent_id, action=action, lock=True)
        consent = link.consent
        now = timezone.now()
        link.token.used_at = now
        link.token.save(update_fields=["used_at"])
        consent.state = state
        for field, value in changes.items():
            setattr(consent, field, now if value == "now" else value)
        consent.save(update_fields=["state", *changes])
        # The guardian's e-mail is in their language; the subject's facts are read before its
        # end (an ended account describes nothing).
        language = guardian_language(consent)
        with languages.reading(language):
            facts = consent_describe(consent) or link.facts
        subject = consent_subject_of(consent)
        if subject is not None:
            subject.on_ended(consent)
        with languages.reading(language):
            email_queue(
                recipient=consent.guardian_email,
                reason=f"lms.consent.{verb}:{consent.pk}",
                subject=(
                    _("%(headline)s: %(name)s — %(title)s")
                    % {
                        "headline": headline,
                        "name": person_name(consent.person),
                        "title": facts["title"],
                    }
                )[
                    # Translators: %(headline)s is "Consent not given" or "Consent withdrawn".
                    :300
                ],
                template=f"consent_{verb}",
                context=_email_context(consent, facts=facts, **{moment_key: moment_text(now)}),
            )
        _audit(consent, audit_action, **audit_data, at=now.isoformat())
        _emit(consent, verb)
    return consent


# --- reminders (the periodic job) ---------------------------------------------------------------


def consent_reminders_send(*, now=None, limit: int = 500) -> int:
    """Remind guardians who have not answered: CONSENT_REMINDER_DAYS after the request (and
    after each reminder), at most CONSENT_REMINDERS_MAX times, each with a fresh link. Only
    pending consents; a second run in the same period sends nothing more."""
    now = now or timezone.now()
    every = timedelta(days=int(getattr(settings, "CONSENT_REMINDER_DAYS", 3)))
    most = int(getattr(settings, "CONSENT_REMINDERS_MAX", 2))
    if most <= 0:
        return 0
    due = GuardianConsent.objects.filter(
        state=ConsentState.PENDING, reminders_sent__lt=most, requested_at__lte=now - every
    ).exclude(last_reminded_at__gt=now - every)
    ids = list(due.order_by("requested_at", "pk").values_list("pk", flat=True)[:limit])
    reminded = 0
    for consent_id in ids:
        try:
            with consent_transaction():
                consent = (
                    GuardianConsent.objects.select_for_update(of=("self",))
                    .select_related("person__profile")
                    .filter(pk=consent_id, state=ConsentState.PENDING, reminders_sent__lt=most)
                    .first()
                )
                if consent is None or (
                    consent.last_reminded_at is not None and consent.last_reminded_at > now - every
                ):
                    continue
                if consent_describe(consent) is None:
                    continue  # the subject is gone; its app cancels the consent
                number = consent.reminders_sent + 1
                _link_email(consent, kind="reminder", number=number, now=now)
                consent.reminders_sent = number
                consent.last_reminded_at = now
                consent.save(update_fields=["reminders_sent", "last_reminded_at"])
                _audit(consent, "remind", number=number)
                reminded += 1
        except LmsError:
            logger.warning("consent %s not reminded now (busy); the next run retries", consent_id)
    return reminded
