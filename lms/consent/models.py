"""Guardian consent: ages of digital consent per country, privacy notices, consents and their
single-use tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


class DigitalConsentAge(models.Model):
    """The age below which a young person's own consent to data processing is not enough in a
    country (GDPR art. 8), valid from a date: the law changes, and history must stay."""

    country = CountryField(verbose_name=_("country"))
    age = models.PositiveSmallIntegerField(verbose_name=_("age"))
    valid_from = models.DateField(verbose_name=_("valid from"))

    class Meta:
        ordering = ["country", "-valid_from"]
        verbose_name = _("age of digital consent")
        verbose_name_plural = _("ages of digital consent")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "valid_from"], name="lms_consent_age_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(age__gte=13) & models.Q(age__lte=16),
                name="lms_consent_age_between_13_and_16",
            ),
        ]

    def __str__(self) -> str:
        return _("%(country)s: %(age)s from %(day)s") % {
            "country": self.country.name,
            "age": self.age,
            "day": self.valid_from.isoformat(),
        }


class ConsentPurpose(models.TextChoices):
    ACCOUNT = "account", _("A young person's own account")
    ACTIVITY = "activity", _("Taking part in an activity or cohort")


class PrivacyNotice(models.Model):
    """The plain-language notice a guardian reads before consenting; each consent records the
    version it was given under, so a later edit makes a new version instead."""

    version = models.CharField(max_length=20, unique=True, verbose_name=_("version"))
    purpose = models.CharField(
        max_length=16,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.ACTIVITY,
        help_text=_(
            "What guardians read it for: a place booked by a group, or a young person's "
            "own account."
        ),
        verbose_name=_("purpose"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(
        help_text=_("Plain language. Blank lines separate paragraphs."), verbose_name=_("body")
    )
    published_at = models.DateTimeField(default=timezone.now, verbose_name=_("published at"))

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return _("%(title)s (version %(version)s)") % {"title": self.title, "version": self.version}


class ConsentState(models.TextChoices):
    PENDING = "pending", _("Waiting for the guardian")
    GIVEN = "given", pgettext_lazy("consent state", "Given")
    REFUSED = "refused", pgettext_lazy("consent state", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("consent state", "Withdrawn")
    CANCELLED = "cancelled", _("No longer needed")


class GuardianConsent(models.Model):
    """A guardian's consent for one minor and one subject (their own account, or a place in an
    activity or cohort, named by `subject_key` such as "enrolment:42" so that the kernel needs
    no link to the apps that ask for it): who gave it, when, and under which notice."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_consents"
    )
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    subject_key = models.CharField(max_length=64, db_index=True)
    subject_title = models.CharField(max_length=300)
    guardian_email = models.EmailField()
    guardian_name = models.CharField(max_length=200, blank=True)
    # The language the guardian is written to in (e-mails, the consent page): chosen by the
    # group leader, else the young person's; empty on rows made before it was kept.
    guardian_language = models.CharField(max_length=8, blank=True, default="", db_default="")
    state = models.CharField(
        max_length=16, choices=ConsentState.choices, default=ConsentState.PENDING
    )
    notice = models.ForeignKey(
        PrivacyNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_name = models.CharField(
        max_length=200, blank=True, help_text=_("The name the guardian typed when deciding.")
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=models.Q(state__in=["pending", "given"]),
                name="lms_consent_one_open_per_subject",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.subject_title} ({self.get_state_display()})"


class ConsentToken(models.Model):
    """A single-use link for a guardian: only the SHA-256 of the 256-bit token is stored."""

    class Action(models.TextChoices):
        DECIDE = "decide", _("Give or refuse consent")
        WITHDRAW = "withdraw", _("Withdraw consent")

    consent = models.ForeignKey(GuardianConsent, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} link for consent {self.consent_id}"
