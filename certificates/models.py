"""Certificate templates (Wagtail snippets), issued certificates, and the status rows of bulk
issues. One current certificate per person and cohort, activity or module is a database rule."""

import dataclasses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable, PreviewableMixin

from certificates.documents import pdf
from certificates.documents.content import SAMPLE, SAMPLE_CODE, certificate_data
from certificates.documents.wording import wording_errors
from lms import languages, storage
from lms.models import Language

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1d3557."))


class CertificateKind(models.TextChoices):
    PROGRAMME = "programme", _("Programme completion (a cohort)")
    ACTIVITY = "activity", _("Activity attendance")
    MODULE = "module", _("Module completion")


class Border(models.TextChoices):
    DOUBLE = "double", _("Double line")
    SINGLE = "single", _("Single line")
    NONE = "none", pgettext_lazy("certificate border", "None")


class Paper(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "LETTER", _("US Letter")


class CertificateTemplate(PreviewableMixin, ClusterableModel):
    """How the certificates of one kind look and read. It applies to the cohorts, activities or
    modules chosen here; with none chosen, to every one of its kind in its programme (or in every
    programme when no programme is set)."""

    name = models.CharField(
        max_length=200,
        help_text=_("For staff only, e.g. “BEP completion”."),
        verbose_name=_("name"),
    )
    kind = models.CharField(max_length=16, choices=CertificateKind.choices, verbose_name=_("kind"))
    programme = models.ForeignKey(
        "programmes.ProgrammePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: any programme."),
        verbose_name=_("programme"),
    )
    cohorts = ParentalManyToManyField(
        "cohorts.Cohort", blank=True, related_name="+", verbose_name=_("cohorts")
    )
    activities = ParentalManyToManyField(
        "programmes.ActivityPage", blank=True, related_name="+", verbose_name=_("activities")
    )
    modules = ParentalManyToManyField(
        "programmes.ModulePage", blank=True, related_name="+", verbose_name=_("modules")
    )
    auto_issue = models.BooleanField(
        default=True,
        help_text=_("Issue automatically on completion or attendance. Off: staff issue by hand."),
        verbose_name=_("auto issue"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH, verbose_name=_("language")
    )
    title = models.CharField(
        max_length=200, default="Certificate of completion", verbose_name=_("title")
    )
    wording = models.TextField(
        help_text=_(
            "One paragraph per line. Placeholders: {name}, {programme}, {cohort}, {activity}, "
            "{module}, {date_start}, {date_end}, {dates}, {hours}, {place}."
        ),
        verbose_name=_("wording"),
    )
    hours = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Printed as {hours}."),
        verbose_name=_("hours"),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    colour = models.CharField(
        max_length=7, default="#1d3557", validators=[HEX_COLOUR], verbose_name=_("colour")
    )
    accent = models.CharField(
        max_length=7, default="#5c677d", validators=[HEX_COLOUR], verbose_name=_("accent")
    )
    border = models.CharField(
        max_length=8, choices=Border.choices, default=Border.DOUBLE, verbose_name=_("border")
    )
    paper = models.CharField(
        max_length=8, choices=Paper.choices, default=Paper.A4, verbose_name=_("paper")
    )
    landscape = models.BooleanField(default=True, verbose_name=_("landscape"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        for field in ("title", "wording"):
            if problems := wording_errors(getattr(self, field)):
                errors[field] = problems
        if errors:
            raise ValidationError(errors)

    # --- preview: Wagtail's preview panel shows the sample certificate as a PDF --------------

    PREVIEW_BILINGUAL = "bilingual"

    @property
    def preview_modes(self):
        return [("", _("Sample certificate")), (self.PREVIEW_BILINGUAL, _("Bilingual sample"))]

    @property
    def preview_sizes(self):
        # A PDF viewer needs the room: a phone-sized frame would show a corner of the page.
        return [
            {
                "name": "desktop",
                "icon": "desktop",
                "device_width": 1280,
                "label": _("Preview the sample certificate"),
            }
        ]

    def preview_second_language(self) -> str:
        """The language of the first translation that is not the main language, if any."""
        return next(
            (t.language for t in self.translations.all() if t.language != self.language), ""
        )

    def preview_pdf(self, mode_name: str = "") -> bytes:
        """The certificate as it prints for a sample participant, from the fields as they are
        now (in the editor: unsaved edits included)."""

        def first(related) -> str:
            item = next(iter(related.all()), None)
            return item.title if item is not None else ""

        context = {"cohort": "", "activity": "", "module": ""}
        if self.kind == CertificateKind.ACTIVITY:
            context["activity"] = first(self.activities) or SAMPLE.activity
        elif self.kind == CertificateKind.MODULE:
            context["module"] = first(self.modules) or SAMPLE.module
        else:
            context["cohort"] = first(self.cohorts) or SAMPLE.cohort
        values = dataclasses.replace(
            SAMPLE,
            programme=self.programme.title if self.programme_id else SAMPLE.programme,
            hours=None,  # the template's own hours, as they are being edited
            **context,
        )
        second = self.preview_second_language() if mode_name == self.PREVIEW_BILINGUAL else ""
        # The fixed labels as the sample holder reads them: in the second language when there
        # is one, else in the main language.
        with languages.reading(second or self.language):
            data = certificate_data(
                self,
                values,
                code=SAMPLE_CODE,
                issued_on=timezone.localdate(),
                second_language=second,
            )
        # A form still being filled in (the preview skips required fields) may lack the look:
        # print the defaults meanwhile rather than fail.
        look = {}
        for name in ("colour", "accent"):
            if not HEX_COLOUR.regex.fullmatch(getattr(data, name) or ""):
                look[name] = self._meta.get_field(name).default
        if data.border not in Border.values:
            look["border"] = Border.DOUBLE
        if data.paper not in Paper.values:
            look["paper"] = Paper.A4
        return pdf.render(dataclasses.replace(data, **look))

    def serve_preview(self, request, mode_name):
        response = HttpResponse(self.preview_pdf(mode_name), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="certificate-sample.pdf"'
        return response


class CertificateTranslation(Orderable):
    """The same certificate in a participant's language: printed under the main text when the
    holder's preferred language has one (a bilingual certificate)."""

    template = ParentalKey(
        CertificateTemplate,
        on_delete=models.CASCADE,
        related_name="translations",
        verbose_name=_("template"),
    )
    language = models.CharField(max_length=8, choices=Language.choices, verbose_name=_("language"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    wording = models.TextField(
        help_text=_("The same placeholders as the main wording."), verbose_name=_("wording")
    )

    class Meta(Orderable.Meta):
        verbose_name = _("certificate translation")
        verbose_name_plural = _("certificate translations")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="certificates_translation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.get_language_display()})"


class CertificateSignatory(Orderable):
    template = ParentalKey(
        CertificateTemplate,
        on_delete=models.CASCADE,
        related_name="signatories",
        verbose_name=_("template"),
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    role = models.CharField(max_length=160, verbose_name=_("role"))
    signature = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("signature"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("certificate signatory")
        verbose_name_plural = _("certificate signatories")

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"


class CertificateState(models.TextChoices):
    PENDING = "pending", _("Being issued")
    ISSUED = "issued", pgettext_lazy("certificate state", "Valid")
    REVOKED = "revoked", pgettext_lazy("certificate state", "Revoked")
    REPLACED = "replaced", pgettext_lazy("certificate state", "Replaced")
    WITHDRAWN = "withdrawn", _("Withdrawn at the holder's request")


class CertificateSource(models.TextChoices):
    AUTOMATIC = "automatic", pgettext_lazy("certificate source", "Automatic")
    MANUAL = "manual", _("Issued by staff")
    BULK = "bulk", _("Bulk issue")
    REISSUE = "reissue", pgettext_lazy("certificate source", "Reissue")


def private_storage():
    # The lazy proxy, not the storage itself: a field keeps what this returns at start-up.
    return storage.private_storage


def certificate_upload_to(instance: "Certificate", filename: str) -> str:
    return f"certificates/{instance.issued_at:%Y/%m}/{filename}"


class Certificate(models.Model):
    """One certificate of one person for one cohort, activity or module. Rows in `pending` are
    being rendered; a replaced certificate stays, pointing at its replacement, so its code still
    verifies (as replaced)."""

    kind = models.CharField(max_length=16, choices=CertificateKind.choices, verbose_name=_("kind"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("user"),
    )
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cohort"),
    )
    activity = models.ForeignKey(
        "programmes.ActivityPage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("activity"),
    )
    module = models.ForeignKey(
        "programmes.ModulePage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("module"),
    )
    template = models.ForeignKey(
        CertificateTemplate,
        null=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
        verbose_name=_("template"),
    )
    state = models.CharField(
        max_length=16,
        choices=CertificateState.choices,
        default=CertificateState.PENDING,
        verbose_name=_("state"),
    )
    source = models.CharField(
        max_length=16, choices=CertificateSource.choices, verbose_name=_("source")
    )
    # What was printed, kept as issued: a later profile or page edit does not change it.
    holder_name = models.CharField(max_length=200, verbose_name=_("holder name"))
    holder_is_minor = models.BooleanField(default=False, verbose_name=_("holder is minor"))
    programme_title = models.CharField(
        max_length=255, blank=True, verbose_name=_("programme title")
    )
    context_title = models.CharField(max_length=255, blank=True, verbose_name=_("context title"))
    date_start = models.DateField(null=True, blank=True, verbose_name=_("date start"))
    date_end = models.DateField(null=True, blank=True, verbose_name=_("date end"))
    hours = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, verbose_name=_("hours")
    )
    place = models.CharField(max_length=255, blank=True, verbose_name=_("place"))
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    code = models.CharField(
        max_length=40, null=True, blank=True, unique=True, verbose_name=_("code")
    )
    pdf = models.FileField(
        upload_to=certificate_upload_to, storage=private_storage, blank=True, verbose_name=_("pdf")
    )
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("sha256"))
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued at"))
    rendered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rendered at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_reason = models.TextField(blank=True, verbose_name=_("revoked reason"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    replaced_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))
    # Rendering that failed: how often, when the sweeper may queue it next, the plain words
    # staff see, the detail administrators see, and when it gave up (needs attention).
    # Columns added after a release carry a database default, so the release before (still
    # serving while this one migrates) can go on inserting rows: docs/deploy.md, "Upgrades".
    render_attempts = models.PositiveSmallIntegerField(
        default=0, db_default=0, verbose_name=_("render attempts")
    )
    render_retry_at = models.DateTimeField(null=True, blank=True, verbose_name=_("render retry at"))
    render_problem = models.CharField(
        max_length=300, blank=True, default="", db_default="", verbose_name=_("render problem")
    )
    render_error = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("render error")
    )
    render_failed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("render failed at")
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(cohort__isnull=False, activity__isnull=True, module__isnull=True)
                    | Q(cohort__isnull=True, activity__isnull=False, module__isnull=True)
                    | Q(cohort__isnull=True, activity__isnull=True, module__isnull=False)
                ),
                name="certificates_certificate_one_target",
            ),
            # Exactly one current certificate per person and target: a duplicate event, a
            # re-run or a second bulk issue cannot make another.
            models.UniqueConstraint(
                fields=["user", "cohort"],
                condition=Q(cohort__isnull=False) & ~Q(state="replaced"),
                name="certificates_one_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["user", "activity"],
                condition=Q(activity__isnull=False) & ~Q(state="replaced"),
                name="certificates_one_per_activity",
            ),
            models.UniqueConstraint(
                fields=["user", "module"],
                condition=Q(module__isnull=False) & ~Q(state="replaced"),
                name="certificates_one_per_module",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(code__isnull=False),
                name="certificates_certificate_code_once_rendered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} — {self.context_title or self.programme_title}"

    @property
    def target(self):
        return self.cohort or self.activity or self.module

    @property
    def needs_attention(self) -> bool:
        """Rendering gave up after its last attempt: staff decide when to try again."""
        return self.state == CertificateState.PENDING and self.render_failed_at is not None

    @property
    def render_failing(self) -> bool:
        """Rendering failed at least once and is still being tried."""
        return self.state == CertificateState.PENDING and self.render_attempts > 0


class BulkIssueState(models.TextChoices):
    REQUESTED = "requested", _("Waiting to start")
    RUNNING = "running", pgettext_lazy("bulk issue state", "Running")
    DONE = "done", pgettext_lazy("bulk issue state", "Done")
    FAILED = "failed", pgettext_lazy("bulk issue state", "Failed")


class BulkIssue(models.Model):
    """A bulk issue for a cohort: the status row its page polls for progress."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=BulkIssueState.choices, default=BulkIssueState.REQUESTED
    )
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When work last moved on (the job started, a chunk was counted): a row still active whose
    # heartbeat is old has lost its job, and the sweeper queues it again.
    heartbeat_at = models.DateTimeField(default=timezone.now, db_default=Now())
    # When it last picked up again after such a stall.
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Bulk issue for {self.cohort} ({self.get_state_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.state == BulkIssueState.DONE else 0
        return min(100, round(100 * (self.issued + self.skipped + self.failed) / self.total))
