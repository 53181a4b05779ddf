"""Wagtail admin for privacy data that programme admins keep: the ages of digital consent per
country (with the day each applies from) and the versions of the notice guardians read.
Imported from lms/wagtail_hooks.py."""

import django_filters
from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.html import format_html
from django_countries import countries
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from lms.consent.age import DEFAULT_CONSENT_AGE
from lms.consent.models import DigitalConsentAge, PrivacyNotice

MIN_CONSENT_AGE, MAX_CONSENT_AGE = 13, 16

# --- ages of digital consent ------------------------------------------------------------------

CONSENT_AGE_HELP = format_html(
    "<p>The age below which a young person needs a parent's or guardian's approval for their "
    "own account (GDPR article 8). Each row applies from its day until the country's next "
    "row; a country without a row uses {}.</p>"
    "<p><strong>When a law changes, add a new row from the day the new age applies.</strong> "
    "Do not change the old row: it records what applied before, and decisions taken then "
    "rely on it. Edit a row only to correct a typing mistake.</p>",
    DEFAULT_CONSENT_AGE,
)


class DigitalConsentAgeForm(WagtailAdminModelForm):
    class Meta:
        model = DigitalConsentAge
        fields = ["country", "age", "valid_from"]
        help_texts = {
            "age": f"A whole number from {MIN_CONSENT_AGE} to {MAX_CONSENT_AGE}.",
            "valid_from": "The first day on which this age applies in the country.",
        }

    def clean_age(self):
        age = self.cleaned_data.get("age")
        if age is not None and not MIN_CONSENT_AGE <= age <= MAX_CONSENT_AGE:
            raise forms.ValidationError(
                f"The age of digital consent must be from {MIN_CONSENT_AGE} to "
                f"{MAX_CONSENT_AGE} (GDPR article 8); {age} is not allowed.",
                code="age_range",
            )
        return age

    def clean(self):
        cleaned = super().clean()
        country, valid_from = cleaned.get("country"), cleaned.get("valid_from")
        if country and valid_from:
            same_day = DigitalConsentAge.objects.filter(country=country, valid_from=valid_from)
            if self.instance.pk:
                same_day = same_day.exclude(pk=self.instance.pk)
            existing = same_day.first()
            if existing is not None:
                self.add_error(
                    "valid_from",
                    forms.ValidationError(
                        f"{existing.country.name} already has an age of digital consent from "
                        f"{valid_from:%-d %B %Y} ({existing.age}). Choose another day, or edit "
                        "that row if it has a typing mistake.",
                        code="duplicate_day",
                    ),
                )
        return cleaned


def _countries_with_rows() -> list[tuple[str, str]]:
    codes = DigitalConsentAge.objects.values_list("country", flat=True).distinct()
    return sorted(((code, countries.name(code)) for code in codes), key=lambda pair: pair[1])


class DigitalConsentAgeFilterSet(WagtailFilterSet):
    # Only the countries that have rows: the full list of the world's countries is no filter.
    country = django_filters.ChoiceFilter(choices=_countries_with_rows, label="Country")

    class Meta:
        model = DigitalConsentAge
        fields = ["country"]


class DigitalConsentAgeViewSet(ModelViewSet):
    model = DigitalConsentAge
    icon = "date"
    menu_label = "Ages of digital consent"
    list_display = ["country", "age", "valid_from"]
    filterset_class = DigitalConsentAgeFilterSet
    ordering = ["country", "-valid_from"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            HelpPanel(CONSENT_AGE_HELP, heading="How these ages apply"),
            FieldPanel("country"),
            FieldPanel("age"),
            FieldPanel("valid_from"),
        ],
        base_form_class=DigitalConsentAgeForm,
    )


# --- privacy notices --------------------------------------------------------------------------

NOTICE_LOCKED = (
    "“{notice}” cannot be {verb}: guardians have given or been asked for consent under it, and "
    "their consent records this version. Publish a new version instead (use Copy to start "
    "from this text)."
)


class PrivacyNoticeForm(WagtailAdminModelForm):
    class Meta:
        model = PrivacyNotice
        fields = ["version", "purpose", "title", "body"]
        help_texts = {
            "version": "A short label such as 2026-2. Each consent records the version the "
            "guardian read; the newest notice is the one shown from now on.",
        }

    def clean_version(self):
        version = " ".join(self.cleaned_data.get("version", "").split())
        if not version:
            raise forms.ValidationError("Please give the notice a version label.")
        taken = PrivacyNotice.objects.filter(version__iexact=version)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"Version “{version}” already exists. Choose a new label, such as “{version}-2”.",
                code="version_taken",
            )
        return version


def _notice_in_use(notice: PrivacyNotice) -> bool:
    return notice.consents.exists()


class PrivacyNoticeEditView(EditView):
    def _refuse(self):
        messages.error(self.request, NOTICE_LOCKED.format(notice=self.object, verb="changed"))
        return redirect(self.index_url_name)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if _notice_in_use(self.object):
            return self._refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if _notice_in_use(self.object):
            return self._refuse()
        return super().post(request, *args, **kwargs)


class PrivacyNoticeDeleteView(DeleteView):
    def _refuse(self):
        messages.error(self.request, NOTICE_LOCKED.format(notice=self.object, verb="deleted"))
        return redirect(self.index_url_name)

    def get(self, request, *args, **kwargs):
        if _notice_in_use(self.object):
            return self._refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if _notice_in_use(self.object):
            return self._refuse()
        return super().post(request, *args, **kwargs)


class ConsentCountColumn(Column):
    def get_value(self, instance):
        count = instance.consents.count()
        return f"{count} (locked)" if count else "0"


class PrivacyNoticeViewSet(ModelViewSet):
    model = PrivacyNotice
    icon = "doc-full"
    menu_label = "Privacy notices"
    list_display = [
        "version",
        "purpose",
        "title",
        "published_at",
        ConsentCountColumn("consents", label="Consents under it"),
    ]
    search_fields = ["version", "title"]
    edit_view_class = PrivacyNoticeEditView
    delete_view_class = PrivacyNoticeDeleteView
    edit_handler = ObjectList(
        [
            HelpPanel(
                "<p>The plain-language notice a guardian reads before deciding. The newest "
                "version for the purpose is shown: one for places booked by a group, one for "
                "a young person's own account. Once consent has been asked for under a "
                "version it cannot be changed or deleted: publish a new version instead.</p>",
                heading="About privacy notices",
            ),
            FieldPanel("version"),
            FieldPanel("purpose"),
            FieldPanel("title"),
            FieldPanel("body"),
        ],
        base_form_class=PrivacyNoticeForm,
    )


class PrivacyViewSetGroup(ModelViewSetGroup):
    menu_label = "Privacy"
    menu_icon = "lock"
    menu_order = 310
    items = (
        DigitalConsentAgeViewSet("consent_ages"),
        PrivacyNoticeViewSet("privacy_notices"),
    )


@hooks.register("register_admin_viewset")
def register_privacy_viewsets():
    return PrivacyViewSetGroup()


@hooks.register("register_log_actions")
def _log_actions(actions) -> None:
    actions.register_action(
        "lms.person.erase", "Erase personal data", "Erased the person's personal data"
    )
