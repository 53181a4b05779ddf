"""Who is asked to answer a survey, and when: a survey's targets (a cohort, an activity or a
module, with a trigger) and the invitations they create, each with a single-use token, its
reminders and, while unfinished, the person's draft answers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cohorts.places.models import Cohort
from lms.models import Sector


class SurveyTrigger(models.TextChoices):
    ACCEPTED = "accepted", _("When a place is accepted (before the programme)")
    ACTIVITY_ENDED = "activity_ended", _("Some days after the activity ends (feedback)")
    MODULE_COMPLETED = "module_completed", _("When the module is completed")
    MANUAL = "manual", _("Sent by hand")


class SurveyTarget(models.Model):
    """A survey attached to a cohort, an activity or a module, with the trigger that invites
    people and how often non-respondents are reminded. With a cohort and an activity or module,
    only the cohort's members are invited, and the answers count as the cohort's."""

    survey = models.ForeignKey(
        "programmes.SurveyPage",
        on_delete=models.CASCADE,
        related_name="targets",
        verbose_name=_("survey"),
    )
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_targets",
        verbose_name=_("cohort"),
    )
    activity = models.ForeignKey(
        "programmes.ActivityPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_targets",
        verbose_name=_("activity"),
    )
    module = models.ForeignKey(
        "programmes.ModulePage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_targets",
        verbose_name=_("module"),
    )
    trigger = models.CharField(
        max_length=20, choices=SurveyTrigger.choices, verbose_name=_("trigger")
    )
    days_after = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("For “after the activity ends”: how many days after."),
        verbose_name=_("days after"),
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        default=7,
        help_text=_("Days between the invitation and each reminder."),
        verbose_name=_("reminder interval days"),
    )
    max_reminders = models.PositiveSmallIntegerField(
        default=2,
        help_text=_("Most reminders one person gets; 0: none."),
        verbose_name=_("max reminders"),
    )
    active = models.BooleanField(
        default=True, help_text=_("Inactive: nobody new is invited."), verbose_name=_("active")
    )
    fired_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the activity trigger fired."),
        verbose_name=_("fired at"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("survey target")
        verbose_name_plural = _("survey targets")
        ordering = ["survey", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trigger="activity_ended") | Q(activity__isnull=False),
                name="cohorts_survey_target_activity_trigger",
            ),
            models.CheckConstraint(
                condition=~Q(trigger="module_completed") | Q(module__isnull=False),
                name="cohorts_survey_target_module_trigger",
            ),
            models.CheckConstraint(
                condition=~Q(trigger__in=["accepted", "manual"])
                | Q(cohort__isnull=False)
                | Q(activity__isnull=False),
                name="cohorts_survey_target_has_people",
            ),
            models.CheckConstraint(
                condition=Q(reminder_interval_days__gte=1), name="cohorts_survey_reminder_days"
            ),
        ]

    def __str__(self) -> str:
        about = self.cohort or self.activity or self.module
        return f"{self.survey} — {about} ({self.get_trigger_display().lower()})"

    def clean(self):
        errors = {}
        if self.trigger == SurveyTrigger.ACTIVITY_ENDED and not self.activity_id:
            errors["activity"] = _("Choose the activity whose end triggers the survey.")
        if self.trigger == SurveyTrigger.MODULE_COMPLETED and not self.module_id:
            errors["module"] = _("Choose the module whose completion triggers the survey.")
        if self.trigger in (SurveyTrigger.ACCEPTED, SurveyTrigger.MANUAL):
            if not (self.cohort_id or self.activity_id):
                errors["cohort"] = _(
                    "Choose the cohort (or the activity) whose people are invited."
                )
            if self.module_id:
                errors["module"] = _("A module is used only with the “module completed” trigger.")
        if self.trigger != SurveyTrigger.MODULE_COMPLETED and self.activity_id and self.module_id:
            errors["module"] = _("Choose an activity or a module, not both.")
        if self.reminder_interval_days is not None and self.reminder_interval_days < 1:
            errors["reminder_interval_days"] = _("At least one day between reminders.")
        if errors:
            raise ValidationError(errors)


class SurveyInvitation(models.Model):
    """One person asked to answer one survey through one target: sent once, reminded up to the
    target's maximum, answered once. Only a digest of the link's token is stored; the token is
    re-derived from `token_salt` with the site's secret key for reminders.

    For an anonymous survey the invitation records only *that* it was answered: `response`
    stays empty and the draft is emptied when the answers are sent."""

    target = models.ForeignKey(SurveyTarget, on_delete=models.CASCADE, related_name="invitations")
    survey = models.ForeignKey(
        "programmes.SurveyPage", on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    country = CountryField(blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    token_salt = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        "programmes.SurveyResponse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "user"], name="cohorts_invitation_once"),
        ]
        indexes = [models.Index(fields=["survey", "cohort"])]

    def __str__(self) -> str:
        return f"{self.survey} → {self.user}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


__all__ = ["SurveyInvitation", "SurveyTarget", "SurveyTrigger"]
