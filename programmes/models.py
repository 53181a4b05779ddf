"""Wagtail pages of the programmes: the programme index and one page per programme."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from lms.blocks import BaseStreamBlock


class Audience(models.TextChoices):
    PROFESSIONALS = "professionals", "Professionals"
    YOUTH = "youth", "Children and young people"
    MIXED = "mixed", "Professionals, volunteers and young people"


class ProgrammeIndexPage(Page):
    """Lists the programmes."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["programmes.ProgrammePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from programmes.selectors import programmes_live

        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = programmes_live(index=self)
        return context


class ProgrammePage(Page):
    """One programme: BEP, NEEDS, Secure Kids or BYFORES."""

    short_name = models.CharField(max_length=40, blank=True, help_text="e.g. BEP, NEEDS")
    summary = models.TextField(help_text="One or two sentences shown in listings.")
    audience = models.CharField(
        max_length=20, choices=Audience.choices, default=Audience.PROFESSIONALS
    )
    goals = RichTextField(blank=True, features=["bold", "italic", "link", "ul", "ol"])
    partners = RichTextField(
        "partners and funding", blank=True, features=["bold", "italic", "link", "ul"]
    )
    contact = models.CharField(
        max_length=200, blank=True, help_text="A role or team address, not a person's name."
    )
    body = StreamField(BaseStreamBlock(), blank=True)

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("goals"),
        index.SearchField("body"),
    ]
    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("short_name"), FieldPanel("summary"), FieldPanel("audience")],
            heading="At a glance",
        ),
        FieldPanel("goals"),
        FieldPanel("body"),
        FieldPanel("partners"),
        FieldPanel("contact"),
    ]
    parent_page_types = ["programmes.ProgrammeIndexPage"]
    subpage_types: list[str] = []

    def __str__(self) -> str:
        return self.title
