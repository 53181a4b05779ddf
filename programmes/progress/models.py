"""Participants' learning progress through a module: steps done and knowledge-check attempts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.pages.models import ModulePage


class ModuleProgress(models.Model):
    """Where one participant stands in one module."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_progress"
    )
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(default=timezone.now)
    last_step_id = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="programmes_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.module}"


class StepProgress(models.Model):
    """One lesson step done by one participant; a reflection's text stays private to them."""

    progress = models.ForeignKey(ModuleProgress, on_delete=models.CASCADE, related_name="steps")
    step_id = models.CharField(max_length=64)
    done_at = models.DateTimeField(default=timezone.now)
    reflection = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["progress", "step_id"], name="programmes_step_once")
        ]

    def __str__(self) -> str:
        return f"step {self.step_id} of {self.progress}"


class QuizAttempt(models.Model):
    progress = models.ForeignKey(
        ModuleProgress, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    step_id = models.CharField(max_length=64)
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(help_text=_("Per cent of questions answered right."))
    passed = models.BooleanField()
    nonce = models.CharField(
        max_length=64,
        help_text=_("SHA-256 of the signed quiz form: one submission per form shown."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["progress", "nonce"], name="programmes_attempt_once"),
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="programmes_attempt_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}% on step {self.step_id} of {self.progress}"
