"""Data exports: a person's download of everything kept about them, while it is prepared and
kept."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lms import storage


def private_storage():
    # The lazy proxy, not the storage itself: a field keeps what this returns at start-up.
    return storage.private_storage


class DataExportState(models.TextChoices):
    REQUESTED = "requested", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready to download")
    FAILED = "failed", pgettext_lazy("data export state", "Failed")


class DataExport(models.Model):
    """A person's "download my data": the status row its page polls, and the archive (JSON plus
    the person's files) in private storage once a background job has built it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    state = models.CharField(
        max_length=16, choices=DataExportState.choices, default=DataExportState.REQUESTED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    step = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="data-exports/", storage=private_storage, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"data export {self.pk} of user {self.user_id} ({self.state})"
