"""Certificates admin: templates (a snippet with a live PDF preview) and issued certificates under
one "Certificates" menu, a cohort's certificates on the cohort desk, and the audit-log actions."""

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

from certificates.desk import views as admin_views
from certificates.desk.forms import (
    SIGNATORIES_HELP,
    TRANSLATIONS_HELP,
    WORDING_HELP,
    CertificateTemplateForm,
    ColourInput,
)
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateState,
    CertificateTemplate,
)
from cohorts.desk.views import DESK_LINKS_HOOK
from cohorts.models import Cohort

LOG_ACTIONS = {
    "certificates.certificate.issue": (_("Issue certificate"), _("Issued a certificate")),
    "certificates.certificate.revoke": (_("Revoke certificate"), _("Revoked the certificate")),
    "certificates.certificate.reissue": (
        _("Reissue certificate"),
        _("Reissued the certificate (replaced by a new one)"),
    ),
    "certificates.certificate.render_retry": (
        _("Try printing again"),
        _("Asked to try printing the certificate again after it failed"),
    ),
    # What the bulk-issue service records on its status row.
    "certificates.bulk.request": (
        _("Bulk issue"),
        _("Asked to issue certificates to everyone who completed"),
    ),
}


@hooks.register("register_log_actions")
def register_certificate_admin_actions(actions):
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)


# --- certificate templates (a snippet) ----------------------------------------------------------


def _sample_buttons(template: CertificateTemplate) -> list[Button]:
    url = reverse("certificates_template_sample", args=[template.pk])
    return [
        Button(_("Download sample PDF"), url=url, icon_name="download", priority=40),
        Button(
            _("Download bilingual sample PDF"),
            url=f"{url}?mode={CertificateTemplate.PREVIEW_BILINGUAL}",
            icon_name="download",
            priority=41,
        ),
    ]


class TemplateEditView(EditView):
    @property
    def header_more_buttons(self):
        return [*super().header_more_buttons, *_sample_buttons(self.object)]


class TemplateIndexView(SnippetIndexView):
    def get_list_more_buttons(self, instance):
        return [*super().get_list_more_buttons(instance), *_sample_buttons(instance)]


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = _("Templates")
    edit_view_class = TemplateEditView
    index_view_class = TemplateIndexView
    list_display = ["name", "kind", "programme", "language", "auto_issue", "active"]
    list_filter = ["kind", "active", "language"]
    search_fields = ["name", "title"]
    copy_view_enabled = True

    def register_chooser_viewset(self):
        # No form chooses a template (the services pick it), and Wagtail 8.0.1's snippet
        # chooser views answer a non-numeric id with a 500: leave them out.
        pass

    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("kind"),
                    FieldPanel("programme"),
                    FieldPanel(
                        "cohorts",
                        widget=forms.CheckboxSelectMultiple,
                        help_text=_(
                            "For a programme-completion certificate. Empty: every cohort "
                            "of the programme."
                        ),
                    ),
                    FieldPanel(
                        "activities",
                        widget=forms.CheckboxSelectMultiple,
                        help_text=_(
                            "For an activity-attendance certificate. Empty: every activity "
                            "of the programme."
                        ),
                    ),
                    FieldPanel(
                        "modules",
                        widget=forms.CheckboxSelectMultiple,
                        help_text=_(
                            "For a module-completion certificate. Empty: every module of "
                            "the programme."
                        ),
                    ),
                    FieldRowPanel([FieldPanel("auto_issue"), FieldPanel("active")]),
                ],
                heading=pgettext_lazy("certificate template panel", "General"),
                help_text=_(
                    "Which certificates this template prints. The most specific active "
                    "template wins: one chosen for a cohort, activity or module, then one for its "
                    "programme, then one for every programme."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("language"),
                    FieldPanel("title", help_text=_("Placeholders work here too.")),
                    FieldPanel("wording", help_text=WORDING_HELP),
                    FieldPanel("hours"),
                ],
                heading=pgettext_lazy("certificate template panel", "Text"),
            ),
            InlinePanel(
                "translations",
                heading=_("Translations (bilingual certificates)"),
                label=_("Translation"),
                help_text=TRANSLATIONS_HELP,
            ),
            InlinePanel(
                "signatories",
                heading=_("Signatories"),
                label=_("Signatory"),
                max_num=4,
                help_text=SIGNATORIES_HELP,
            ),
            MultiFieldPanel(
                [
                    FieldPanel("logo", help_text=_("Printed at the top, centred. PNG or JPEG.")),
                    FieldRowPanel(
                        [
                            FieldPanel(
                                "colour",
                                widget=ColourInput,
                                help_text=_("Title, name and border."),
                            ),
                            FieldPanel(
                                "accent",
                                widget=ColourInput,
                                help_text=_("Details, second language and footer."),
                            ),
                        ]
                    ),
                    FieldPanel("border"),
                    FieldRowPanel([FieldPanel("paper"), FieldPanel("landscape")]),
                ],
                heading=pgettext_lazy("certificate template panel", "Look"),
            ),
        ],
        base_form_class=CertificateTemplateForm,
    )


