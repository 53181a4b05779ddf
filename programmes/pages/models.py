"""Wagtail pages of the programmes: the index, programmes, modules and activities."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext, gettext_lazy
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from lms.contact import contact_of
from lms.languages.content import InReaderLanguage, in_language
from lms.models import Language, Sector
from lms.pages.blocks import BaseStreamBlock
from programmes.pages.blocks import AgendaStreamBlock, LessonStreamBlock
from programmes.pages.forms import ActivityPageForm

HYPHENATED_RE = re.compile(r"\w+(?:-\w+)+")


class CompoundWordsMixin:
    """Lets search find a hyphenated word written as one word ("tabletop" finds "table-top"):
    the page's hyphenated words are indexed once more, joined. The other way round ("table-top"
    finds "tabletop") is the query's job (programmes.search)."""

    compound_source_fields: tuple[str, ...] = ()

    def search_compounds(self) -> str:
        texts = [self.title]
        for name in self.compound_source_fields:
            value = getattr(self, name, None)
            if not value:
                continue
            field = self._meta.get_field(name)
            if isinstance(field, StreamField):
                texts += field.stream_block.get_searchable_content(value)
            else:
                texts.append(strip_tags(str(value)))
        words = (
            match.group(0).replace("-", "")
            for text in texts
            for match in HYPHENATED_RE.finditer(text)
        )
        return " ".join(dict.fromkeys(words))


class Audience(models.TextChoices):
    PROFESSIONALS = "professionals", gettext_lazy("Professionals")
    YOUTH = "youth", gettext_lazy("Children and young people")
    MIXED = "mixed", gettext_lazy("Professionals, volunteers and young people")


class ProgrammeIndexPage(InReaderLanguage, Page):
    """Lists the programmes."""

    intro = models.TextField(blank=True, verbose_name=gettext_lazy("intro"))

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["programmes.ProgrammePage"]
    max_count = 1

    class Meta:
        verbose_name = gettext_lazy("programme index page")
        verbose_name_plural = gettext_lazy("programme index pages")

    def get_context(self, request, *args, **kwargs):
        # Inside the method: a Wagtail page serves itself, and the selectors and views it calls
        # import the page models (the one documented exception to imports at the top).
        from programmes.pages.selectors import programmes_live

        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = in_language(programmes_live(index=self))
        return context


class ProgrammePage(InReaderLanguage, CompoundWordsMixin, Page):
    """One programme: BEP, NEEDS, Secure Kids or BYFORES."""

    short_name = models.CharField(
        max_length=40,
        blank=True,
        help_text=gettext_lazy("e.g. BEP, NEEDS"),
        verbose_name=gettext_lazy("short name"),
    )
    summary = models.TextField(
        help_text=gettext_lazy("One or two sentences shown in listings."),
        verbose_name=gettext_lazy("summary"),
    )
    audience = models.CharField(
        max_length=20,
        choices=Audience.choices,
        default=Audience.PROFESSIONALS,
        verbose_name=gettext_lazy("audience"),
    )
    goals = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        verbose_name=gettext_lazy("goals"),
    )
    partners = RichTextField(
        gettext_lazy("partners and funding"), blank=True, features=["bold", "italic", "link", "ul"]
    )
    contact = models.CharField(
        gettext_lazy("contact name"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy(
            "A role or team, not a person's name: e.g. “NEEDS education team, CBSS Secretariat”."
        ),
    )
    contact_email = models.EmailField(
        blank=True,
        help_text=gettext_lazy(
            "A team address that people can write to about this programme. Error pages and "
            "e-mails that say “write to the programme's contact” link to it."
        ),
        verbose_name=gettext_lazy("contact email"),
    )
    contact_phone = models.CharField(
        gettext_lazy("contact phone (optional)"), max_length=40, blank=True
    )
    contact_url = models.URLField(
        gettext_lazy("contact page (optional)"),
        blank=True,
        help_text=gettext_lazy("A page with more ways to get in touch."),
    )
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=gettext_lazy("body"))

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("goals"),
        index.SearchField("body"),
        index.SearchField("search_compounds"),
    ]
    compound_source_fields = ("summary", "goals", "body")
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("short_name"), FieldPanel("summary"), FieldPanel("audience")],
            heading=gettext_lazy("At a glance"),
        ),
        FieldPanel("goals"),
        FieldPanel("body"),
        FieldPanel("partners"),
        MultiFieldPanel(
            [
                FieldPanel("contact"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_url"),
            ],
            heading=gettext_lazy("Contact"),
        ),
    ]
    parent_page_types = ["programmes.ProgrammeIndexPage"]
    subpage_types = [
        "programmes.ModulePage",
        "programmes.ActivityPage",
        "programmes.SurveyPage",
        "programmes.LessonsLearnedPage",
    ]

    class Meta:
        verbose_name = gettext_lazy("programme page")
        verbose_name_plural = gettext_lazy("programme pages")

    def __str__(self) -> str:
        return self.title

    @property
    def contact_details(self) -> dict:
        """Who to write to about this programme; the site's own contact when none is set."""

        return contact_of(self)

    def get_context(self, request, *args, **kwargs):
        # Inside the method: a Wagtail page serves itself, and the selectors and views it calls
        # import the page models (the one documented exception to imports at the top).
        from programmes.pages.selectors import activities_upcoming, modules_of

        context = super().get_context(request, *args, **kwargs)
        context["modules"] = in_language(modules_of(programme=self))
        context["activities"] = in_language(activities_upcoming(programme=self)[:10])
        return context


