"""Forms for signing up, editing one's profile and resetting a password."""

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone
from django_countries import countries

from lms.models import Gender, Language, Level, Organisation, Profile, Sector, User

COUNTRY_CHOICES = [("", "— choose —"), *countries]


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        help_text="Exactly as it should appear on your certificates, with every accent.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    country = forms.ChoiceField(label="Country", choices=COUNTRY_CHOICES, required=False)
    preferred_language = forms.ChoiceField(
        label="Preferred language", choices=Language.choices, initial=Language.ENGLISH
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail address already exists. Log in, or reset your "
                "password if you have forgotten it.",
                code="email_taken",
            )
        return email

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            probe = User(email=cleaned.get("email") or "", first_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    organisation_name = forms.CharField(
        label="Organisation",
        max_length=200,
        required=False,
        help_text="Start typing to pick an existing organisation, or enter a new one.",
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
        labels = {"date_of_birth": "Date of birth (optional)", "gender": "Gender (optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.organisation_id:
            self.fields["organisation_name"].initial = self.instance.organisation.name
        self.fields["sector"].choices = [("", "— choose —"), *Sector.choices]
        self.fields["level"].choices = [("", "— choose —"), *Level.choices]
        self.fields["gender"].choices = [("", "— not given —"), *Gender.choices]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value is None:
            return value
        if value > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if value < datetime.date(1900, 1, 1):
            raise forms.ValidationError("Please check the year of the date of birth.")
        return value

    @staticmethod
    def organisation_options():
        return Organisation.objects.order_by("name").values_list("name", flat=True)[:500]


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the e-mail outbox like every other message."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from lms.services import email_queue

        email_queue(
            recipient=to_email,
            reason=f"password-reset:{context['uid']}:{context['token']}",
            subject="Reset your BSR Academy password",
            template="lms.password_reset",
            context=context,
        )
