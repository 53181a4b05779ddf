"""Write-side services of certificates: which template applies, issuing a certificate once per
person and cohort, activity or module, rendering it in a job, revoking and reissuing it, and bulk
issue for a cohort with a status row the admin page polls."""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from wagtail.log_actions import log

from certificates.documents import content as rendering
from certificates.documents import pdf
from certificates.errors import CertificatesError
from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
    certificate_upload_to,
)
from certificates.verify.codes import code_new
from cohorts.models import CONFIRMED, ActivitySession, Cohort, Enrolment, EnrolmentState
from lms.ages import is_minor_on
from lms.events import emit
from lms.jobs import enqueue
from lms.names import name_clean
from programmes.models import ActivityPage, ModulePage, ModuleProgress, ProgrammePage

logger = logging.getLogger(__name__)

RENDER_TASK = "certificates.tasks.certificate_render_task"
BULK_TASK = "certificates.tasks.bulk_issue_task"
BULK_CHUNK_TASK = "certificates.tasks.bulk_render_chunk_task"

# Certificates rendered per bulk job: small enough that every worker gets a share of a cohort,
# large enough that the queue's own overhead stays small next to the rendering.
BULK_CHUNK = 20
# A certificate or bulk issue still waiting this long lost its job (the Redis broker can drop
# in-flight tasks; a killed worker drops what it held): the sweeper queues it again.
SWEEP_AFTER_SECONDS = 300
# An activity shorter than this prints its duration as {hours}; a longer one (several days)
# needs the template's hours or its attendance sessions.
ACTIVITY_HOURS_MAX = 12

KIND_OF_TARGET = {
    "cohort": CertificateKind.PROGRAMME,
    "activity": CertificateKind.ACTIVITY,
    "module": CertificateKind.MODULE,
}
STATE_NOUNS = {
    CertificateState.PENDING: "A certificate still being issued",
    CertificateState.ISSUED: "A valid certificate",
    CertificateState.REVOKED: "A revoked certificate",
    CertificateState.REPLACED: "A certificate that was replaced",
    CertificateState.WITHDRAWN: "A certificate withdrawn at the holder's request",
}


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- targets and templates --------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    field: str  # "cohort", "activity" or "module"
    obj: Cohort | ActivityPage | ModulePage

    @property
    def kind(self) -> str:
        return KIND_OF_TARGET[self.field]

    @property
    def filter(self) -> dict:
        return {self.field: self.obj}

    @property
    def title(self) -> str:
        return self.obj.title


def _target(cohort=None, activity=None, module=None) -> _Target:
    given = [
        _Target(field, obj)
        for field, obj in (("cohort", cohort), ("activity", activity), ("module", module))
        if obj is not None
    ]
    if len(given) != 1:
        raise CertificatesError(
            "no_target", "A certificate is for exactly one cohort, activity or module."
        )
    return given[0]


def _programme_of(target: _Target) -> ProgrammePage | None:
    if target.field == "cohort":
        return target.obj.programme
    return ProgrammePage.objects.ancestor_of(target.obj).first()


def certificate_template_for(
    *,
    kind: str,
    cohort: Cohort | None = None,
    activity: ActivityPage | None = None,
    module: ModulePage | None = None,
    automatic: bool = False,
) -> CertificateTemplate | None:
    """The active template of `kind` for the target, most specific first: one chosen for that
    cohort, activity or module; then one for its programme that is not limited to particular
    cohorts, activities or modules; then one for every programme. The most specific one that
    applies decides: with `automatic`, it is returned only when it issues automatically (a
    template set to "staff issue by hand" is not bypassed by a general one). Among equals the
    oldest wins, so adding a template never silently changes an existing set-up."""
    target = _target(cohort, activity, module)
    if kind != target.kind:
        raise CertificatesError(
            "wrong_kind", f"A {CertificateKind(kind).label.lower()} template cannot apply here."
        )
    active = CertificateTemplate.objects.filter(active=True, kind=kind).order_by("pk")
    unattached = active.filter(
        cohorts__isnull=True, activities__isnull=True, modules__isnull=True
    ).distinct()
    attachment = {"cohort": "cohorts", "activity": "activities", "module": "modules"}[target.field]
    programme = _programme_of(target)
    levels = [active.filter(**{attachment: target.obj})]
    if programme is not None:
        levels.append(unattached.filter(programme=programme))
    levels.append(unattached.filter(programme__isnull=True))
    for level in levels:
        template = level.first()
        if template is not None:
            if automatic and not template.auto_issue:
                return None
            return template
    return None


