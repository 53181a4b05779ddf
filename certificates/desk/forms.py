"""Forms of the certificates admin: the template editor's checks that span fields and
translations, and the staff forms to revoke and reissue a certificate."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from certificates.documents.wording import PLACEHOLDERS, wording_errors
from certificates.models import CertificateKind

PLACEHOLDER_HELP = {
    "name": _("the holder's name, exactly as in their profile"),
    "programme": _("the programme's title"),
    "cohort": _("the cohort, e.g. “BEP 2026 — Finnish presidency”"),
    "activity": _("the activity's title"),
    "module": _("the module's title"),
    "date_start": _("the first day"),
    "date_end": _("the last day"),
    "dates": _("both days, or the one day"),
    "hours": _("the hours below, or the activity's"),
    "place": _("the venue, or the presidency country"),
}


def _wording_help() -> str:
    listed = "; ".join(
        f"{{{name}}} {PLACEHOLDER_HELP.get(name, '')}".strip() for name in PLACEHOLDERS
    )
    return gettext(
        "One paragraph per line. Placeholders are filled in for each holder: %(placeholders)s. "
        "A placeholder with no value prints as nothing. Write {{ or }} for a literal brace."
    ) % {"placeholders": listed}


# In the editor's language, whenever the form is shown.
WORDING_HELP = lazy(_wording_help, str)()
TRANSLATIONS_HELP = _(
    "A bilingual certificate: the main text above (usually English) and, under it, the "
    "holder's own language. A holder gets the second language when their preferred language "
    "in their profile has a translation here and it differs from the main language; everyone "
    "else gets the main text only. Use the same placeholders as the main wording."
)
SIGNATORIES_HELP = _(
    "Printed side by side above the verification code, in this order. A signature is an image "
    "(PNG with a transparent background works best); without one, a line is printed to sign."
)

# Which of the "applies to" fields fits each kind of certificate.
TARGET_FIELD = {
    CertificateKind.PROGRAMME: "cohorts",
    CertificateKind.ACTIVITY: "activities",
    CertificateKind.MODULE: "modules",
}


class ColourInput(forms.TextInput):
    """The browser's colour picker; it sends #rrggbb, as the field expects."""

    input_type = "color"


class CertificateTemplateForm(WagtailAdminModelForm):
    """The template editor. Single fields are checked by the model (placeholders, colours);
    this adds what spans fields: the "applies to" choices must fit the kind and programme, and
    each translation is checked like the main text."""

    def clean(self):
        cleaned = super().clean()
        self._check_targets(cleaned)
        self._check_translations(cleaned.get("language"))
        return cleaned

    def _check_targets(self, cleaned) -> None:
        kind = cleaned.get("kind")
        if kind not in TARGET_FIELD:
            return
        label = CertificateKind(kind).label
        for field in TARGET_FIELD.values():
            if field == TARGET_FIELD[kind] or field not in self.fields:
                continue
            if cleaned.get(field):
                self.add_error(field, self._target_message(label, TARGET_FIELD[kind], field))
        programme = cleaned.get("programme")
        if programme is None:
            return
        others = [
            cohort for cohort in cleaned.get("cohorts") or [] if cohort.programme_id != programme.pk
        ]
        if others and "cohorts" in self.fields and "cohorts" not in self.errors:
            names = ", ".join(str(cohort) for cohort in others)
            self.add_error(
                "cohorts",
                gettext("%(names)s: not a cohort of %(programme)s, the programme chosen.")
                % {"names": names, "programme": programme.title},
            )
        for field in ("activities", "modules"):
            pages = cleaned.get(field) or []
            outside = [page for page in pages if not page.is_descendant_of(programme)]
            if outside and field in self.fields and field not in self.errors:
                names = ", ".join(page.title for page in outside)
                self.add_error(
                    field,
                    gettext("%(names)s: not part of %(programme)s, the programme chosen.")
                    % {"names": names, "programme": programme.title},
                )

    @staticmethod
    def _target_message(label, wanted: str, field: str) -> str:
        """E.g. “A “Module completion” certificate applies to modules; leave cohorts empty.”"""
        fields = {
            "cohorts": gettext("cohorts"),
            "activities": gettext("activities"),
            "modules": gettext("modules"),
        }
        return gettext("A “%(kind)s” certificate applies to %(wanted)s; leave %(field)s empty.") % {
            "kind": label,
            "wanted": fields[wanted],
            "field": fields[field],
        }

    def _check_translations(self, main_language) -> None:
        formset = self.formsets.get("translations")
        if formset is None:
            return
        for form in formset.forms:
            # Checked here rather than in the child form: Wagtail builds the inline forms itself.
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            if not form.has_changed() and form.instance.pk is None:
                continue
            data = form.cleaned_data
            if main_language and data.get("language") == main_language:
                form.add_error(
                    "language",
                    gettext(
                        "This is the certificate's main language already; choose the second "
                        "language this translation is for."
                    ),
                )
            for field in ("title", "wording"):
                if problems := wording_errors(data.get(field) or ""):
                    form.add_error(field, problems)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public verification page and kept in the audit log."),
        error_messages={
            "required": _(
                "Give the reason for revoking; it is shown to anyone who checks the code."
            )
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(
                gettext("Give the reason for revoking; it is shown to anyone who checks the code.")
            )
        return reason


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E.g. “Name corrected from Janis Berzins to Jānis Bērziņš.” Kept in the audit log."
        ),
    )


class IssueForm(forms.Form):
    """Issue one certificate by hand: the person is one of the cohort's participants. Someone
    who has not completed needs an override reason (checked by the service)."""

    enrolment = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": _("Choose a participant."),
            "invalid_choice": _(
                "That person is not an accepted or completed participant of this "
                "cohort any more. Please reload the page."
            ),
        },
    )

    override_reason = forms.CharField(
        label=_("Reason for issuing anyway"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the person has not completed. Kept in the audit log."),
    )

    def __init__(self, data=None, *, enrolment_ids, initial=None):
        super().__init__(data, initial=initial)
        self.fields["enrolment"].choices = [(str(pk), str(pk)) for pk in enrolment_ids]
