"""People: the user, their profile and organisation, and the choices profiles use."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


class Sector(models.TextChoices):
    FIRE_RESCUE = "fire_rescue", _("Fire and rescue")
    POLICE = "police", _("Police")
    BORDER_GUARD = "border_guard", _("Border guard")
    COAST_GUARD = "coast_guard", _("Coast guard")
    CUSTOMS = "customs", _("Customs")
    CIVIL_PROTECTION = "civil_protection", _("Civil-protection authority")
    MINISTRY = "ministry", _("Ministry")
    MUNICIPALITY = "municipality", _("Municipality")
    NGO = "ngo", _("NGO / volunteer")
    RESEARCH = "research", _("Research / education")
    YOUTH = "youth", _("Youth organisation")
    OTHER = "other", pgettext_lazy("sector", "Other")


class Level(models.TextChoices):
    LOCAL = "local", pgettext_lazy("level of an organisation", "Local")
    REGIONAL = "regional", pgettext_lazy("level of an organisation", "Regional")
    NATIONAL = "national", pgettext_lazy("level of an organisation", "National")
    INTERNATIONAL = "international", pgettext_lazy("level of an organisation", "International")


class Gender(models.TextChoices):
    FEMALE = "female", pgettext_lazy("gender", "Female")
    MALE = "male", pgettext_lazy("gender", "Male")
    OTHER = "other", _("Another gender")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


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
    UKRAINIAN = "uk", "Українська"


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


ERASED_NAME = _("Erased participant")


class User(AbstractUser):
    """A person who logs in by e-mail address."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

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
        verbose_name = _("user")
        verbose_name_plural = _("users")
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
            return str(ERASED_NAME)
        profile = getattr(self, "profile", None)
        if profile is not None and profile.full_name:
            return profile.full_name
        return super().get_full_name()


class Organisation(models.Model):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    country = CountryField(blank=True, verbose_name=_("country"))
    sector = models.CharField(
        max_length=32, choices=Sector.choices, blank=True, verbose_name=_("sector")
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "country", name="lms_organisation_name_country_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})" if self.country else self.name


class GuardianApproval(models.TextChoices):
    NOT_NEEDED = "", _("Not needed")
    PENDING = "pending", _("Waiting for a guardian's approval")
    APPROVED = "approved", _("Approved by a guardian")


class Profile(models.Model):
    """What a participant tells us about themselves; the full name is printed on certificates."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    full_name = models.CharField(
        _("full name"),
        max_length=200,
        help_text=_("Exactly as it should appear on your certificates."),
    )
    preferred_language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
        verbose_name=_("preferred language"),
    )
    country = CountryField(blank=True, verbose_name=_("country"))
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("organisation"),
    )
    sector = models.CharField(
        max_length=32, choices=Sector.choices, blank=True, verbose_name=_("sector")
    )
    level = models.CharField(
        max_length=32, choices=Level.choices, blank=True, verbose_name=_("level")
    )
    date_of_birth = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    gender = models.CharField(
        max_length=16, choices=Gender.choices, blank=True, verbose_name=_("gender")
    )
    guardian_email = models.EmailField(
        blank=True,
        help_text=_("Young people under their country's age of digital consent only."),
        verbose_name=_("guardian email"),
    )
    guardian_approval = models.CharField(
        max_length=16,
        choices=GuardianApproval.choices,
        default=GuardianApproval.NOT_NEEDED,
        verbose_name=_("guardian approval"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.full_name

    @property
    def awaiting_guardian(self) -> bool:
        return self.guardian_approval == GuardianApproval.PENDING