# --- issuing ----------------------------------------------------------------------------------


def _current(user_id: int, target: _Target) -> Certificate | None:
    return (
        Certificate.objects.filter(user_id=user_id, **target.filter)
        .exclude(state=CertificateState.REPLACED)
        .first()
    )


def _eligible(user, target: _Target) -> bool:
    """Who may hold a certificate: accepted or completed cohort members, people with a confirmed
    place at (or recorded attendance of) an activity, people who completed a module."""
    if target.field == "cohort":
        return Enrolment.objects.filter(
            user=user,
            cohort=target.obj,
            state__in=CONFIRMED,
        ).exists()
    if target.field == "activity":
        return (
            Enrolment.objects.filter(user=user, activity=target.obj)
            .filter(Q(state__in=CONFIRMED) | Q(attended_at__isnull=False))
            .exists()
        )
    return ModuleProgress.objects.filter(
        user=user, module=target.obj, completed_at__isnull=False
    ).exists()


def _holder_name(user) -> str:
    profile = getattr(user, "profile", None)
    name = profile.full_name if profile is not None else ""
    # The profile keeps at most 200 characters; a longer account name is cut to fit.
    limit = Certificate._meta.get_field("holder_name").max_length
    return name_clean(name or user.get_full_name(), limit=limit)


