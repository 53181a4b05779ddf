"""Issuing a certificate once per person and cohort, activity or module: the pending row with
everything it will print, rendered later by a job."""

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from certificates.errors import CertificatesError
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
)
from certificates.services.base import RENDER_TASK, audit, person
from certificates.services.targets import Target, certificate_template_for, programme_of, target_of
from cohorts.models import CONFIRMED, ActivitySession, Cohort, Enrolment, EnrolmentState
from lms import languages
from lms.ages import is_minor_on
from lms.jobs import enqueue_on_commit
from lms.names import name_clean
from programmes.models import ActivityPage, ModulePage, ModuleProgress, ProgrammePage

logger = logging.getLogger(__name__)

# An activity shorter than this prints its duration as {hours}; a longer one (several days)
# needs the template's hours or its attendance sessions.
ACTIVITY_HOURS_MAX = 12


def _current(user_id: int, target: Target) -> Certificate | None:
    return (
        Certificate.objects.filter(user_id=user_id, **target.filter)
        .exclude(state=CertificateState.REPLACED)
        .first()
    )


def _eligible(user, target: Target) -> bool:
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


def _place(target: Target) -> str:
    if target.field == "cohort":
        country = target.obj.presidency_country
        return country.name if country else ""
    if target.field == "activity":
        activity = target.obj
        country = activity.venue_country.name if activity.venue_country else ""
        where = ", ".join(part for part in (activity.venue_city, country) if part)
        # Translators: printed on a certificate as the place of an activity held online.
        return where or (pgettext("activity place", "Online") if activity.online_url else "")
    return ""


def _dates(user, target: Target, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
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


def translations_of(template: CertificateTemplate) -> set[str]:
    """The languages the template has a translation in."""
    return set(template.translations.values_list("language", flat=True))


def _languages(template: CertificateTemplate, user, translations: set[str]) -> str:
    """The languages printed, e.g. "en" or "en,lv" (the holder's language second, when the
    template has a translation in it)."""
    profile = getattr(user, "profile", None)
    preferred = profile.preferred_language if profile is not None else ""
    if preferred and preferred != template.language and preferred in translations:
        return f"{template.language},{preferred}"
    return template.language


def snapshot_fields(
    *,
    user,
    target: Target,
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
            gettext(
                "%(email)s has no name in their profile yet: the certificate needs the name to "
                "print. Ask them to fill in their full name first."
            )
            % {"email": user.email},
        )
    now = timezone.now()
    today = timezone.localdate(now)
    profile = getattr(user, "profile", None)
    born = profile.date_of_birth if profile is not None else None
    date_start, date_end = _dates(user, target, today)
    hours = template.hours
    if hours is None and target.field == "activity":
        hours = _activity_hours(target.obj)
    # The place is part of the printed wording: in the template's main language.
    with languages.reading(template.language):
        place = _place(target)
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
        "place": place,
        "language": _languages(
            template, user, translations_of(template) if translations is None else translations
        ),
        "issued_at": now,
    }


def insert_once(fields: dict) -> tuple[Certificate, bool]:
    """Insert the pending row, or find the one a concurrent issue committed first: the partial
    unique constraint decides, the savepoint keeps the caller's transaction usable."""
    target_field = next(f for f in ("cohort", "activity", "module") if fields.get(f) is not None)
    try:
        with transaction.atomic():
            return Certificate.objects.create(**fields), True
    except IntegrityError:
        target = Target(target_field, fields[target_field])
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


def render_later(certificate_id: int) -> None:
    """Queue the rendering job once the transaction commits."""
    enqueue_on_commit(RENDER_TASK, certificate_id)


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
    target = target_of(cohort, activity, module)
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
            gettext(
                "No certificate template applies to “%(title)s”. Add an active %(kind)s "
                "template for it first."
            )
            % {"title": target.title, "kind": CertificateKind(target.kind).label.lower()},
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
                + " "
                + gettext(
                    "Nothing was issued: give the reason for issuing anyway (it is kept in the "
                    "audit log), or wait until the person has completed."
                ),
            )
    with transaction.atomic():
        fields = snapshot_fields(
            user=user, target=target, template=template, programme=programme_of(target)
        )
        certificate, created = insert_once(
            {**fields, "source": source, "requested_by": person(requested_by)}
        )
        if created:
            if source == CertificateSource.MANUAL:
                extra = (
                    {"override_reason": override_reason, "concerns": concerns} if concerns else {}
                )
                audit(certificate, "issue", requested_by, **extra)
            render_later(certificate.pk)
    return certificate


def _day(value: dt.date) -> str:
    return date_format(value, "DATE_FORMAT")


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
    target = target_of(cohort, activity, module)
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
        label = EnrolmentState(state).label.lower() if state else gettext("no place")
        concerns = [
            # Translators: the last part is the person's place, e.g. "(accepted)".
            gettext("%(name)s has not completed “%(title)s” (%(state)s).")
            % {"name": name, "title": obj.title, "state": label}
        ]
        if obj.starts_on > today:
            concerns.append(
                gettext("“%(title)s” has not started yet: it starts on %(day)s.")
                % {"title": obj.title, "day": _day(obj.starts_on)}
            )
        return concerns
    if target.field == "activity":
        if Enrolment.objects.filter(user=user, activity=obj, attended_at__isnull=False).exists():
            return []
        concerns = [
            gettext("%(name)s is not recorded as having attended “%(title)s”.")
            % {"name": name, "title": obj.title}
        ]
        if obj.starts_at > timezone.now():
            first_day = timezone.localtime(obj.starts_at, obj.tz).date()
            concerns.append(
                gettext("“%(title)s” has not taken place yet: it starts on %(day)s.")
                % {"title": obj.title, "day": _day(first_day)}
            )
        return concerns
    if ModuleProgress.objects.filter(user=user, module=obj, completed_at__isnull=False).exists():
        return []
    return [
        gettext("%(name)s has not completed the module “%(title)s”.")
        % {"name": name, "title": target.title}
    ]


def _not_eligible_message(user, target: Target) -> str:
    name = _holder_name(user) or user.email
    values = {"name": name, "title": target.title}
    if target.field == "cohort":
        return (
            gettext(
                "%(name)s is not an accepted or completed participant of “%(title)s”: "
                "only they can receive its certificate."
            )
            % values
        )
    if target.field == "activity":
        return gettext("%(name)s has no confirmed place at “%(title)s”.") % values
    return gettext("%(name)s has not completed the module “%(title)s” yet.") % values
