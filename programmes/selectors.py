"""Read-side queries for programme pages."""

from wagtail.models import Page, PageQuerySet

from programmes.models import ProgrammePage


def programmes_live(*, index: Page) -> PageQuerySet:
    return ProgrammePage.objects.child_of(index).live().public().order_by("path")
