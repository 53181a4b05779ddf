"""Shared kernel models: people (user, profile, organisation), the domain-event outbox with its
deliveries, the e-mail outbox, and the site's home page."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django_countries.fields import CountryField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lms.blocks import BaseStreamBlock


class Sector(models.TextChoices):
    FIRE_RESCUE = "fire_rescue", "Fire and rescue"
    POLICE = "police", "Police"
    BORDER_GUARD = "border_guard", "Border guard"
    COAST_GUARD = "coast_guard", "Coast guard"
    CUSTOMS = "customs", "Customs"
    CIVIL_PROTECTION = "civil_protection", "Civil-protection authority"
    MINISTRY = "ministry", "Ministry"
    MUNICIPALITY = "municipality", "Municipality"
    NGO = "ngo", "NGO / volunteer"
    RESEARCH = "research", "Research / education"
    YOUTH = "youth", "Youth organisation"
    OTHER = "other", "Other"


class Level(models.TextChoices):
    LOCAL = "local", "Local"
    REGIONAL = "regional", "Regional"
    NATIONAL = "national", "National"
    INTERNATIONAL = "international", "International"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Another gender"
    UNDISCLOSED = "undisclosed", "Prefer not to say"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    DANISH = "da", "Dansk"
    GERMAN = "de", "Deutsch"
    ESTONIAN = "et", "Eesti"
    ICELANDIC = "is", "Íslenska"
    LATVIAN = "lv", "Latviešu"
    LITHUANIAN = "lt", "Lietuvių"
    NORWEGIAN = "nb", "Norsk"
    POLISH = "pl", "Polski"
    FINNISH = "fi", "Suomi"
    SWEDISH = "sv", "Svenska"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


ERASED_NAME = "Erased participant"


class User(AbstractUser):
    """A person who logs in by e-mail address."""

    username = None
    email = models.EmailField("e-mail address", unique=True)

    # Set when the person's account was erased at their request: the row stays (with nothing
    # personal in it) so that counts and statistics that refer to it stay right.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Signed up but the address is not confirmed yet: the account cannot log in, and a new
    # sign-up with the same address replaces it (it holds nothing but the sign-up itself).
    signup_pending = models.BooleanField(default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lms_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def contact_address(self) -> str:
        """The e-mail address to show in lists and exports: none for an erased person."""
        return "" if self.erased_at is not None else self.email

    def get_full_name(self) -> str:
        if self.erased_at is not None:
            # Lists, exports and logs show this, never the pseudonymous address.
            return ERASED_NAME
        profile = getattr(self, "profile", None)
        if profile is not None and profile.full_name:
            return profile.full_name
        return super().get_full_name()


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    country = CountryField(blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "country", name="lms_organisation_name_country_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})" if self.country else self.name


class GuardianApproval(models.TextChoices):
    NOT_NEEDED = "", "Not needed"
    PENDING = "pending", "Waiting for a guardian's approval"
    APPROVED = "approved", "Approved by a guardian"


class Profile(models.Model):
    """What a participant tells us about themselves; the full name is printed on certificates."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    full_name = models.CharField(
        "full name",
        max_length=200,
        help_text="Exactly as it should appear on your certificates.",
    )
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    country = CountryField(blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    level = models.CharField(max_length=32, choices=Level.choices, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    guardian_email = models.EmailField(
        blank=True, help_text="Young people under their country's age of digital consent only."
    )
    guardian_approval = models.CharField(
        max_length=16, choices=GuardianApproval.choices, default=GuardianApproval.NOT_NEEDED
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.full_name

    @property
    def awaiting_guardian(self) -> bool:
        return self.guardian_approval == GuardianApproval.PENDING


class Event(models.Model):
    """A domain event in the outbox, written in the same transaction as the change it records."""

    name = models.CharField(max_length=120, db_index=True)
    key = models.CharField(max_length=255, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="lms_event_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.key}]"


class Delivery(models.Model):
    """One handler's handling of one event; the unique pair makes a second delivery a no-op."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed, will retry"
        DEAD = "dead", "Failed, gave up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="lms_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id}: {self.status}"


class OutgoingEmail(models.Model):
    """One e-mail per (recipient, reason): the row is locked while sending and skipped once sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, will retry"
        DEAD = "dead", "Failed, gave up"
        SUPPRESSED = "suppressed", "Not sent: the person has no e-mail address"

    recipient = models.EmailField()
    reason = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Small text attachments only (an .ics invitation): [{"filename", "mimetype", "content"}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When links with tokens (and attached files) were removed from the stored copy, once sent.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outgoing e-mail"
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reason"], name="lms_email_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


# Group members without an account, and erased people, get an address under this reserved
# top-level domain (RFC 2606): it can never receive mail, and the outbox suppresses it.
UNDELIVERABLE_DOMAIN = ".invalid"


def undeliverable(address: str) -> bool:
    return address.lower().endswith(UNDELIVERABLE_DOMAIN)


class DigitalConsentAge(models.Model):
    """The age below which a young person's own consent to data processing is not enough in a
    country (GDPR art. 8), valid from a date: the law changes, and history must stay."""

    country = CountryField()
    age = models.PositiveSmallIntegerField()
    valid_from = models.DateField()

    class Meta:
        ordering = ["country", "-valid_from"]
        verbose_name = "age of digital consent"
        verbose_name_plural = "ages of digital consent"
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
        return f"{self.country.name}: {self.age} from {self.valid_from:%Y-%m-%d}"


class ConsentPurpose(models.TextChoices):
    ACCOUNT = "account", "A young person's own account"
    ACTIVITY = "activity", "Taking part in an activity or cohort"


class PrivacyNotice(models.Model):
    """The plain-language notice a guardian reads before consenting; each consent records the
    version it was given under, so a later edit makes a new version instead."""

    version = models.CharField(max_length=20, unique=True)
    purpose = models.CharField(
        max_length=16,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.ACTIVITY,
        help_text="What guardians read it for: a place booked by a group, or a young person's "
        "own account.",
    )
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain language. Blank lines separate paragraphs.")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class ConsentState(models.TextChoices):
    PENDING = "pending", "Waiting for the guardian"
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "No longer needed"


class GuardianConsent(models.Model):
    """A guardian's consent for one minor and one subject (their own account, or a place in an
    activity or cohort, named by `subject_key` such as "enrolment:42" so that the kernel needs
    no link to the apps that ask for it): who gave it, when, and under which notice."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardian_consents")
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    subject_key = models.CharField(max_length=64, db_index=True)
    subject_title = models.CharField(max_length=300)
    guardian_email = models.EmailField()
    guardian_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=16, choices=ConsentState.choices, default=ConsentState.PENDING
    )
    notice = models.ForeignKey(
        PrivacyNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_name = models.CharField(
        max_length=200, blank=True, help_text="The name the guardian typed when deciding."
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
        DECIDE = "decide", "Give or refuse consent"
        WITHDRAW = "withdraw", "Withdraw consent"

    consent = models.ForeignKey(GuardianConsent, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_action_display()} link for consent {self.consent_id}"


def private_storage():
    return storages["private"]


class DataExportState(models.TextChoices):
    REQUESTED = "requested", "Waiting to start"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class DataExport(models.Model):
    """A person's "download my data": the status row its page polls, and the archive (JSON plus
    the person's files) in private storage once a background job has built it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(
        max_length=16, choices=DataExportState.choices, default=DataExportState.REQUESTED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
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


class HomePage(Page):
    """The site's front page."""

    intro = models.TextField(blank=True)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def route(self, request, path_components):
        """Find the deepest page along the path in one query instead of two per level, then let
        that page route what is left of the path (e.g. a module's step/<id>/ views)."""
        if not path_components:
            return super().route(request, path_components)
        prefixes = [
            f"{self.url_path}{'/'.join(path_components[:n])}/"
            for n in range(1, len(path_components) + 1)
        ]
        along = list(
            Page.objects.filter(url_path__in=prefixes, path__startswith=self.path).order_by(
                "-depth"
            )[: len(prefixes)]
        )
        if not along:
            raise Http404
        deepest = along[0].specific
        # Pages shown in breadcrumbs need their parent; it was found here already.
        parent = along[1] if len(along) > 1 and along[1].depth == deepest.depth - 1 else self
        deepest.routed_parent = parent
        remaining = path_components[deepest.depth - self.depth :]
        return deepest.route(request, remaining)

    def get_context(self, request, *args, **kwargs):
        from lms.selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(home=self)
        return context
