"""What the participant-side pages of places share: the login address, how place rules and
moments read, the cohort lookup, and the no-referrer headers of pages reached by a secret link."""

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.translation import ngettext
from django_countries import countries

from cohorts.places.models import (
    Cohort,
    PlaceRule,
    RuleAttribute,
    RuleKind,
)
from cohorts.places.selectors import (
    cohort_public,
)
from lms.models import Gender, Level, Organisation, Sector
from lms.time_zones import moment_text

ATTRIBUTE_LABELS = {
    RuleAttribute.SECTOR: dict(Sector.choices),
    RuleAttribute.LEVEL: dict(Level.choices),
    RuleAttribute.GENDER: dict(Gender.choices),
}


def login_url(next_path: str) -> str:
    """The login page, coming back to `next_path` afterwards."""
    return f"{reverse('login')}?{urlencode({'next': next_path})}"


def _moment(value, zone: str) -> str:
    return moment_text(value, zone, get_format("DATETIME_FORMAT"))


def _value_label(rule: PlaceRule) -> str:
    if rule.attribute == RuleAttribute.COUNTRY:
        return countries.name(rule.value) or rule.value
    if rule.attribute == RuleAttribute.ORGANISATION:
        name = None
        if rule.value.isdigit():
            name = Organisation.objects.filter(pk=rule.value).values_list("name", flat=True).first()
        return name or rule.value
    return ATTRIBUTE_LABELS.get(rule.attribute, {}).get(rule.value, rule.value)


def rule_in_words(rule: PlaceRule, cohort: Cohort) -> str:
    """“At most 2 per country”, “at least 1 kept for Municipality until 1 March 2026”."""
    attribute = rule.get_attribute_display().lower()
    n = rule.limit
    if rule.kind == RuleKind.CAP:
        if not rule.value:
            # Translators: a place rule, e.g. "At most 2 per country".
            text = ngettext(
                "At most %(limit)s per %(attribute)s", "At most %(limit)s per %(attribute)s", n
            )
            return text % {"limit": n, "attribute": attribute}
        # Translators: a place rule, e.g. "At most 3 from Finland".
        text = ngettext("At most %(limit)s from %(value)s", "At most %(limit)s from %(value)s", n)
        return text % {"limit": n, "value": _value_label(rule)}
    values = {"limit": n, "value": _value_label(rule)}
    until = rule.reserved_until or cohort.applications_close_at
    if not until:
        # Translators: a place rule: places held back for people with this value.
        text = ngettext(
            "At least %(limit)s kept for %(value)s", "At least %(limit)s kept for %(value)s", n
        )
        return text % values
    # Translators: a place rule: places held back for people with this value until a moment.
    text = ngettext(
        "At least %(limit)s kept for %(value)s until %(moment)s",
        "At least %(limit)s kept for %(value)s until %(moment)s",
        n,
    )
    return text % {**values, "moment": _moment(until, cohort.zone)}


def cohort_or_404(slug: str) -> Cohort:
    """The published cohort with this address, or a 404."""
    cohort = cohort_public(slug=slug)
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def no_referrer(response):
    """Keep a page reached by a secret link from leaking it or being indexed."""
    # The token in the address must not travel to other sites in a Referer header. Not
    # "no-referrer": under it browsers send "Origin: null" with the page's own forms, which
    # Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
