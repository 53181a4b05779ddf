"""Attendance of activities: an activity's attendance rule and sessions, participant passes and
who was present at each session."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.places.models import Enrolment
from lms.tokens import derived_token

# --- attendance -------------------------------------------------------------------------------


class AttendanceRule(models.TextChoices):
    ALL_SESSIONS = "all", _("Present at every session")
    HOURS_PERCENT = "hours", _("Present for a share of the hours")


class ActivityAttendance(models.Model):
    """How attendance of one activity is taken: who runs the check-in desk, and when a person
    counts as having attended."""

    activity = models.OneToOneField(
        "programmes.ActivityPage",
        on_delete=models.CASCADE,
        related_name="attendance_setup",
        verbose_name=_("activity"),
    )
    staff_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staffed_activity",
        help_text=_("Members run this activity's check-in desk (besides its cohorts' staff)."),
        verbose_name=_("staff group"),
    )
    rule = models.CharField(
        max_length=8,
        choices=AttendanceRule.choices,
        default=AttendanceRule.ALL_SESSIONS,
        verbose_name=_("rule"),
    )
    min_percent = models.PositiveSmallIntegerField(
        default=80,
        help_text=_("For the share-of-hours rule: the least share, in per cent."),
        verbose_name=_("min percent"),
    )

    class Meta:
        verbose_name = _("activity attendance")
        verbose_name_plural = _("activity attendances")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_percent__gte=1, min_percent__lte=100),
                name="cohorts_attendance_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Attendance of %(activity)s") % {"activity": self.activity}


class ActivitySession(models.Model):
    """A day or a session of an activity, with the hours it counts for."""

    activity = models.ForeignKey(
        "programmes.ActivityPage",
        on_delete=models.CASCADE,
        related_name="attendance_sessions",
        verbose_name=_("activity"),
    )
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    hours = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("hours"))

    class Meta:
        verbose_name = _("activity session")
        verbose_name_plural = _("activity sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="cohorts_session_dates"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="cohorts_session_hours"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.activity} — {self.starts_at:%Y-%m-%d}"


class ParticipantPass(models.Model):
    """The pass of one place at an activity: its QR code carries `token` (256 bits, used for
    nothing but check-in), derived from `token_salt` with the site's secret key; only its
    digest is stored (lms.tokens). A new pass replaces a revoked one."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="participant_pass"
    )
    token_salt = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    LINK_PURPOSE = "cohorts.pass"

    def __str__(self) -> str:
        return f"pass of {self.enrolment}"

    @property
    def token(self) -> str:
        return derived_token(self.LINK_PURPOSE, self.token_salt)


class AttendanceStatus(models.TextChoices):
    # Translators: an attendance status.
    PRESENT = "present", _("Present")
    # Translators: an attendance status.
    ABSENT = "absent", _("Absent")
    # Translators: an attendance status (an absence that was excused).
    EXCUSED = "excused", _("Excused")


class AttendanceRecord(models.Model):
    """One person's attendance at one session; corrections update it and go to the audit log."""

    session = models.ForeignKey(ActivitySession, on_delete=models.CASCADE, related_name="records")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=8, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=16, blank=True, help_text=_("scan, search or list"))

    class Meta:
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="cohorts_attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} — {self.session}: {self.get_status_display()}"
