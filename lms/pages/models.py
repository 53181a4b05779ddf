"""The site's home page."""

from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lms.accounts.selectors import home_sections
from lms.languages.content import InReaderLanguage, in_language
from lms.pages.blocks import BaseStreamBlock


class HomePage(InReaderLanguage, Page):
    """The site's front page."""

    intro = models.TextField(blank=True, verbose_name=_("intro"))
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def route(self, request, path_components):
        """Find the deepest page along the path in one query instead of two per level, then let
        that page route what is left of the path (e.g. a module's step/<id>/ views)."""
        if not path_components:
            return super().route(request, path_components)
        prefixes = [
            f"{self.url_path}{'/'.join(path_components[:n])}/"
            for n in range(1, len(path_components) + 1)
        ]
        along = list(
            Page.objects.filter(url_path__in=prefixes, path__startswith=self.path).order_by(
                "-depth"
            )[: len(prefixes)]
        )
        if not along:
            raise Http404
        deepest = along[0].specific
        # Pages shown in breadcrumbs need their parent; it was found here already.
        parent = along[1] if len(along) > 1 and along[1].depth == deepest.depth - 1 else self
        deepest.routed_parent = parent
        remaining = path_components[deepest.depth - self.depth :]
        return deepest.route(request, remaining)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        sections = home_sections(home=self)
        in_language([s["page"] for s in sections] + [c for s in sections for c in s["children"]])
        context["sections"] = sections
        return context
