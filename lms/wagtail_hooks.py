"""Wagtail admin for the kernel: people's organisations, and the system views of domain events,
the e-mail outbox and, outside production, the development inbox (administrators only)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

import lms.consent.wagtail_hooks  # noqa: F401 (guardian consents, their audit log)
import lms.privacy.wagtail_hooks  # noqa: F401 (ages of digital consent, privacy notices)
from lms.accounts.models import Organisation
from lms.accounts.selectors import emails_recent, events_recent
from lms.errors import LmsError
from lms.mail import mailbox
from lms.mail.models import OutgoingEmail
from lms.mail.services import email_resend, email_text_redact


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
            page_title=_("Domain events"),
            header_icon="history",
            events=events_recent(name=name, status=status),
            name=name,
            status=status,
            statuses=[
                ("", pgettext("statuses", "All")),
                ("failing", pgettext("event status", "Failing")),
                ("undelivered", pgettext("event status", "Undelivered")),
            ],
        )
        return context


class EmailListView(SuperuserOnlyMixin, TemplateView):
    template_name = "lms/admin/email_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context.update(
            page_title=_("E-mail outbox"),
            header_icon="mail",
            emails=emails_recent(status=status),
            status=status,
            statuses=[("", pgettext("statuses", "All")), *OutgoingEmail.Status.choices],
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


class EmailResendView(SuperuserOnlyMixin, View):
    """Send again an e-mail whose delivery is unknown, once staff have checked it did not
    arrive: a deliberate act, recorded in the audit log."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            email_resend(email_id=pk, user=request.user)
        except LmsError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The e-mail is being sent again."))
        return redirect("lms_email_detail", pk=pk)


@hooks.register("register_log_actions")
def register_email_actions(actions):
    actions.register_action(
        "lms.email.resend",
        gettext_lazy("Send e-mail again"),
        gettext_lazy("Sent again an e-mail whose delivery was unknown"),
    )


class DeliveryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


# --- Development inbox: the e-mails the development backend kept under var/mail/ -------------


class DevelopmentOnlyMixin(SuperuserOnlyMixin):
    def dispatch(self, request, *args, **kwargs):
        if settings.PRODUCTION:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class InboxListView(DevelopmentOnlyMixin, TemplateView):
    template_name = "lms/admin/inbox_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=_("Development inbox"),
            header_icon="mail",
            messages_kept=mailbox.inbox_list(),
            folder=mailbox.mail_dir(),
            limit=mailbox.INBOX_MAX,
        )
        return context


class InboxMessageView(DevelopmentOnlyMixin, TemplateView):
    template_name = "lms/admin/inbox_message.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        message = mailbox.inbox_message(kwargs["name"])
        if message is None:
            raise Http404
        context.update(page_title=message.subject, header_icon="mail", message=message)
        return context


class InboxDownloadView(DevelopmentOnlyMixin, View):
    """The whole message as an .eml file, or one of its attachments; always a download."""

    def get(self, request, name: str, index: int | None = None):
        if index is None:
            data = mailbox.inbox_file(name)
            if data is None:
                raise Http404
            return _download(data, name, "message/rfc822")
        message = mailbox.inbox_message(name)
        if message is None or not 0 <= index < len(message.attachments):
            raise Http404
        part = message.attachments[index]
        filename = part.get_filename() or f"attachment-{index + 1}"
        return _download(part.get_payload(decode=True) or b"", filename, part.get_content_type())


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class DevelopmentMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser and not settings.PRODUCTION


@hooks.register("register_admin_urls")
def register_system_urls():
    return [
        path("system/events/", EventListView.as_view(), name="lms_events"),
        path("system/emails/", EmailListView.as_view(), name="lms_emails"),
        path("system/emails/<dbid:pk>/", EmailDetailView.as_view(), name="lms_email_detail"),
        path("system/emails/<dbid:pk>/resend/", EmailResendView.as_view(), name="lms_email_resend"),
        path("system/inbox/", InboxListView.as_view(), name="lms_dev_inbox"),
        path("system/inbox/<str:name>/", InboxMessageView.as_view(), name="lms_dev_inbox_message"),
        path(
            "system/inbox/<str:name>/download/",
            InboxDownloadView.as_view(),
            name="lms_dev_inbox_download",
        ),
        path(
            "system/inbox/<str:name>/attachments/<int:index>/",
            InboxDownloadView.as_view(),
            name="lms_dev_inbox_attachment",
        ),
    ]


@hooks.register("register_settings_menu_item")
def register_events_menu_item():
    return DeliveryMenuItem(
        gettext_lazy("Domain events"), reverse("lms_events"), icon_name="history", order=900
    )


@hooks.register("register_settings_menu_item")
def register_emails_menu_item():
    return DeliveryMenuItem(
        gettext_lazy("E-mail outbox"), reverse("lms_emails"), icon_name="mail", order=901
    )


@hooks.register("register_settings_menu_item")
def register_inbox_menu_item():
    return DevelopmentMenuItem(
        gettext_lazy("Development inbox"), reverse("lms_dev_inbox"), icon_name="mail", order=902
    )


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = gettext_lazy("Organisations")
    list_display = ["name", "country", "sector"]
    list_filter = ["sector"]
    search_fields = ["name"]
    form_fields = ["name", "country", "sector"]


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("People")
    menu_icon = "user"
    menu_order = 300
    items = (OrganisationViewSet("organisations"),)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()
