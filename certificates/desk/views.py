"""Certificates in the Wagtail admin: one issued certificate with revoke and reissue, a cohort's
certificates on the cohort desk (issue by hand, bulk issue with a progress page), and the
sample PDF of a template. Programme admins see every certificate; presidency staff only those
of the cohorts they manage, and any other address is a 404."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import ModelLogEntry

from certificates import services
from certificates.desk.forms import IssueForm, ReissueForm, RevokeForm
from certificates.errors import CertificatesError
from certificates.models import (
    BulkIssue,
    BulkIssueState,
    Certificate,
    CertificateKind,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
)
from certificates.selectors import certificate_is_admin
from certificates.services.base import stalled_before
from cohorts.desk.views import DeskLink, desk_url
from cohorts.models import Cohort, Enrolment, EnrolmentState
from cohorts.places.selectors import cohorts_managed_by

# The people a cohort's certificates page lists: those who finished, and those still on the way.
PARTICIPANTS = (EnrolmentState.COMPLETED, EnrolmentState.ACCEPTED)
FINAL_BULK = (BulkIssueState.DONE, BulkIssueState.FAILED)
# How often the progress page asks for the status (the script), or reloads (without one).
POLL_SECONDS = 2
REFRESH_SECONDS = 5


# --- who sees what ----------------------------------------------------------------------------


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Every certificate for programme admins; for presidency staff those of their cohorts."""
    qs = Certificate.objects.select_related(
        "cohort", "activity", "module", "template", "user", "replaced_by"
    )
    if not user.is_authenticated:
        return qs.none()
    if certificate_is_admin(user):
        return qs
    return qs.filter(cohort__in=cohorts_managed_by(user))


def cohorts_for_certificates(user) -> QuerySet[Cohort]:
    if user.is_authenticated and certificate_is_admin(user):
        return Cohort.objects.select_related("programme", "staff_group")
    return cohorts_managed_by(user)


def template_may_be_previewed(user) -> bool:
    return any(
        user.has_perm(f"certificates.{action}_certificatetemplate")
        for action in ("add", "change", "view")
    )


# --- a cohort's certificates --------------------------------------------------------------------


@dataclass
class ParticipantRow:
    enrolment: Enrolment
    certificate: Certificate | None
    user: object = None  # who looks at the row: decides which actions it offers

    @property
    def name(self) -> str:
        user = self.enrolment.user
        profile = getattr(user, "profile", None)
        return (profile.full_name if profile else "") or user.get_full_name() or user.email

    @property
    def completed(self) -> bool:
        return self.enrolment.state == EnrolmentState.COMPLETED

    @property
    def can_issue(self) -> bool:
        return self.certificate is None

    @property
    def can_revoke(self) -> bool:
        return self.certificate is not None and can_revoke(self.certificate)

    @property
    def can_reissue(self) -> bool:
        return self.certificate is not None and can_reissue(self.certificate, self.user)

    @property
    def can_retry(self) -> bool:
        return self.certificate is not None and can_retry(self.certificate)

    @property
    def problem(self) -> str:
        return certificate_problem(self.certificate) if self.certificate is not None else ""


@dataclass(frozen=True)
class CohortSummary:
    issued: int
    pending: int
    revoked: int
    to_issue: int  # completed, without a certificate

    def text(self) -> str:
        parts = [
            ngettext("%(count)s issued", "%(count)s issued", self.issued)
            % {"count": number(self.issued)}
        ]
        if self.pending:
            parts.append(
                ngettext("%(count)s being issued", "%(count)s being issued", self.pending)
                % {"count": number(self.pending)}
            )
        if self.revoked:
            parts.append(
                ngettext("%(count)s revoked", "%(count)s revoked", self.revoked)
                % {"count": number(self.revoked)}
            )
        parts.append(
            ngettext("%(count)s to issue", "%(count)s to issue", self.to_issue)
            % {"count": number(self.to_issue)}
        )
        return " · ".join(parts)


def number(value: int) -> str:
    """A count with the reader's thousands separator, e.g. “1,000”."""
    return formats.number_format(value, force_grouping=True)


def _current_certificates(cohort: Cohort) -> dict[int, Certificate]:
    rows = Certificate.objects.filter(cohort=cohort).exclude(state=CertificateState.REPLACED)
    return {certificate.user_id: certificate for certificate in rows}