def _activity_hours(activity: ActivityPage) -> Decimal | None:
    sessions = ActivitySession.objects.filter(activity=activity).aggregate(total=Sum("hours"))
    if sessions["total"]:
        return Decimal(sessions["total"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    seconds = (activity.ends_at - activity.starts_at).total_seconds()
    if 0 < seconds <= ACTIVITY_HOURS_MAX * 3600:
        # To the half hour: 2 h 50 min of workshop prints as 3.
        return Decimal(round(seconds / 1800) / 2).quantize(Decimal("0.1"))
    return None


def _place(target: _Target) -> str:
    if target.field == "cohort":
        country = target.obj.presidency_country
        return country.name if country else ""
    if target.field == "activity":
        activity = target.obj
        country = activity.venue_country.name if activity.venue_country else ""
        where = ", ".join(part for part in (activity.venue_city, country) if part)
        return where or ("Online" if activity.online_url else "")
    return ""


def _dates(user, target: _Target, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if target.field == "cohort":
        return target.obj.starts_on, target.obj.ends_on
    if target.field == "activity":
        activity = target.obj
        return activity.local_starts_at.date(), activity.local_ends_at.date()
    completed = (
        ModuleProgress.objects.filter(user=user, module=target.obj)
        .values_list("completed_at", flat=True)
        .first()
    )
    day = timezone.localdate(completed) if completed else today
    return day, day


def _translations(template: CertificateTemplate) -> set[str]:
    return set(template.translations.values_list("language", flat=True))


def _languages(template: CertificateTemplate, user, translations: set[str]) -> str:
    """The languages printed, e.g. "en" or "en,lv" (the holder's language second, when the
    template has a translation in it)."""
    profile = getattr(user, "profile", None)
    preferred = profile.preferred_language if profile is not None else ""
    if preferred and preferred != template.language and preferred in translations:
        return f"{template.language},{preferred}"
    return template.language


def _snapshot(
    *,
    user,
    target: _Target,
    template: CertificateTemplate,
    programme: ProgrammePage | None,
    translations: set[str] | None = None,
) -> dict:
    """What the certificate will say, fixed now: a later profile or page edit changes nothing
    printed (a name correction is a reissue)."""
    name = _holder_name(user)
    if not name:
        raise CertificatesError(
            "no_name",
            f"{user.email} has no name in their profile yet: the certificate needs the name to "
            "print. Ask them to fill in their full name first.",
        )
    now = timezone.now()
    today = timezone.localdate(now)
    profile = getattr(user, "profile", None)
    born = profile.date_of_birth if profile is not None else None
    date_start, date_end = _dates(user, target, today)
    hours = template.hours
    if hours is None and target.field == "activity":
        hours = _activity_hours(target.obj)
    return {
        "kind": target.kind,
        "user": user,
        **target.filter,
        "template": template,
        "holder_name": name,
        "holder_is_minor": is_minor_on(on=today, birth_date=born),
        "programme_title": programme.title if programme is not None else "",
        "context_title": target.title,
        "date_start": date_start,
        "date_end": date_end,
        "hours": hours,
        "place": _place(target),
        "language": _languages(
            template, user, _translations(template) if translations is None else translations
        ),
        "issued_at": now,
    }


def _insert_once(fields: dict) -> tuple[Certificate, bool]:
    """Insert the pending row, or find the one a concurrent issue committed first: the partial
    unique constraint decides, the savepoint keeps the caller's transaction usable."""
    target_field = next(f for f in ("cohort", "activity", "module") if fields.get(f) is not None)
    try:
        with transaction.atomic():
            return Certificate.objects.create(**fields), True
    except IntegrityError:
        target = _Target(target_field, fields[target_field])
        existing = _current(fields["user"].pk, target)
        if existing is None:
            raise
        logger.info(
            "certificate for user %s and %s %s issued concurrently: kept #%s",
            fields["user"].pk,
            target_field,
            target.obj.pk,
            existing.pk,
        )
        return existing, False


def _render_later(certificate_id: int) -> None:
    transaction.on_commit(lambda: enqueue(RENDER_TASK, certificate_id))


def certificate_issue(
    *,
    user,
    cohort: Cohort | None = None,
    activity: ActivityPage | None = None,
    module: ModulePage | None = None,
    source: str,
    requested_by=None,
    template: CertificateTemplate | None = None,
    override_reason: str = "",
) -> Certificate | None:
    """Issue the person's certificate for one cohort, activity or module, once: when a current
    one exists (being issued, valid or revoked) it is returned unchanged. Creates the pending row
    with everything to print and queues its rendering after commit. Runs inside the caller's
    transaction when there is one (event handlers), or in its own (views).

    An automatic issue returns None when no automatic template applies or the person is no longer
    eligible; staff issues raise CertificatesError instead. An issue by hand for someone who has
    not completed (`certificate_issue_concerns`) is refused unless `override_reason` says why;
    the reason and the concerns are kept in the audit log."""
    target = _target(cohort, activity, module)
    automatic = source == CertificateSource.AUTOMATIC
    existing = _current(user.pk, target)
    if existing is not None:
        return existing
    if template is None:
        template = certificate_template_for(kind=target.kind, automatic=automatic, **target.filter)
    if template is None:
        if automatic:
            return None
        raise CertificatesError(
            "no_template",
            f"No certificate template applies to “{target.title}”. Add an active "
            f"{CertificateKind(target.kind).label.lower()} template for it first.",
        )
    if source != CertificateSource.REISSUE and not _eligible(user, target):
        if automatic:
            return None
        raise CertificatesError("not_eligible", _not_eligible_message(user, target))
    override_reason = " ".join((override_reason or "").split())
    concerns = []
    if source == CertificateSource.MANUAL:
        concerns = certificate_issue_concerns(user=user, **{target.field: target.obj})
        if concerns and not override_reason:
            raise CertificatesError(
                "not_completed",
                " ".join(concerns)
                + " Nothing was issued: give the reason for issuing anyway (it is kept in the "
                "audit log), or wait until the person has completed.",
            )
    with transaction.atomic():
        fields = _snapshot(
            user=user, target=target, template=template, programme=_programme_of(target)
        )
        certificate, created = _insert_once(
            {**fields, "source": source, "requested_by": _person(requested_by)}
        )
        if created:
            if source == CertificateSource.MANUAL:
                extra = (
                    {"override_reason": override_reason, "concerns": concerns} if concerns else {}
                )
                _audit(certificate, "issue", requested_by, **extra)
            _render_later(certificate.pk)
    return certificate


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def certificate_issue_concerns(
    *,
    user,
    cohort: Cohort | None = None,
    activity: ActivityPage | None = None,
    module: ModulePage | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Why issuing this certificate by hand may be wrong: the person has not completed what it
    certifies (cohort not completed, activity not attended, module not complete), or it has not
    even started. Empty when nothing is in the way. Staff may still issue, giving a reason."""
    target = _target(cohort, activity, module)
    today = today or timezone.localdate()
    name = _holder_name(user) or user.email
    obj = target.obj
    if target.field == "cohort":
        state = (
            Enrolment.objects.filter(user=user, cohort=obj)
            .exclude(state=EnrolmentState.WITHDRAWN)
            .values_list("state", flat=True)
            .first()
        )
        if state == EnrolmentState.COMPLETED:
            return []
        label = EnrolmentState(state).label.lower() if state else "no place"
        concerns = [f"{name} has not completed “{obj.title}” ({label})."]
        if obj.starts_on > today:
            concerns.append(
                f"“{obj.title}” has not started yet: it starts on {_day(obj.starts_on)}."
            )
        return concerns
    if target.field == "activity":
        if Enrolment.objects.filter(user=user, activity=obj, attended_at__isnull=False).exists():
            return []
        concerns = [f"{name} is not recorded as having attended “{obj.title}”."]
        if obj.starts_at > timezone.now():
            first_day = timezone.localtime(obj.starts_at, obj.tz).date()
            concerns.append(
                f"“{obj.title}” has not taken place yet: it starts on {_day(first_day)}."
            )
        return concerns
    if ModuleProgress.objects.filter(user=user, module=obj, completed_at__isnull=False).exists():
        return []
    return [f"{name} has not completed the module “{target.title}”."]


def _not_eligible_message(user, target: _Target) -> str:
    name = _holder_name(user) or user.email
    if target.field == "cohort":
        return (
            f"{name} is not an accepted or completed participant of “{target.title}”: "
            "only they can receive its certificate."
        )
    if target.field == "activity":
        return f"{name} has no confirmed place at “{target.title}”."
    return f"{name} has not completed the module “{target.title}” yet."


# --- rendering (the job) ----------------------------------------------------------------------


def _values(certificate: Certificate) -> rendering.Values:
    context = {
        "cohort": certificate.context_title if certificate.cohort_id else "",
        "activity": certificate.context_title if certificate.activity_id else "",
        "module": certificate.context_title if certificate.module_id else "",
    }
    return rendering.Values(
        holder_name=certificate.holder_name,
        programme=certificate.programme_title,
        date_start=certificate.date_start,
        date_end=certificate.date_end,
        hours=certificate.hours,
        place=certificate.place,
        **context,
    )


def _template_for_render(certificate: Certificate, cache: dict) -> CertificateTemplate:
    """The certificate's template with its translations, signatories and images; read once per
    chunk of a bulk issue (a template edited meanwhile applies from the next chunk)."""
    if certificate.template_id not in cache:
        cache[certificate.template_id] = (
            CertificateTemplate.objects.filter(pk=certificate.template_id)
            .prefetch_related("translations", "signatories__signature")
            .select_related("logo")
            .first()
        )
    template = cache[certificate.template_id]
    if template is None:
        raise CertificatesError(
            "template_gone",
            f"The template of certificate #{certificate.pk} was deleted before it was rendered; "
            "reissue the certificate to use another template.",
        )
    return template


def _pdf_save(certificate: Certificate, content: bytes) -> str:
    """Write the PDF under a name fixed by the row, so an attempt killed after writing leaves a
    file the next attempt simply replaces."""
    storage = certificate.pdf.storage
    name = certificate_upload_to(certificate, f"certificate-{certificate.pk}.pdf")
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(content))


def certificate_render(*, certificate_id: int) -> Certificate | None:
    """The rendering job: lock the row, give it its code, print the PDF, store it with its
    SHA-256 and mark the certificate issued, announcing `certificates.certificate.issued` — all in
    one transaction, so a worker killed half-way leaves the row pending for the next attempt. A
    row that is no longer pending is left alone (a repeated job changes nothing)."""
    return _render(certificate_id, templates={})


RENDERED_FIELDS = ["code", "pdf", "sha256", "rendered_at", "state"]


def _print(certificate: Certificate, templates: dict) -> None:
    """Code, PDF file and fingerprint for a locked pending row, set on the instance."""
    template = _template_for_render(certificate, templates)
    languages = certificate.language.split(",")
    code = code_new()
    data = rendering.certificate_data(
        template,
        _values(certificate),
        code=code,
        issued_on=timezone.localdate(certificate.issued_at),
        second_language=languages[1] if len(languages) > 1 else "",
    )
    content = pdf.render(data)
    certificate.pdf.name = _pdf_save(certificate, content)
    certificate.code = code
    certificate.sha256 = hashlib.sha256(content).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.state = CertificateState.ISSUED


def _render(certificate_id: int, *, templates: dict) -> Certificate | None:
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.state != CertificateState.PENDING:
            return certificate
        _print(certificate, templates)
        # An UPDATE of the row alone: save() would also have Wagtail re-index the row's
        # references, which costs more than the rest of the write.
        Certificate.objects.filter(pk=certificate.pk).update(
            **{field: getattr(certificate, field) for field in RENDERED_FIELDS}
        )
        _emit(certificate, "issued")
        if certificate.source == CertificateSource.BULK:
            _bulk_count_issued([certificate])
    return certificate


def _render_chunk(certificate_ids: list[int], *, templates: dict) -> None:
    """A bulk issue's chunk in one transaction: the same guarantees as one certificate at a
    time (a kill leaves every row of the chunk pending, each counts once), with one lock, one
    update and one count for the lot. Rows another worker holds are left to it."""
    with transaction.atomic(durable=True):
        rows = list(
            Certificate.objects.select_for_update(skip_locked=True)
            .filter(pk__in=certificate_ids, state=CertificateState.PENDING)
            .order_by("pk")
        )
        for certificate in rows:
            _print(certificate, templates)
        if not rows:
            return
        Certificate.objects.bulk_update(rows, RENDERED_FIELDS)
        for certificate in rows:
            _emit(certificate, "issued")
        _bulk_count_issued([c for c in rows if c.source == CertificateSource.BULK])


def certificates_sweep(*, limit: int = 500) -> int:
    """Queue again what lost its job: certificates pending for a while, bulk issues never
    started, and running bulk issues with nothing left to render. Returns how many were queued."""
    cutoff = timezone.now() - timedelta(
        seconds=_setting("CERTIFICATES_SWEEP_AFTER_SECONDS", SWEEP_AFTER_SECONDS)
    )
    ids = list(
        Certificate.objects.filter(state=CertificateState.PENDING, issued_at__lte=cutoff)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for certificate_id in ids:
        enqueue(RENDER_TASK, certificate_id)
    waiting = list(
        BulkIssue.objects.filter(
            state=BulkIssueState.REQUESTED, created_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    for bulk_id in waiting:
        enqueue(BULK_TASK, bulk_id)
    for bulk in BulkIssue.objects.filter(state=BulkIssueState.RUNNING, created_at__lte=cutoff):
        _bulk_finish_if_idle(bulk.pk)
    return len(ids) + len(waiting)


# --- revoking and reissuing -------------------------------------------------------------------


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


def _refuse(certificate: Certificate, doing: str) -> CertificatesError:
    noun = STATE_NOUNS[CertificateState(certificate.state)]
    return CertificatesError("wrong_state", f"{noun} cannot be {doing}.")


def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """Revoke a valid certificate: its code then verifies as revoked, with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificatesError(
            "reason_required", "Give the reason for revoking: it is kept with the certificate."
        )
    with transaction.atomic(durable=True):
        certificate = _locked(certificate)
        if certificate.state != CertificateState.ISSUED:
            raise _refuse(certificate, "revoked")
        certificate.state = CertificateState.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = actor if _is_person(actor) else None
        certificate.revoked_reason = reason
        certificate.save(update_fields=["state", "revoked_at", "revoked_by", "revoked_reason"])
        _audit(certificate, "revoke", actor, reason=reason)
        _emit(certificate, "revoked")
    return certificate


def _may_undo_revocation(actor) -> bool:
    return actor is None or bool(
        getattr(actor, "is_authenticated", False)
        and (actor.is_superuser or actor.has_perm("certificates.change_certificate"))
    )


def certificate_reissue(*, certificate: Certificate, actor, reason: str = "") -> Certificate:
    """Replace a valid or revoked certificate by a new one with the holder's current profile
    name (a name correction). The old row stays, marked replaced and pointing at the new one,
    so its code still verifies (as replaced); the new one is rendered by a job."""
    reason = " ".join((reason or "").split())
    with transaction.atomic(durable=True):
        old = _locked(certificate)
        if old.state not in (CertificateState.ISSUED, CertificateState.REVOKED):
            raise _refuse(old, "reissued")
        if old.state == CertificateState.REVOKED and not _may_undo_revocation(actor):
            # Reissuing a revoked certificate makes a valid one again: that is the revoking
            # authority's decision, not the cohort staff's.
            raise CertificatesError(
                "revoked",
                "Only programme admins can reissue a revoked certificate.",
            )
        target = _Target(*next((f, o) for f, o in _target_fields(old) if o is not None))
        template = CertificateTemplate.objects.filter(
            pk=old.template_id
        ).first() or certificate_template_for(kind=target.kind, **target.filter)
        if template is None:
            raise CertificatesError(
                "no_template",
                f"No certificate template applies to “{target.title}” any more: add one first.",
            )
        user = get_user_model().objects.select_related("profile").get(pk=old.user_id)
        fields = _snapshot(
            user=user, target=target, template=template, programme=_programme_of(target)
        )
        old.state = CertificateState.REPLACED
        old.save(update_fields=["state"])
        new = Certificate.objects.create(
            **fields, source=CertificateSource.REISSUE, requested_by=_person(actor)
        )
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
        _audit(
            old,
            "reissue",
            actor,
            reason=reason,
            replacement_id=new.pk,
            old_name=old.holder_name,
            new_name=new.holder_name,
        )
        emit(
            "certificates.certificate.reissued",
            key=f"certificates.certificate.reissued:{old.pk}",
            payload={"certificate_id": old.pk, "replacement_id": new.pk, "user_id": old.user_id},
        )
        _render_later(new.pk)
    return new


def _target_fields(certificate: Certificate):
    return (
        ("cohort", certificate.cohort),
        ("activity", certificate.activity),
        ("module", certificate.module),
    )


# --- bulk issue -------------------------------------------------------------------------------

ACTIVE_BULK = (BulkIssueState.REQUESTED, BulkIssueState.RUNNING)


def _completed(cohort: Cohort):
    return Enrolment.objects.filter(cohort=cohort, state=EnrolmentState.COMPLETED)


def certificates_bulk_request(*, cohort: Cohort, actor) -> BulkIssue:
    """Ask for the certificates of everyone who completed the cohort; the work runs in jobs and
    the returned status row shows its progress. While one runs for the cohort, asking again
    returns that one."""
    with transaction.atomic(durable=True):
        # One request at a time per cohort, so two clicks cannot start two bulk issues.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        running = BulkIssue.objects.filter(cohort=cohort, state__in=ACTIVE_BULK).first()
        if running is not None:
            return running
        if not _completed(cohort).exists():
            raise CertificatesError(
                "nobody_completed",
                f"Nobody has completed “{cohort.title}” yet: there are no certificates to issue.",
            )
        if certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort) is None:
            raise CertificatesError(
                "no_template",
                f"No certificate template applies to “{cohort.title}”. Add an active programme "
                "completion template for it first.",
            )
        bulk = BulkIssue.objects.create(
            cohort=cohort, requested_by=_person(actor), total=_completed(cohort).count()
        )
        log(
            instance=bulk,
            action="certificates.bulk.request",
            user=_person(actor),
            data={"cohort_id": cohort.pk, "total": bulk.total},
        )
        transaction.on_commit(lambda: enqueue(BULK_TASK, bulk.pk))
    return bulk


def certificates_bulk_run(*, bulk_id: int) -> BulkIssue | None:
    """The bulk job: in one transaction, a pending certificate for every completed participant
    who has none (those who have one are skipped), then rendering fanned out in chunks so every
    worker takes a share. Run again while running, it only queues what is still pending."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state not in ACTIVE_BULK:
            return bulk
        cohort = Cohort.objects.select_related("programme").get(pk=bulk.cohort_id)
        if bulk.state == BulkIssueState.RUNNING:
            _chunks_later(bulk.pk, _pending_bulk_ids(cohort))
            return bulk
        template = certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort)
        if template is None:
            bulk.state = BulkIssueState.FAILED
            bulk.error = f"No certificate template applies to “{cohort.title}”."
            bulk.finished_at = timezone.now()
            bulk.save(update_fields=["state", "error", "finished_at"])
            return bulk
        enrolments = list(_completed(cohort).select_related("user__profile").order_by("pk"))
        current = {
            c.user_id: c
            for c in Certificate.objects.filter(cohort=cohort)
            .exclude(state=CertificateState.REPLACED)
            .only("pk", "user_id", "state", "source")
        }
        # A pending bulk certificate left by an earlier run is this run's to count.
        adopted = [
            c.pk
            for c in current.values()
            if c.state == CertificateState.PENDING and c.source == CertificateSource.BULK
        ]
        newcomers = [e.user for e in enrolments if e.user_id not in current]
        created, lost, problems = _issue_many(
            users=newcomers, cohort=cohort, template=template, requested_by=bulk.requested_by
        )
        completed_ids = {e.user_id for e in enrolments}
        bulk.total = len(enrolments)
        bulk.skipped = lost + sum(
            1
            for user_id, certificate in current.items()
            if user_id in completed_ids and certificate.pk not in adopted
        )
        # People who cannot have a certificate printed (no name yet) fail here, once.
        bulk.failed = len(problems)
        bulk.error = "".join(f"{problem}\n" for problem in problems)
        bulk.state = BulkIssueState.RUNNING
        _bulk_save(bulk, "total", "skipped", "failed", "error", "state")
        _chunks_later(bulk.pk, adopted + created)
    return bulk


def _issue_many(*, users, cohort, template, requested_by) -> tuple[list[int], int, list[str]]:
    """Pending rows for many people in one statement; when someone got theirs meanwhile (an
    automatic issue at the same moment) the statement fails whole, and the rows go in one by
    one instead. Returns the new ids, how many turned out to exist already, and why anyone
    could not be issued one."""
    target = _Target("cohort", cohort)
    programme = cohort.programme
    translations = _translations(template)
    fields, problems = [], []
    for user in users:
        try:
            snapshot = _snapshot(
                user=user,
                target=target,
                template=template,
                programme=programme,
                translations=translations,
            )
        except CertificatesError as exc:
            problems.append(f"[user #{user.pk}] {exc.message}")
            continue
        fields.append({**snapshot, "source": CertificateSource.BULK, "requested_by": requested_by})
    try:
        with transaction.atomic():
            made = Certificate.objects.bulk_create([Certificate(**row) for row in fields])
        return [row.pk for row in made], 0, problems
    except IntegrityError:
        pass
    created, lost = [], 0
    for row in fields:
        certificate, new = _insert_once(row)
        if new:
            created.append(certificate.pk)
        else:
            lost += 1
    return created, lost, problems


def _pending_bulk_ids(cohort: Cohort) -> list[int]:
    return list(
        Certificate.objects.filter(
            cohort=cohort, state=CertificateState.PENDING, source=CertificateSource.BULK
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _chunks_later(bulk_id: int, ids: list[int]) -> None:
    size = max(1, _setting("CERTIFICATES_BULK_CHUNK", BULK_CHUNK))
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]

    def queue():
        for chunk in chunks:
            enqueue(BULK_CHUNK_TASK, bulk_id, ",".join(map(str, chunk)))

    transaction.on_commit(queue)


def certificates_bulk_render(*, bulk_id: int, certificate_ids: list[int]) -> None:
    """Render one chunk of a bulk issue. When any certificate of it fails, the chunk is done
    again one certificate at a time, and each one that fails is counted once as failed (it
    stays pending for the sweeper to retry)."""
    templates: dict = {}
    try:
        _render_chunk(certificate_ids, templates=templates)
        return
    except Exception:
        logger.warning("bulk issue %s: a chunk failed, rendering it one by one", bulk_id)
    for certificate_id in certificate_ids:
        try:
            _render(certificate_id, templates=templates)
        except Exception as exc:
            logger.exception("bulk issue %s: certificate %s failed", bulk_id, certificate_id)
            _bulk_count_failed(bulk_id, certificate_id, exc)


def _failure_marker(certificate_id: int) -> str:
    return f"[#{certificate_id}]"


def _latest_bulk_locked(cohort_id: int) -> BulkIssue | None:
    return (
        BulkIssue.objects.select_for_update()
        .filter(cohort_id=cohort_id, state__in=[BulkIssueState.RUNNING, BulkIssueState.DONE])
        .order_by("-pk")
        .first()
    )


def _bulk_count_issued(certificates: list[Certificate]) -> None:
    """Inside the render's transaction, so each certificate counts exactly once however many
    times its job runs. Taken last, so the bulk row is locked only for the commit. Every
    certificate of a bulk issue is for its one cohort."""
    if not certificates:
        return
    bulk = _latest_bulk_locked(certificates[0].cohort_id)
    if bulk is None:
        return
    counted = 0
    for certificate in certificates:
        marker = _failure_marker(certificate.pk)
        if marker in bulk.error:
            # Counted as failed earlier; a later attempt (the sweeper's) succeeded.
            bulk.failed = max(0, bulk.failed - 1)
            bulk.error = "".join(
                f"{line}\n" for line in bulk.error.splitlines() if marker not in line
            )
            counted += 1
        elif bulk.state == BulkIssueState.RUNNING:
            counted += 1
    if counted:
        bulk.issued += counted
        _bulk_save(bulk, "issued", "failed", "error")


def _bulk_count_failed(bulk_id: int, certificate_id: int, error: Exception) -> None:
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        still_pending = Certificate.objects.filter(
            pk=certificate_id, state=CertificateState.PENDING
        ).exists()
        if bulk is None or bulk.state != BulkIssueState.RUNNING or not still_pending:
            return
        marker = _failure_marker(certificate_id)
        if marker in bulk.error:
            return
        message = " ".join(str(error).split())[:300] or type(error).__name__
        bulk.failed += 1
        bulk.error = f"{bulk.error}{marker} {message}\n"
        _bulk_save(bulk, "failed", "error")


def _bulk_save(bulk: BulkIssue, *fields: str) -> None:
    """Write the counters of a locked status row, and close it when everyone is accounted for
    (an UPDATE alone: this runs once per certificate)."""
    values = {field: getattr(bulk, field) for field in fields}
    if bulk.state == BulkIssueState.RUNNING and (
        bulk.issued + bulk.skipped + bulk.failed >= bulk.total
    ):
        bulk.state = BulkIssueState.DONE
        bulk.finished_at = timezone.now()
        values.update(state=bulk.state, finished_at=bulk.finished_at)
    BulkIssue.objects.filter(pk=bulk.pk).update(**values)


def _bulk_finish_if_idle(bulk_id: int) -> None:
    """A running bulk issue with nothing of its own left pending is over, whatever its counts
    say (a participant withdrawn from the cohort meanwhile, a certificate deleted)."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state != BulkIssueState.RUNNING:
            return
        if Certificate.objects.filter(
            cohort_id=bulk.cohort_id,
            state=CertificateState.PENDING,
            source=CertificateSource.BULK,
        ).exists():
            return
        bulk.state = BulkIssueState.DONE
        bulk.finished_at = timezone.now()
        bulk.save(update_fields=["state", "finished_at"])


def certificates_bulk_fail(*, bulk_id: int, error: str) -> None:
    """Mark a bulk issue failed when its job itself broke (not one certificate)."""
    with transaction.atomic(durable=True):
        bulk = BulkIssue.objects.select_for_update().filter(pk=bulk_id).first()
        if bulk is None or bulk.state not in ACTIVE_BULK:
            return
        bulk.state = BulkIssueState.FAILED
        bulk.error = f"{bulk.error}{error}"[:4000]
        bulk.finished_at = timezone.now()
        bulk.save(update_fields=["state", "error", "finished_at"])


# --- events and the audit log -----------------------------------------------------------------


def _is_person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _person(actor):
    return actor if _is_person(actor) else None


def _emit(certificate: Certificate, verb: str) -> None:
    payload = {"certificate_id": certificate.pk, "user_id": certificate.user_id}
    for field in ("cohort_id", "activity_id", "module_id"):
        if getattr(certificate, field):
            payload[field] = getattr(certificate, field)
    emit(
        f"certificates.certificate.{verb}",
        key=f"certificates.certificate.{verb}:{certificate.pk}",
        payload=payload,
    )


def _audit(certificate: Certificate, action: str, actor, **data) -> None:
    log(
        instance=certificate,
        action=f"certificates.certificate.{action}",
        user=_person(actor),
        data={"state": certificate.state, "holder_name": certificate.holder_name, **data},
    )
