"""Forms for signing up, editing one's profile and resetting a password."""

import datetime
import logging
from functools import partial

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from lms import languages
from lms.accounts.models import Gender, Language, Level, Organisation, Profile, Sector, User
from lms.ages import age_on
from lms.consent.age import DEFAULT_CONSENT_AGE, digital_consent_age
from lms.mail.models import undeliverable
from lms.mail.services import email_queue
from lms.names import name_required
from lms.ratelimit import email_allowed

logger = logging.getLogger(__name__)

# The member states of the Council of the Baltic Sea States (the EU, also a member, is not a
# country: forms that take it list it next to them).
MEMBER_STATES = ("DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE")


def country_choices(*, first: tuple[str, ...] = MEMBER_STATES) -> list[tuple[str, str]]:
    """Every country for a select, with `first` (the member states) at the top: nearly
    everyone comes from one of them."""
    top = sorted(((code, countries.name(code)) for code in first), key=lambda c: c[1])
    rest = [(code, name) for code, name in countries if code not in first]
    return [("", _("— choose —")), *top, *rest]


# People: the member states and the European Union first.
PERSON_COUNTRIES = (*MEMBER_STATES, "EU")
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def date_of_birth_check(value: datetime.date | None) -> datetime.date | None:
    """A date of birth a living person can have: not in the future, not before 1900."""
    if value is None:
        return value
    if value > timezone.localdate():
        raise forms.ValidationError(_("The date of birth cannot be in the future."))
    if value < EARLIEST_BIRTH:
        raise forms.ValidationError(_("Please check the year of the date of birth."))
    return value


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label=gettext_lazy("Full name"),
        max_length=200,
        help_text=gettext_lazy(
            "Exactly as it should appear on your certificates, with every accent."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        help_text=gettext_lazy(
            "Young people under their country's age of digital consent (13 to 16) need "
            "a parent's or guardian's approval for their account."
        ),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=partial(country_choices, first=PERSON_COUNTRIES),
        required=False,
    )
    guardian_email = forms.EmailField(
        label=gettext_lazy("Parent's or guardian's e-mail"),
        max_length=254,
        required=False,
        help_text=gettext_lazy(
            "Only if you are under your country's age of digital consent: we ask them to "
            "approve your account."
        ),
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"), choices=Language.choices, initial=Language.ENGLISH
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never said here
        # (lms.accounts.services.signup_request).
        return self.cleaned_data["email"].strip().lower()

    def clean_full_name(self) -> str:
        return name_required(self.cleaned_data["full_name"])

    def clean_date_of_birth(self):
        return date_of_birth_check(self.cleaned_data.get("date_of_birth"))

    def clean_guardian_email(self) -> str:
        address = self.cleaned_data.get("guardian_email", "").strip().lower()
        if address and undeliverable(address):
            raise forms.ValidationError(
                _(
                    "This address cannot receive e-mail: enter your parent's or guardian's own "
                    "address."
                )
            )
        return address

    def clean(self):
        cleaned = super().clean()
        self._guardian_clean(cleaned)
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            probe = User(email=cleaned.get("email") or "", first_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    # Set by clean(): whether the account waits for a guardian, and the age that decided it.
    needs_guardian = False
    consent_age = DEFAULT_CONSENT_AGE

    def _guardian_clean(self, cleaned: dict) -> None:
        """Under the country's age of digital consent on the day of sign-up, a guardian's
        e-mail (not the young person's own) is required; above it, none is kept."""
        born = cleaned.get("date_of_birth")
        if born is None or "country" in self.errors:
            return
        today = timezone.localdate()
        country = cleaned.get("country") or ""
        self.consent_age = digital_consent_age(country=country, on=today)
        self.needs_guardian = age_on(birth_date=born, on=today) < self.consent_age
        if not self.needs_guardian:
            # The field does not apply: neither kept nor allowed to block the sign-up.
            self._errors.pop("guardian_email", None)
            cleaned["guardian_email"] = ""
            return
        guardian = cleaned.get("guardian_email")
        if "guardian_email" in self.errors:
            return
        if not guardian:
            self.add_error(
                "guardian_email",
                forms.ValidationError(
                    self._guardian_required_text(country),
                    code="guardian_required",
                ),
            )
        elif guardian == cleaned.get("email"):
            self.add_error(
                "guardian_email",
                forms.ValidationError(
                    _("Enter your parent's or guardian's own e-mail address, not yours."),
                    code="guardian_is_self",
                ),
            )

    def _guardian_required_text(self, country: str) -> str:
        if country:
            return _(
                "You are under %(age)s, the age of digital consent in %(country)s. Enter the "
                "e-mail address of a parent or guardian: we will ask them to approve your "
                "account."
            ) % {"age": self.consent_age, "country": countries.name(country)}
        return _(
            "You are under %(age)s, the age of digital consent that applies when no country "
            "is chosen. Enter the e-mail address of a parent or guardian: we will ask them to "
            "approve your account."
        ) % {"age": self.consent_age}


PENDING_HIDDEN_FIELDS = (
    "country",
    "organisation_name",
    "sector",
    "level",
    "date_of_birth",
    "gender",
)


class ProfileForm(forms.ModelForm):
    organisation_name = forms.CharField(
        label=gettext_lazy("Organisation"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Start typing to pick an existing organisation, or enter a new one."
        ),
        widget=forms.TextInput(attrs={"list": "organisation-options", "autocomplete": "off"}),
    )

    class Meta:
        model = Profile
        fields = [
            "full_name",
            "preferred_language",
            "country",
            "organisation_name",
            "sector",
            "level",
            "date_of_birth",
            "gender",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }
        labels = {
            "date_of_birth": gettext_lazy("Date of birth (optional)"),
            "gender": gettext_lazy("Gender (optional)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.organisation_id:
            self.fields["organisation_name"].initial = self.instance.organisation.name
        if "country" in self.fields:
            self.fields["country"].choices = country_choices(first=PERSON_COUNTRIES)
        self.fields["sector"].choices = [("", _("— choose —")), *Sector.choices]
        self.fields["level"].choices = [("", _("— choose —")), *Level.choices]
        self.fields["gender"].choices = [("", _("— not given —")), *Gender.choices]
        # An account waiting for a guardian keeps only the minimum: the name and language can
        # be corrected; country and date of birth (which decided the approval) are shown, not
        # edited; nothing more can be added until a guardian has approved.
        self.awaiting_guardian = bool(self.instance and self.instance.awaiting_guardian)
        if self.awaiting_guardian:
            for name in PENDING_HIDDEN_FIELDS:
                del self.fields[name]

    def clean_full_name(self) -> str:
        return name_required(self.cleaned_data["full_name"])

    def clean_date_of_birth(self):
        return date_of_birth_check(self.cleaned_data.get("date_of_birth"))

    @staticmethod
    def organisation_options():
        return Organisation.objects.order_by("name").values_list("name", flat=True)[:500]


class GuardianResendForm(forms.Form):
    guardian_email = forms.EmailField(
        label=gettext_lazy("Parent's or guardian's e-mail"),
        max_length=254,
        help_text=gettext_lazy(
            "Correct it if it was mistyped; the earlier request then stops working."
        ),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the e-mail outbox like every other message, at most a
    few per address and per client an hour (lms.ratelimit); the page answers the same either
    way. The token travels in the e-mail only, never in the outbox's reason."""

    def save(self, *args, request=None, **kwargs):
        address = self.cleaned_data["email"]
        if not email_allowed(scope="password-reset", address=address, request=request):
            logger.warning("Password-reset e-mail not sent: over the hourly limit.")
            return
        super().save(*args, request=request, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        # The token itself stays out of the reason (it is a key to the account). The e-mail is
        # in the account holder's language, not the language of the page that asked for it.
        with languages.reading(languages.of_user(user)):
            email_queue(
                recipient=to_email,
                reason=f"password-reset:{user.pk}:{timezone.now():%Y%m%dT%H%M%S.%f}",
                subject=_("Reset your BSR Academy password"),
                template="lms.password_reset",
                context=context,
            )