def cohort_participants(cohort: Cohort, user=None) -> list[ParticipantRow]:
    """Who completed (first) and who is still accepted, each with their current certificate."""
    enrolments = (
        Enrolment.objects.filter(cohort=cohort, state__in=PARTICIPANTS)
        .select_related("user", "user__profile")
        .order_by("user__profile__full_name", "pk")
    )
    current = _current_certificates(cohort)
    rows = [ParticipantRow(e, current.get(e.user_id), user) for e in enrolments]
    return sorted(rows, key=lambda row: not row.completed)


def cohort_summary(cohort: Cohort) -> CohortSummary:
    current = _current_certificates(cohort)
    states = [certificate.state for certificate in current.values()]
    completed = Enrolment.objects.filter(cohort=cohort, state=EnrolmentState.COMPLETED)
    to_issue = sum(
        1 for user_id in completed.values_list("user_id", flat=True) if user_id not in current
    )
    return CohortSummary(
        issued=states.count(CertificateState.ISSUED),
        pending=states.count(CertificateState.PENDING),
        revoked=states.count(CertificateState.REVOKED),
        to_issue=to_issue,
    )


def certificates_desk_links(request, cohort: Cohort) -> list[DeskLink]:
    """The "Certificates" button on the cohort desk, with the counts beside it."""
    return [
        DeskLink(
            label=gettext("Certificates"),
            url=reverse("certificates_cohort", args=[cohort.pk]),
            summary=cohort_summary(cohort).text(),
        )
    ]


# --- one certificate ----------------------------------------------------------------------------


def can_revoke(certificate: Certificate) -> bool:
    return certificate.state == CertificateState.ISSUED


def can_reissue(certificate: Certificate, user) -> bool:
    """Valid ones by anyone who manages them; revoked ones only by programme admins (reissuing
    undoes the revocation)."""
    if certificate.state == CertificateState.ISSUED:
        return True
    return certificate.state == CertificateState.REVOKED and certificate_is_admin(user)


# What staff read about a job that stalled or a render that failed: plain words only. Staff
# may always say "try again", so the wording does not promise what only administrators can fix.
STALLED = _("This has stalled: it will resume by itself within about a minute.")
ALERTED_RETRYING = _("The team has been alerted; it will be tried again.")
NEEDS_ATTENTION = _("Failed — needs attention")


def certificate_state_label(certificate: Certificate) -> str:
    if certificate.needs_attention:
        return NEEDS_ATTENTION
    return certificate.get_state_display()


def certificate_problem(certificate: Certificate) -> str:
    """What staff are told about a certificate still waiting to be printed, or ""."""
    if certificate.state != CertificateState.PENDING:
        return ""
    problem = render_problem_words(certificate)
    if certificate.needs_attention:
        attempts = certificate.render_attempts
        return ngettext(
            "%(problem)s It was tried %(count)s time, and the team has been alerted. Try again "
            "once they say the fault is fixed.",
            "%(problem)s It was tried %(count)s times, and the team has been alerted. Try again "
            "once they say the fault is fixed.",
            attempts,
        ) % {"problem": problem, "count": attempts}
    if certificate.render_attempts:
        return f"{problem} {ALERTED_RETRYING}"
    if certificate.issued_at <= stalled_before() and (
        certificate.render_retry_at is None or certificate.render_retry_at <= timezone.now()
    ):
        return str(STALLED)
    return ""


def render_problem_words(certificate: Certificate) -> str:
    """The plain words kept on the row, in the reader's language when they are one of the
    render's fixed phrases (the job writes them in English)."""
    if not certificate.render_problem:
        return gettext("The PDF could not be made.")
    return gettext(certificate.render_problem)


def can_retry(certificate: Certificate) -> bool:
    return certificate.needs_attention


def download_url(certificate: Certificate) -> str:
    if not certificate.pdf or certificate.state in (
        CertificateState.PENDING,
        CertificateState.WITHDRAWN,
    ):
        return ""
    try:
        return reverse("certificates:download", kwargs={"pk": certificate.pk})
    except NoReverseMatch:
        return ""


def certificate_log_entries(certificate: Certificate, *, limit: int = 50):
    return (
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Certificate),
            object_id=str(certificate.pk),
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")[:limit]
    )


def certificates_of(cohort: Cohort) -> str:
    return gettext("Certificates of %(cohort)s") % {"cohort": cohort.title}