class ModulePage(InReaderLanguage, CompoundWordsMixin, RoutablePageMixin, Page):
    """A course module: a sequence of lesson steps with a completion rule."""

    summary = models.TextField(
        help_text=gettext_lazy("One or two sentences shown in listings."),
        verbose_name=gettext_lazy("summary"),
    )
    learning_outcomes = RichTextField(
        blank=True,
        features=["bold", "italic", "ul", "ol"],
        help_text=gettext_lazy("What participants can do after."),
        verbose_name=gettext_lazy("learning outcomes"),
    )
    estimated_minutes = models.PositiveIntegerField(
        default=30,
        help_text=gettext_lazy("Estimated time to complete, in minutes."),
        verbose_name=gettext_lazy("estimated minutes"),
    )
    lessons = StreamField(LessonStreamBlock(), blank=True, verbose_name=gettext_lazy("lessons"))

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("learning_outcomes"),
        index.SearchField("lessons"),
        index.SearchField("search_compounds"),
    ]
    compound_source_fields = ("summary", "learning_outcomes", "lessons")
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("learning_outcomes"),
        FieldPanel("estimated_minutes"),
        InlinePanel(
            "prerequisites",
            heading=gettext_lazy("Prerequisites"),
            label=gettext_lazy("Module to finish first"),
        ),
        FieldPanel("lessons"),
    ]
    parent_page_types = ["programmes.ProgrammePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = gettext_lazy("module page")
        verbose_name_plural = gettext_lazy("module pages")

    def steps(self) -> list:
        """The lesson steps in order, each a StreamChild with a stable `id`."""
        return list(self.lessons)

    def get_context(self, request, *args, **kwargs):
        # Inside the method: a Wagtail page serves itself, and the selectors and views it calls
        # import the page models (the one documented exception to imports at the top).
        from programmes.progress.selectors import module_state

        context = super().get_context(request, *args, **kwargs)
        context["state"] = module_state(module=self, user=request.user)
        context["parent"] = in_language([self.parent_for_breadcrumb()])[0]
        return context

    def parent_for_breadcrumb(self) -> Page:
        # Routing from the home page already found the parent; otherwise ask the tree.
        return getattr(self, "routed_parent", None) or self.get_parent()

    @path("")
    def overview(self, request):
        return self.render(request)

    @path("step/<str:step_id>/")
    def step(self, request, step_id):
        # Inside the method: a Wagtail page serves itself, and the selectors and views it calls
        # import the page models (the one documented exception to imports at the top).
        from programmes.progress.views import module_step

        return module_step(request, module=self, step_id=step_id)


class ModulePrerequisite(Orderable):
    module = ParentalKey(
        ModulePage,
        on_delete=models.CASCADE,
        related_name="prerequisites",
        verbose_name=gettext_lazy("module"),
    )
    prerequisite = models.ForeignKey(
        ModulePage,
        on_delete=models.CASCADE,
        related_name="required_by",
        verbose_name=gettext_lazy("prerequisite"),
    )

    panels = [FieldPanel("prerequisite")]

    class Meta(Orderable.Meta):
        verbose_name = gettext_lazy("module prerequisite")
        verbose_name_plural = gettext_lazy("module prerequisites")
        constraints = [
            models.UniqueConstraint(
                fields=["module", "prerequisite"], name="programmes_prerequisite_once"
            )
        ]

    def clean(self):
        if self.module_id and self.module_id == self.prerequisite_id:
            raise ValidationError(gettext("A module cannot be its own prerequisite."))


class ActivityKind(models.TextChoices):
    WORKSHOP = "workshop", gettext_lazy("Workshop")
    TABLETOP = "tabletop", gettext_lazy("Table-top exercise")
    STUDY_VISIT = "study_visit", gettext_lazy("Study visit")
    FIELD_EXERCISE = "field_exercise", gettext_lazy("Field exercise")
    CONFERENCE = "conference", gettext_lazy("Conference")
    WEBINAR = "webinar", gettext_lazy("Webinar")
    MEETING = "meeting", gettext_lazy("Meeting")


TIME_ZONES = sorted(
    tz
    for tz in zoneinfo.available_timezones()
    if tz.startswith(("Europe/", "Atlantic/Reykjavik", "UTC"))
)


class ActivityPage(InReaderLanguage, CompoundWordsMixin, Page):
    """A workshop, exercise, study visit, conference, webinar or meeting."""

    kind = models.CharField(
        max_length=20, choices=ActivityKind.choices, verbose_name=gettext_lazy("kind")
    )
    summary = models.TextField(
        help_text=gettext_lazy("One or two sentences shown in listings."),
        verbose_name=gettext_lazy("summary"),
    )
    description = RichTextField(
        blank=True,
        features=["bold", "italic", "ul", "ol", "link"],
        verbose_name=gettext_lazy("description"),
    )
    starts_at = models.DateTimeField(verbose_name=gettext_lazy("starts at"))
    ends_at = models.DateTimeField(verbose_name=gettext_lazy("ends at"))
    time_zone = models.CharField(
        max_length=64,
        choices=[(tz, tz) for tz in TIME_ZONES],
        default="Europe/Stockholm",
        help_text=gettext_lazy("Times are shown to participants in this time zone."),
        verbose_name=gettext_lazy("time zone"),
    )
    venue_name = models.CharField(
        max_length=200, blank=True, verbose_name=gettext_lazy("venue name")
    )
    venue_city = models.CharField(
        max_length=100, blank=True, verbose_name=gettext_lazy("venue city")
    )
    venue_country = CountryField(blank=True, verbose_name=gettext_lazy("venue country"))
    online_url = models.URLField(
        blank=True,
        help_text=gettext_lazy("Link for online participation."),
        verbose_name=gettext_lazy("online url"),
    )
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
        verbose_name=gettext_lazy("language"),
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: no limit."),
        verbose_name=gettext_lazy("capacity"),
    )
    places_per_country = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Most places one country may take. Empty: no limit."),
        verbose_name=gettext_lazy("places per country"),
    )
    registration_opens_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("registration opens at")
    )
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("registration closes at")
    )
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=gettext_lazy("min age")
    )
    max_age = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=gettext_lazy("max age")
    )
    minors_per_adult = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Group bookings: at most this many minors per accompanying adult (e.g. 8). "
            "Empty: no ratio."
        ),
        verbose_name=gettext_lazy("minors per adult"),
    )
    sectors = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("Sectors that may take part; empty: all sectors."),
        verbose_name=gettext_lazy("sectors"),
    )
    agenda = StreamField(AgendaStreamBlock(), blank=True, verbose_name=gettext_lazy("agenda"))

    base_form_class = ActivityPageForm

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("venue_city"),
        index.SearchField("search_compounds"),
        index.FilterField("kind"),
        index.FilterField("starts_at"),
    ]
    compound_source_fields = ("summary", "description")
    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("time_zone"),
            ],
            heading=gettext_lazy("When"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("venue_name"),
                FieldRowPanel([FieldPanel("venue_city"), FieldPanel("venue_country")]),
                FieldPanel("online_url"),
                FieldPanel("language"),
            ],
            heading=gettext_lazy("Where"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("places_per_country")]),
                FieldRowPanel(
                    [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]
                ),
                FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
                FieldPanel("minors_per_adult"),
                FieldPanel("sectors"),
            ],
            heading=gettext_lazy("Places and eligibility"),
        ),
        FieldPanel("agenda"),
    ]
    parent_page_types = ["programmes.ProgrammePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = gettext_lazy("activity page")
        verbose_name_plural = gettext_lazy("activity pages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="programmes_activity_ends_after_start",
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = gettext("The activity cannot end before it starts.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at < self.registration_opens_at
        ):
            errors["registration_closes_at"] = gettext("Registration cannot close before it opens.")
        if self.min_age and self.max_age and self.max_age < self.min_age:
            errors["max_age"] = gettext("The upper age limit is below the lower one.")
        unknown = set(self.sectors or []) - set(Sector.values)
        if unknown:
            errors["sectors"] = gettext("Unknown sectors: %(sectors)s.") % {
                "sectors": ", ".join(sorted(unknown))
            }
        if errors:
            raise ValidationError(errors)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.tz)

    def registration_status(self, now) -> str:
        """ "open", "not_yet", "closed" (the window has passed), "over" (the activity has ended) or
        "started" (no window, and the activity has begun: without a window, registration is open
        until it starts)."""
        if self.ends_at and self.ends_at < now:
            return "over"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        if self.registration_closes_at:
            return "closed" if now >= self.registration_closes_at else "open"
        if self.starts_at and self.starts_at <= now:
            return "started"
        return "open"

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.venue_city

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [labels.get(code, code) for code in self.sectors or []]
