"""Wagtail admin for the kernel: people's organisations, and the system views of domain events
and the e-mail outbox (administrators only)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

import lms.wagtail_hooks_consent  # noqa: F401 (guardian consents, their audit log)
import lms.wagtail_hooks_privacy  # noqa: F401 (ages of digital consent, privacy notices)
from lms.models import Organisation, OutgoingEmail
from lms.selectors import emails_recent, events_recent
from lms.services import email_text_redact


class SuperuserOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class EventListView(SuperuserOnlyMixin, TemplateView):
    template_name = "lms/admin/event_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.request.GET.get("name", "")[:120]
        status = self.request.GET.get("status", "")
        context.update(
            page_title="Domain events",
            header_icon="history",
            events=events_recent(name=name, status=status),
            name=name,
            status=status,
            statuses=[("", "All"), ("failing", "Failing"), ("undelivered", "Undelivered")],
        )
        return context


class EmailListView(SuperuserOnlyMixin, TemplateView):
    template_name = "lms/admin/email_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context.update(
            page_title="E-mail outbox",
            header_icon="mail",
            emails=emails_recent(status=status),
            status=status,
            statuses=[("", "All"), *OutgoingEmail.Status.choices],
        )
        return context


class EmailDetailView(SuperuserOnlyMixin, TemplateView):
    template_name = "lms/admin/email_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        email = get_object_or_404(OutgoingEmail, pk=kwargs["pk"])
        context.update(
            page_title=email.subject,
            header_icon="mail",
            email=email,
            # Administrators never see a working token link, removed from storage yet or not.
            body_text=email_text_redact(email.body_text),
            attachments=[item.get("filename", "") for item in email.attachments or []],
        )
        return context


class DeliveryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_urls")
def register_system_urls():
    return [
        path("system/events/", EventListView.as_view(), name="lms_events"),
        path("system/emails/", EmailListView.as_view(), name="lms_emails"),
        path("system/emails/<dbid:pk>/", EmailDetailView.as_view(), name="lms_email_detail"),
    ]


@hooks.register("register_settings_menu_item")
def register_events_menu_item():
    return DeliveryMenuItem("Domain events", reverse("lms_events"), icon_name="history", order=900)


@hooks.register("register_settings_menu_item")
def register_emails_menu_item():
    return DeliveryMenuItem("E-mail outbox", reverse("lms_emails"), icon_name="mail", order=901)


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    list_display = ["name", "country", "sector"]
    list_filter = ["sector"]
    search_fields = ["name"]
    form_fields = ["name", "country", "sector"]


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = "People"
    menu_icon = "user"
    menu_order = 300
    items = (OrganisationViewSet("organisations"),)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()
