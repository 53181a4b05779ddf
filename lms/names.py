"""Typed names of people and organisations: one way to tidy them (whitespace collapsed, control
characters dropped, every letter kept) for forms, services and links alike."""

from django import forms
from django.utils.translation import gettext_lazy as _

NAME_MAX = 200


def name_clean(value: str | None, *, limit: int = NAME_MAX) -> str:
    """A typed name tidied: runs of whitespace become one space, control characters go, and it
    is cut to `limit` characters. Diacritics (Jānis Bērziņš, Þórunn) are kept as typed."""
    text = "".join(ch for ch in str(value or "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:limit]


def name_required(value: str | None, *, message: str = _("Please enter your name.")) -> str:
    """For a form's `clean_<field>`: the tidied name, or a validation error when nothing is
    left of it."""
    name = name_clean(value)
    if not name:
        raise forms.ValidationError(message)
    return name