# --- issued certificates ------------------------------------------------------------------------


class CertificateFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        queryset=Cohort.objects.order_by("-starts_on", "title"), label=_("Cohort")
    )
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(choices=CertificateState.choices, label=_("State"))

    class Meta:
        model = Certificate
        fields = ["cohort", "kind", "state"]


class StateColumn(Column):
    def get_value(self, instance):
        return admin_views.certificate_state_label(instance)


class CertificateIndexView(IndexView):
    """Issued certificates, read-only: each row opens the certificate's page with its actions."""

    def get_base_queryset(self):
        return admin_views.certificates_visible_to(self.request.user)

    def get_add_url(self):
        return None

    def get_edit_url(self, instance):
        return None

    def get_copy_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None

    def get_inspect_url(self, instance):
        return reverse("certificates_certificate", args=[instance.pk])


class CertificateURLFinder(ModelAdminURLFinder):
    """Audit-log reports link a certificate to its page."""

    edit_url_name = "certificates_certificate"


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Issued certificates")
    index_view_class = CertificateIndexView
    filterset_class = CertificateFilterSet
    search_fields = ["holder_name", "code"]
    copy_view_enabled = False
    list_display = [
        "holder_name",
        "kind",
        Column(
            "context_title",
            # Translators: the column of what a certificate is for (a cohort, activity or module).
            label=pgettext_lazy("certificate is for", "For"),
            sort_key="context_title",
        ),
        StateColumn("state", label=_("State"), sort_key="state"),
        "code",
        DateColumn(
            "issued_at", label=pgettext_lazy("certificate date", "Issued"), sort_key="issued_at"
        ),
    ]
    list_per_page = 50
    url_finder_class = CertificateURLFinder

    def get_urlpatterns(self):
        # Certificates are made by the services (issue, reissue), never by a form.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]


class CertificatesViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Certificates")
    menu_icon = "doc-full"
    menu_order = 260
    items = (
        CertificateTemplateViewSet,
        CertificateViewSet("certificates_issued", url_prefix="certificates/issued"),
    )


register_snippet(CertificatesViewSetGroup)


# --- admin pages that are not a model's listing -------------------------------------------------


@hooks.register("register_admin_urls")
def register_certificate_urls():
    return [
        path(
            "certificates/issued/<dbid:pk>/",
            admin_views.CertificateDetailView.as_view(),
            name="certificates_certificate",
        ),
        path(
            "certificates/issued/<dbid:pk>/revoke/",
            admin_views.RevokeView.as_view(),
            name="certificates_certificate_revoke",
        ),
        path(
            "certificates/issued/<dbid:pk>/reissue/",
            admin_views.ReissueView.as_view(),
            name="certificates_certificate_reissue",
        ),
        path(
            "certificates/issued/<dbid:pk>/retry/",
            admin_views.RenderRetryView.as_view(),
            name="certificates_certificate_retry",
        ),
        path(
            "certificates/cohorts/<dbid:pk>/",
            admin_views.CohortCertificatesView.as_view(),
            name="certificates_cohort",
        ),
        path(
            "certificates/cohorts/<dbid:pk>/issue/",
            admin_views.IssueView.as_view(),
            name="certificates_cohort_issue",
        ),
        path(
            "certificates/cohorts/<dbid:pk>/bulk/",
            admin_views.BulkRequestView.as_view(),
            name="certificates_cohort_bulk",
        ),
        path(
            "certificates/bulk/<dbid:pk>/",
            admin_views.BulkProgressView.as_view(),
            name="certificates_bulk",
        ),
        path(
            "certificates/bulk/<dbid:pk>/status/",
            admin_views.BulkStatusView.as_view(),
            name="certificates_bulk_status",
        ),
        path(
            "certificates/templates/<dbid:pk>/sample.pdf",
            admin_views.TemplateSampleView.as_view(),
            name="certificates_template_sample",
        ),
    ]


@hooks.register(DESK_LINKS_HOOK)
def certificates_desk_links(request, cohort):
    return admin_views.certificates_desk_links(request, cohort)