class CertificateMixin(WagtailAdminTemplateMixin):
    """The certificate in the address, only among those the user may see: any other is a 404."""

    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        self.certificate = get_object_or_404(certificates_visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.certificate.holder_name or pgettext("certificate title", "Certificate")

    def get_page_subtitle(self):
        return self.certificate.context_title or self.certificate.programme_title

    def detail_url(self, certificate: Certificate | None = None) -> str:
        return reverse("certificates_certificate", args=[(certificate or self.certificate).pk])

    def get_breadcrumbs_items(self):
        items = list(self.breadcrumbs_items)
        cohort = self.certificate.cohort
        if certificate_is_admin(self.request.user):
            items.append(
                {"url": reverse("certificates_issued:index"), "label": gettext("Certificates")}
            )
        elif cohort is not None:
            items += [
                {"url": reverse("cohorts_desk_index"), "label": gettext("Cohort desk")},
                {"url": desk_url(cohort), "label": cohort.title},
            ]
        if cohort is not None:
            items.append(
                {
                    "url": reverse("certificates_cohort", args=[cohort.pk]),
                    "label": certificates_of(cohort),
                }
            )
        items.append({"url": self.detail_url(), "label": self.certificate.holder_name})
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            certificate=self.certificate,
            detail_url=self.detail_url(),
            can_revoke=can_revoke(self.certificate),
            can_reissue=can_reissue(self.certificate, self.request.user),
            can_retry=can_retry(self.certificate),
            state_label=certificate_state_label(self.certificate),
            problem=certificate_problem(self.certificate),
        )
        return context


class CertificateDetailView(CertificateMixin, TemplateView):
    template_name = "certificates/admin/certificate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificate = self.certificate
        replaces = Certificate.objects.filter(replaced_by=certificate).first()
        holder = certificate.user
        profile = getattr(holder, "profile", None)
        current_name = (profile.full_name if profile else "") or holder.get_full_name()
        context.update(
            download_url=download_url(certificate),
            replaces=replaces,
            current_name=current_name,
            name_differs=bool(current_name) and current_name != certificate.holder_name,
            log_entries=certificate_log_entries(certificate),
            verify_url=(
                reverse("certificates:verify_code", kwargs={"code": certificate.code})
                if certificate.code
                else ""
            ),
        )
        return context


