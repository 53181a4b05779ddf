"""Wagtail admin for privacy data that programme admins keep: the ages of digital consent per
country (with the day each applies from) and the versions of the notice guardians read.
Imported from lms/wagtail_hooks.py."""

import django_filters
from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
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


def _consent_age_help() -> str:
    return format_html(
        "<p>{}</p><p><strong>{}</strong> {}</p>",
        _(
            "The age below which a young person needs a parent's or guardian's approval for "
            "their own account (GDPR article 8). Each row applies from its day until the "
            "country's next row; a country without a row uses %(age)s."
        )
        % {"age": DEFAULT_CONSENT_AGE},
        _("When a law changes, add a new row from the day the new age applies."),
        _(
            "Do not change the old row: it records what applied before, and decisions taken "
            "then rely on it. Edit a row only to correct a typing mistake."
        ),
    )


# Rendered in the language of the admin page that shows it.
CONSENT_AGE_HELP = lazy(_consent_age_help, str)()


AGE_HELP = lazy(
    lambda: (
        _("A whole number from %(min)s to %(max)s.")
        % {"min": MIN_CONSENT_AGE, "max": MAX_CONSENT_AGE}
    ),
    str,
)()


class DigitalConsentAgeForm(WagtailAdminModelForm):
    class Meta:
        model = DigitalConsentAge
        fields = ["country", "age", "valid_from"]
        help_texts = {
            "age": AGE_HELP,
            "valid_from": gettext_lazy("The first day on which this age applies in the country."),
        }

    def clean_age(self):
        age = self.cleaned_data.get("age")
        if age is not None and not MIN_CONSENT_AGE <= age <= MAX_CONSENT_AGE:
            raise forms.ValidationError(
                _(
                    "The age of digital consent must be from %(min)s to %(max)s (GDPR article "
                    "8); %(age)s is not allowed."
                )
                % {"min": MIN_CONSENT_AGE, "max": MAX_CONSENT_AGE, "age": age},
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
                        _(
                            "%(country)s already has an age of digital consent from %(day)s "
                            "(%(age)s). Choose another day, or edit that row if it has a typing "
                            "mistake."
                        )
                        % {
                            "country": existing.country.name,
                            "day": date_format(valid_from, "DATE_FORMAT"),
                            "age": existing.age,
                        },
                        code="duplicate_day",
                    ),
                )
        return cleaned


def _countries_with_rows() -> list[tuple[str, str]]:
    codes = DigitalConsentAge.objects.values_list("country", flat=True).distinct()
    return sorted(((code, countries.name(code)) for code in codes), key=lambda pair: pair[1])


class DigitalConsentAgeFilterSet(WagtailFilterSet):
    # Only the countries that have rows: the full list of the world's countries is no filter.
    country = django_filters.ChoiceFilter(
        choices=_countries_with_rows, label=gettext_lazy("Country")
    )

    class Meta:
        model = DigitalConsentAge
        fields = ["country"]


class DigitalConsentAgeViewSet(ModelViewSet):
    model = DigitalConsentAge
    icon = "date"
    menu_label = gettext_lazy("Ages of digital consent")
    list_display = ["country", "age", "valid_from"]
    filterset_class = DigitalConsentAgeFilterSet
    ordering = ["country", "-valid_from"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            HelpPanel(CONSENT_AGE_HELP, heading=gettext_lazy("How these ages apply")),
            FieldPanel("country"),
            FieldPanel("age"),
            FieldPanel("valid_from"),
        ],
        base_form_class=DigitalConsentAgeForm,
    )


# --- privacy notices --------------------------------------------------------------------------


def _notice_locked(notice, *, deleted: bool) -> str:
    if deleted:
        text = _(
            "“%(notice)s” cannot be deleted: guardians have given or been asked for consent "
            "under it, and their consent records this version. Publish a new version instead "
            "(use Copy to start from this text)."
        )
    else:
        text = _(
            "“%(notice)s” cannot be changed: guardians have given or been asked for consent "
            "under it, and their consent records this version. Publish a new version instead "
            "(use Copy to start from this text)."
        )
    return text % {"notice": notice}


class PrivacyNoticeForm(WagtailAdminModelForm):
    class Meta:
        model = PrivacyNotice
        fields = ["version", "purpose", "title", "body"]
        help_texts = {
            "version": gettext_lazy(
                "A short label such as 2026-2. Each consent records the version the guardian "
                "read; the newest notice is the one shown from now on."
            ),
        }

    def clean_version(self):
        version = " ".join(self.cleaned_data.get("version", "").split())
        if not version:
            raise forms.ValidationError(_("Please give the notice a version label."))
        taken = PrivacyNotice.objects.filter(version__iexact=version)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _(
                    "Version “%(version)s” already exists. Choose a new label, such as "
                    "“%(version)s-2”."
                )
                % {"version": version},
                code="version_taken",
            )
        return version


def _notice_in_use(notice: PrivacyNotice) -> bool:
    return notice.consents.exists()


class PrivacyNoticeEditView(EditView):
    def _refuse(self):
        messages.error(self.request, _notice_locked(self.object, deleted=False))
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
        messages.error(self.request, _notice_locked(self.object, deleted=True))
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
        if not count:
            return "0"
        return ngettext("%(count)s (locked)", "%(count)s (locked)", count) % {"count": count}


def _notice_help() -> str:
    return format_html(
        "<p>{}</p>",
        _(
            "The plain-language notice a guardian reads before deciding. The newest version "
            "for the purpose is shown: one for places booked by a group, one for a young "
            "person's own account. Once consent has been asked for under a version it cannot "
            "be changed or deleted: publish a new version instead."
        ),
    )


NOTICE_HELP = lazy(_notice_help, str)()


class PrivacyNoticeViewSet(ModelViewSet):
    model = PrivacyNotice
    icon = "doc-full"
    menu_label = gettext_lazy("Privacy notices")
    list_display = [
        "version",
        "purpose",
        "title",
        "published_at",
        ConsentCountColumn("consents", label=gettext_lazy("Consents under it")),
    ]
    search_fields = ["version", "title"]
    edit_view_class = PrivacyNoticeEditView
    delete_view_class = PrivacyNoticeDeleteView
    edit_handler = ObjectList(
        [
            HelpPanel(
                NOTICE_HELP,
                heading=gettext_lazy("About privacy notices"),
            ),
            FieldPanel("version"),
            FieldPanel("purpose"),
            FieldPanel("title"),
            FieldPanel("body"),
        ],
        base_form_class=PrivacyNoticeForm,
    )


class PrivacyViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Privacy")
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
        "lms.person.erase",
        gettext_lazy("Erase personal data"),
        gettext_lazy("Erased the person's personal data"),
    )
