"""Participant-side forms of cohorts: the application with the cohort's own questions, a focal
point's nomination and substitution, and the nominee's confirmation."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cohorts.places.services import Nominee
from lms.models import Level, Sector
from lms.names import name_required

ANSWER_MAX = 5000
WITHDRAW_REASON_MAX = 1000


class WithdrawForm(forms.Form):
    """Giving up a place: why is asked, never required; it is kept with the withdrawal."""

    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        help_text=_("It helps the programme staff plan; they see it with your withdrawal."),
        required=False,
        max_length=WITHDRAW_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApplicationForm(forms.Form):
    """One field per question of the cohort, in the order staff set."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            widget = (
                forms.Textarea(attrs={"rows": 6})
                if question.long_answer
                else forms.TextInput(attrs={"autocomplete": "off"})
            )
            self.fields[question.field_name] = forms.CharField(
                label=question.label,
                help_text=question.help_text,
                required=question.required,
                max_length=ANSWER_MAX,
                widget=widget,
            )

    def answers(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value}


def _choices(choices) -> list:
    return [("", _("— choose —")), *choices]


class PersonFields(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=_("Exactly as it should appear on certificates, with every accent."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=_choices(Sector.choices))
    level = forms.ChoiceField(label=_("Level"), choices=_choices(Level.choices))

    def clean_full_name(self) -> str:
        return name_required(
            self.cleaned_data["full_name"], message=_("Please enter the full name.")
        )

    def clean_organisation_name(self) -> str:
        return name_required(
            self.cleaned_data["organisation_name"], message=_("Please enter the organisation.")
        )


class NominationForm(PersonFields):
    """A focal point nominates one person; the country is one of theirs."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The invitation to confirm the place goes to this address."),
    )
    country = forms.ChoiceField(label=_("Country"))
    field_order = ["email", "full_name", "country", "organisation_name", "sector", "level"]

    def __init__(self, *args, country_codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            (code, countries.name(code) or code) for code in country_codes
        ]
        self.fields["country"].error_messages["invalid_choice"] = _(
            "You can nominate only for your own country."
        )
        if len(country_codes) == 1:
            self.fields["country"].initial = country_codes[0]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def nominee(self, *, country: str | None = None) -> Nominee:
        data = self.cleaned_data
        return Nominee(
            email=data["email"],
            full_name=data["full_name"],
            country=country or data["country"],
            organisation_name=data["organisation_name"],
            sector=data["sector"],
            level=data["level"],
        )


class SubstituteForm(NominationForm):
    """The same person's details, for the country of the place being passed on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["country"]


class NomineeConfirmForm(PersonFields):
    """The nominee checks their details and, for a new account, chooses a password."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.needs_password = not user.has_usable_password()
        if not self.needs_password:
            del self.fields["password1"]
            del self.fields["password2"]
        else:
            # Built per form, so that the validators' advice is in the reader's language.
            self.fields[
                "password1"
            ].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        if not self.needs_password:
            return cleaned
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
