"""Matching runs of a cohort's accepted participants and the peer groups a published run made."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cohorts.places.models import Cohort, Enrolment

# --- peer-group matching ----------------------------------------------------------------------


class MatchingRunState(models.TextChoices):
    REQUESTED = "requested", _("Waiting to start")
    RUNNING = "running", pgettext_lazy("matching run state", "Running")
    DONE = "done", pgettext_lazy("matching run state", "Done")
    FAILED = "failed", pgettext_lazy("matching run state", "Failed")


class MatchingRun(models.Model):
    """One matching of a cohort's accepted participants into peer groups: its parameters and
    seed, the status row its page polls, and the result (groups of enrolment ids, score, bound,
    gap, violations by rule, per-group explanation). Staff adjustments edit `groups` in place;
    publishing copies them into PeerGroup rows."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="matching_runs")
    number = models.PositiveIntegerField(help_text=_("Run 1, 2, … within the cohort."))
    state = models.CharField(
        max_length=16, choices=MatchingRunState.choices, default=MatchingRunState.REQUESTED
    )
    params = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(default=0)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rematches"
    )
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    participants = models.PositiveIntegerField(default=0)
    groups = models.JSONField(default=list, blank=True)
    score = models.FloatField(null=True, blank=True)
    upper_bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    proven_optimal = models.BooleanField(default=False)
    violations = models.JSONField(default=dict, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    moves = models.PositiveIntegerField(null=True, blank=True)
    adjustments = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "number"], name="cohorts_matching_run_number"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(cohort)s — matching run %(number)s") % {
            "cohort": self.cohort,
            "number": self.number,
        }


class PeerGroup(models.Model):
    """A published peer group; a cohort's groups are replaced whole when a run is published."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="peer_groups")
    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="peer_groups")
    number = models.PositiveIntegerField()
    explanation = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="cohorts_peer_group_number"),
        ]

    def __str__(self) -> str:
        return gettext("%(cohort)s — peer group %(number)s") % {
            "cohort": self.cohort,
            "number": self.number,
        }


class PeerGroupMember(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="members")
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="peer_group_membership"
    )

    def __str__(self) -> str:
        return f"{self.enrolment} in {self.group}"
