"""Template tags that render the panels higher layers (cohorts) register through Wagtail hooks
on programme pages, activity pages and My learning, so programmes never imports them."""

from django import template
from django.utils.html import format_html_join
from wagtail import hooks

from programmes.pages.selectors import (
    ACTIVITY_PAGE_PANELS_HOOK,
    MY_LEARNING_PANELS_HOOK,
    PROGRAMME_PAGE_PANELS_HOOK,
)

register = template.Library()


def _panels(hook_name: str, **kwargs) -> str:
    parts = [hook(**kwargs) for hook in hooks.get_hooks(hook_name)]
    # Each panel is escaped unless it is already safe (a rendered template is).
    return format_html_join("", "{}", ((part,) for part in parts if part))


def _page_panels(context, hook_name: str, page) -> str:
    request = context.get("request")
    # A page previewed before its first save has nothing to attach panels to.
    if request is None or page is None or page.pk is None:
        return ""
    return _panels(hook_name, request=request, page=page)


@register.simple_tag(takes_context=True)
def programme_page_panels(context, page):
    return _page_panels(context, PROGRAMME_PAGE_PANELS_HOOK, page)


@register.simple_tag(takes_context=True)
def activity_page_panels(context, page):
    return _page_panels(context, ACTIVITY_PAGE_PANELS_HOOK, page)


@register.simple_tag(takes_context=True)
def my_learning_panels(context):
    request = context.get("request")
    if request is None:
        return ""
    return _panels(MY_LEARNING_PANELS_HOOK, request=request)
