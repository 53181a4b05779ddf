"""Forms of the group leader's pages: the group, a co-leader, a member, and a booking for chosen
members. The services check everything again; the forms catch what a person mistyped."""

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.groups import imports as member_imports
from cohorts.groups.models import GroupKind
from cohorts.groups.services import ALL, NOTE_MAX, PARTIAL, GroupData, MemberData
from lms.accounts.forms import country_choices

YEAR_INVALID = _("Enter the year of birth as four digits, e.g. 2011.")
BIRTH_DATE_HELP = _(
    "Only if you know it: it decides exactly when the member turns 18. "
    "Leaders see the age band only."
)


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the group"),
        max_length=200,
        help_text=_("For example “Jaunie glābēji Cēsis”."),
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    country = forms.ChoiceField(
        label=_("Country"),
        help_text=_("The group's places count against this country's share."),
        error_messages={"required": _("Please choose the group's country.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of group"),
        choices=[("", _("— choose —")), *GroupKind.choices],
        error_messages={"required": _("Please choose what kind of group it is.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    def data_object(self) -> GroupData:
        data = self.cleaned_data
        return GroupData(
            name=data["name"],
            organisation=data["organisation"],
            country=data["country"],
            kind=data["kind"],
        )


class LeaderForm(forms.Form):
    email = forms.EmailField(
        label=_("Co-leader's e-mail address"),
        max_length=254,
        help_text=_(
            "We e-mail them an invitation; they lead the group once they accept it, "
            "logged in with this address."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class MemberForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        error_messages={"invalid": YEAR_INVALID},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth (optional)"),
        required=False,
        help_text=BIRTH_DATE_HELP,
        error_messages={
            "invalid": _(
                "That date does not exist (for example 31 February); please check the "
                "day, month and year."
            )
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    guardian_name = forms.CharField(
        label=_("Parent or guardian's name"), max_length=200, required=False
    )
    guardian_email = forms.EmailField(
        label=_("Parent or guardian's e-mail address"),
        max_length=254,
        required=False,
        help_text=_("Needed for members under 18: the consent request goes to this address."),
    )
    guardian_phone = forms.CharField(
        label=_("Parent or guardian's phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    guardian_language = forms.ChoiceField(
        label=_("Language for the parent or guardian"),
        required=False,
        help_text=_(
            "The consent request, the consent page and the confirmation are written in it. "
            "Left as it is: the language of the group's country."
        ),
    )
    account_email = forms.EmailField(
        label=_("Leader's own account (optional)"),
        max_length=254,
        required=False,
        help_text=_(
            "To count one of this group's leaders as an accompanying adult, their "
            "account's e-mail address. Leave empty for a member without an account."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, with_account: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_account:
            del self.fields["account_email"]
        self.fields["guardian_language"].choices = [
            ("", _("The language of the group's country"))
        ] + [(code, name) for code, name in settings.LANGUAGES]

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        if year is not None and not 1000 <= year <= 9999:
            raise forms.ValidationError(YEAR_INVALID)
        return year

    def data_object(self) -> MemberData:
        data = self.cleaned_data
        return MemberData(
            first_name=data["first_name"],
            family_name=data["family_name"],
            birth_year=data["birth_year"],
            birth_date=data.get("birth_date"),
            guardian_name=data.get("guardian_name", ""),
            guardian_email=data.get("guardian_email", ""),
            guardian_phone=data.get("guardian_phone", ""),
            account_email=data.get("account_email", ""),
            guardian_language=data.get("guardian_language", ""),
        )


MODE_CHOICES = [
    (ALL, _("Everyone or nobody: if not all the chosen members can have a place, book nobody")),
    (PARTIAL, _("As many as fit: book the chosen members in list order while places last")),
]


class BookingForm(forms.Form):
    """Choose an activity or cohort, the members, and all-or-nothing or partial; a note per
    member (dietary or medical) goes in a `note_<member id>` field."""

    target = forms.ChoiceField(label=_("Activity or cohort"))
    members = forms.MultipleChoiceField(
        label=_("Members to book"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one member to book.")},
    )
    mode = forms.ChoiceField(
        label=_("If there are not enough places"),
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what to do if there are not enough places.")},
    )

    def __init__(self, *args, targets, members, age_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.age_on = age_on
        self.fields["target"].choices = [("", _("— choose —"))] + [
            (t.value, t.label) for t in targets
        ]
        self.fields["members"].choices = [(str(m.pk), m.full_name) for m in members]
        self.member_list = list(members)
        for member in self.member_list:
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label=_("Dietary or medical notes for %(name)s (optional)")
                % {"name": member.full_name},
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean_target(self) -> str:
        value = self.cleaned_data["target"]
        if not value:
            raise forms.ValidationError(_("Choose the activity or cohort to book."))
        return value

    def member_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["members"]]

    def notes(self) -> dict[int, str]:
        chosen = set(self.member_ids())
        return {
            member.pk: self.cleaned_data.get(f"note_{member.pk}", "")
            for member in self.member_list
            if member.pk in chosen and self.cleaned_data.get(f"note_{member.pk}")
        }

    def rows(self):
        """(member, checkbox, note field, age band) per member, for the template."""
        boxes = {str(box.data["value"]): box for box in self["members"]}
        return [
            (m, boxes.get(str(m.pk)), self[f"note_{m.pk}"], m.age_band(self.age_on))
            for m in self.member_list
        ]


MEMBER_IMPORT_MODES = [
    ("all", _("Add the members only if every row is valid")),
    ("valid", _("Add the valid rows and leave out the others")),
]


def _csv_help() -> str:
    return gettext("UTF-8, at most 10 MB. Columns: %(columns)s.") % {
        "columns": ", ".join(member_imports.MEMBER_COLUMNS)
    }


class MembersImportForm(forms.Form):
    """A class or troop list as a CSV file (the same reading and report as the nominee import)."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=lazy(_csv_help, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=_("If some rows have problems"),
        choices=MEMBER_IMPORT_MODES,
        initial="all",
        widget=forms.RadioSelect,
    )