class RevokeView(CertificateMixin, TemplateView):
    """Confirm with a reason, then revoke: the code verifies as revoked from then on."""

    template_name = "certificates/admin/revoke.html"

    def get_page_subtitle(self):
        return pgettext("certificate action", "Revoke")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RevokeForm())
        return context

    def get(self, request, *args, **kwargs):
        if not can_revoke(self.certificate):
            messages.warning(
                request,
                gettext("This certificate is %(state)s: only a valid certificate can be revoked.")
                % {"state": self.certificate.get_state_display().lower()},
            )
            return redirect(self.detail_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = RevokeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            certificate = services.certificate_revoke(
                certificate=self.certificate, reason=form.cleaned_data["reason"], actor=request.user
            )
        except CertificatesError as exc:
            messages.error(request, exc.message)
            return redirect(self.detail_url())
        messages.success(
            request,
            gettext(
                "Revoked the certificate of %(name)s. Its code now verifies as revoked, with "
                "your reason."
            )
            % {"name": certificate.holder_name},
        )
        return redirect(self.detail_url(certificate))


class ReissueView(CertificateMixin, TemplateView):
    """Confirm, then replace the certificate by a new one printed with the holder's current
    name; the old code keeps verifying, as replaced."""

    template_name = "certificates/admin/reissue.html"

    def get_page_subtitle(self):
        return pgettext("certificate action", "Reissue")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        holder = self.certificate.user
        profile = getattr(holder, "profile", None)
        context.setdefault("form", ReissueForm())
        context["current_name"] = (profile.full_name if profile else "") or holder.get_full_name()
        return context

    def get(self, request, *args, **kwargs):
        if not can_reissue(self.certificate, request.user):
            messages.warning(
                request,
                gettext(
                    "This certificate is %(state)s: only a valid certificate can be reissued "
                    "(a revoked one by programme admins)."
                )
                % {"state": self.certificate.get_state_display().lower()},
            )
            return redirect(self.detail_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = ReissueForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        old = self.certificate
        try:
            new = services.certificate_reissue(
                certificate=old, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CertificatesError as exc:
            messages.error(request, exc.message)
            return redirect(self.detail_url())
        new.refresh_from_db()
        values = {
            "old": old.code or gettext("the old certificate"),
            "name": new.holder_name,
            "code": new.code,
        }
        if new.code:
            message = gettext(
                "Reissued: %(old)s is replaced by a new certificate for %(name)s (%(code)s)."
            )
        else:
            message = gettext(
                "Reissued: %(old)s is replaced by a new certificate for %(name)s; it shows here "
                "as valid once printed."
            )
        messages.success(request, message % values)
        return redirect(self.detail_url(new))


class RenderRetryView(CertificateMixin, View):
    """Try again a certificate whose rendering gave up (after the fault is fixed); recorded in
    the audit log."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not can_retry(self.certificate):
            messages.info(request, gettext("This certificate is not waiting for a retry."))
            return redirect(self.detail_url())
        try:
            services.certificate_render_retry(certificate=self.certificate, actor=request.user)
        except CertificatesError as exc:
            messages.error(request, exc.message)
            return redirect(self.detail_url())
        certificate = Certificate.objects.get(pk=self.certificate.pk)
        if certificate.state == CertificateState.ISSUED:
            messages.success(
                request,
                gettext("Printed: the certificate of %(name)s.")
                % {"name": certificate.holder_name},
            )
        elif certificate.needs_attention:
            messages.error(
                request,
                gettext("It failed again. %(problem)s The team has been alerted.")
                % {"problem": render_problem_words(certificate)},
            )
        else:
            messages.success(
                request, gettext("Trying again: the certificate is printed in a moment.")
            )
        return redirect(self.detail_url())


# --- a cohort's certificates, issue by hand and in bulk ------------------------------------------


class CohortCertificatesMixin(WagtailAdminTemplateMixin):
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        self.cohort = get_object_or_404(cohorts_for_certificates(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def cohort_url(self) -> str:
        return reverse("certificates_cohort", args=[self.cohort.pk])

    def get_page_title(self):
        return certificates_of(self.cohort)

    def get_breadcrumbs_items(self):
        items = list(self.breadcrumbs_items)
        if cohorts_managed_by(self.request.user).filter(pk=self.cohort.pk).exists():
            items += [
                {"url": reverse("cohorts_desk_index"), "label": gettext("Cohort desk")},
                {"url": desk_url(self.cohort), "label": self.cohort.title},
            ]
        else:
            items.append(
                {"url": reverse("certificates_issued:index"), "label": gettext("Certificates")}
            )
        items.append({"url": self.cohort_url(), "label": gettext("Certificates")})
        return items


class CohortCertificatesView(CohortCertificatesMixin, TemplateView):
    template_name = "certificates/admin/cohort.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = self.cohort
        user = self.request.user
        template = services.certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort)
        bulks = list(BulkIssue.objects.filter(cohort=cohort).order_by("-created_at", "-pk")[:5])
        rows = cohort_participants(cohort, self.request.user)
        running = next((b for b in bulks if b.state not in FINAL_BULK), None)
        context.update(
            cohort=cohort,
            rows=rows,
            summary=cohort_summary(cohort),
            template=template,
            template_edit_url=(
                reverse("wagtailsnippets_certificates_certificatetemplate:edit", args=[template.pk])
                if template is not None and user.has_perm("certificates.change_certificatetemplate")
                else ""
            ),
            bulks=bulks,
            running=running,
            running_status=BulkStatus(running) if running is not None else None,
            desk_url=desk_url(cohort),
            on_desk=cohorts_managed_by(user).filter(pk=cohort.pk).exists(),
        )
        return context


class IssueView(CohortCertificatesMixin, TemplateView):
    """Issue one participant's certificate by hand, after a confirmation page that states what
    is certified for whom and warns when the person has not completed: then it is issued only
    with a reason, which the audit log keeps."""

    template_name = "certificates/admin/issue.html"

    def get_page_subtitle(self):
        return gettext("Issue a certificate")

    def _form(self, data=None, initial=None) -> IssueForm:
        ids = Enrolment.objects.filter(cohort=self.cohort, state__in=PARTICIPANTS).values_list(
            "pk", flat=True
        )
        return IssueForm(data, enrolment_ids=list(ids), initial=initial)

    def _confirmation(self, form: IssueForm, enrolment: Enrolment, *, status: int = 200):
        cohort = self.cohort
        user = enrolment.user
        template = services.certificate_template_for(kind=CertificateKind.PROGRAMME, cohort=cohort)
        profile = getattr(user, "profile", None)
        context = self.get_context_data(
            form=form,
            cohort=cohort,
            enrolment=enrolment,
            holder_name=(profile.full_name if profile else "") or user.get_full_name(),
            email=user.email,
            template=template,
            programme_title=cohort.programme.title,
            concerns=services.certificate_issue_concerns(user=user, cohort=cohort),
            cohort_url=self.cohort_url(),
        )
        return self.render_to_response(context, status=status)

    def _enrolment(self, form: IssueForm) -> Enrolment:
        return Enrolment.objects.select_related("user", "user__profile").get(
            pk=form.cleaned_data["enrolment"]
        )

    def _refuse(self, request, form: IssueForm):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(self.cohort_url())

    def get(self, request, *args, **kwargs):
        form = self._form({"enrolment": request.GET.get("enrolment", "")})
        if not form.is_valid():
            return self._refuse(request, form)
        form = self._form(initial={"enrolment": form.cleaned_data["enrolment"]})
        enrolment = Enrolment.objects.select_related("user", "user__profile").get(
            pk=form.initial["enrolment"]
        )
        return self._confirmation(form, enrolment)

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        back = redirect(self.cohort_url())
        if not form.is_valid():
            if "enrolment" in form.errors:
                return self._refuse(request, form)
            return self._confirmation(form, self._enrolment(form))
        enrolment = self._enrolment(form)
        before = Certificate.objects.filter(cohort=self.cohort, user=enrolment.user).exclude(
            state=CertificateState.REPLACED
        )
        existed = before.exists()
        try:
            certificate = services.certificate_issue(
                user=enrolment.user,
                cohort=self.cohort,
                source=CertificateSource.MANUAL,
                requested_by=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
        except CertificatesError as exc:
            if exc.code == "not_completed":
                form.add_error(
                    "override_reason",
                    gettext("Give the reason for issuing although the person has not completed."),
                )
                return self._confirmation(form, enrolment)
            messages.error(request, exc.message)
            return back
        if certificate is None:
            messages.error(request, gettext("No certificate was issued: no template applies."))
        elif existed:
            messages.info(
                request,
                gettext("%(name)s already has a certificate (%(state)s); nothing was changed.")
                % {
                    "name": certificate.holder_name,
                    "state": certificate.get_state_display().lower(),
                },
            )
        else:
            certificate.refresh_from_db()
            values = {"name": certificate.holder_name, "code": certificate.code}
            if certificate.state == CertificateState.ISSUED:
                message = gettext("Issued the certificate of %(name)s (%(code)s).")
            else:
                message = gettext(
                    "Issued the certificate of %(name)s; it is being printed and shows here as "
                    "valid in a moment."
                )
            messages.success(request, message % values)
        return back


class BulkRequestView(CohortCertificatesMixin, View):
    """Issue certificates to everyone who completed: the work runs as jobs, the progress page
    follows it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            bulk = services.certificates_bulk_request(cohort=self.cohort, actor=request.user)
        except CertificatesError as exc:
            messages.error(request, exc.message)
            return redirect(self.cohort_url())
        return redirect("certificates_bulk", pk=bulk.pk)


@dataclass(frozen=True)
class BulkStatus:
    bulk: BulkIssue

    @property
    def processed(self) -> int:
        return self.bulk.issued + self.bulk.skipped + self.bulk.failed

    @property
    def final(self) -> bool:
        return self.bulk.state in FINAL_BULK

    @property
    def text(self) -> str:
        """“412 of 1,000 issued”, with what was skipped or failed."""
        bulk = self.bulk
        if bulk.state == BulkIssueState.DONE and not bulk.total:
            return gettext("Nobody had completed the cohort: nothing to issue.")
        text = ngettext(
            "%(issued)s of %(total)s issued", "%(issued)s of %(total)s issued", bulk.total
        ) % {"issued": number(bulk.issued), "total": number(bulk.total)}
        if bulk.skipped:
            text += ngettext(
                ", %(count)s skipped (they already had one)",
                ", %(count)s skipped (they already had one)",
                bulk.skipped,
            ) % {"count": number(bulk.skipped)}
        if bulk.failed:
            text += ngettext(", %(count)s failed", ", %(count)s failed", bulk.failed) % {
                "count": number(bulk.failed)
            }
        return text

    @property
    def headline(self) -> str:
        bulk = self.bulk
        if bulk.state == BulkIssueState.DONE:
            if not bulk.failed:
                return pgettext("bulk issue state", "Done")
            return gettext("Done, with failures")
        if bulk.state == BulkIssueState.FAILED:
            return pgettext("bulk issue state", "Failed")
        if self.stalled:
            return pgettext("bulk issue state", "Stalled")
        return str(bulk.get_state_display())

    @property
    def stalled(self) -> bool:
        """Still to do, and no progress for a while: its job was lost (the sweeper resumes it)."""
        return not self.final and self.bulk.heartbeat_at <= stalled_before()

    @property
    def note(self) -> str:
        """That it has stalled, or when it resumed after stalling."""
        if self.stalled:
            return str(STALLED)
        if self.bulk.resumed_at is not None:
            when = timezone.localtime(self.bulk.resumed_at)
            return gettext("It stalled, and resumed by itself at %(time)s on %(day)s.") % {
                "time": formats.time_format(when, "TIME_FORMAT"),
                "day": formats.date_format(when, "MONTH_DAY_FORMAT"),
            }
        return ""

    @property
    def problems(self) -> list[str]:
        """Who could not be given a certificate, and why, in plain words."""
        return [line.split("] ", 1)[-1] for line in self.bulk.error.splitlines() if line.strip()][
            :20
        ]

    def as_json(self) -> dict:
        bulk = self.bulk
        return {
            "state": bulk.state,
            "headline": self.headline,
            "total": bulk.total,
            "issued": bulk.issued,
            "skipped": bulk.skipped,
            "failed": bulk.failed,
            "processed": self.processed,
            "percent": bulk.progress_percent,
            "text": self.text,
            "final": self.final,
            "stalled": self.stalled,
            "note": self.note,
            "error": _error_text(bulk) if bulk.state == BulkIssueState.FAILED else "",
        }


def _error_text(bulk: BulkIssue) -> str:
    # Failure lines start with the certificate's id in brackets, for the service's own counting.
    lines = [line.split("] ", 1)[-1] for line in bulk.error.splitlines() if line.strip()]
    return "; ".join(lines[:5])


class BulkMixin(WagtailAdminTemplateMixin):
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        self.bulk = get_object_or_404(
            BulkIssue.objects.select_related("cohort", "requested_by").filter(
                cohort__in=cohorts_for_certificates(request.user)
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class BulkProgressView(BulkMixin, TemplateView):
    """A progress bar that a small script keeps current from the status below; without
    scripts the page reloads itself until the work is over."""

    template_name = "certificates/admin/bulk.html"

    def get_page_title(self):
        return gettext("Issuing certificates: %(cohort)s") % {"cohort": self.bulk.cohort.title}

    def get_breadcrumbs_items(self):
        cohort = self.bulk.cohort
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("certificates_cohort", args=[cohort.pk]),
                "label": certificates_of(cohort),
            },
            {"url": "", "label": gettext("Bulk issue")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = BulkStatus(self.bulk)
        context.update(
            bulk=self.bulk,
            status=status,
            status_url=reverse("certificates_bulk_status", args=[self.bulk.pk]),
            cohort_url=reverse("certificates_cohort", args=[self.bulk.cohort_id]),
            poll_ms=POLL_SECONDS * 1000,
            refresh_seconds=REFRESH_SECONDS,
            error_text=_error_text(self.bulk),
        )
        return context


class BulkStatusView(BulkMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        response = JsonResponse(BulkStatus(self.bulk).as_json())
        response["Cache-Control"] = "no-store"
        return response


# --- a template's sample ------------------------------------------------------------------------


class TemplateSampleView(View):
    """The sample certificate of a saved template as a PDF download (the editor's preview panel
    shows the same, with unsaved edits)."""

    http_method_names = ["get"]

    def get(self, request, pk: int):
        if not template_may_be_previewed(request.user):
            raise PermissionDenied
        template = get_object_or_404(CertificateTemplate, pk=pk)
        mode = request.GET.get("mode", "")
        if mode not in dict(template.preview_modes):
            mode = ""
        response = HttpResponse(template.preview_pdf(mode), content_type="application/pdf")
        suffix = "-bilingual" if mode else ""
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-template-{template.pk}-sample{suffix}.pdf"'
        )
        response["Cache-Control"] = "no-store"
        return response
