"""Template filters that show times in a named zone, readably:
`{{ activity.time_zone|zone_name:activity.starts_at }}` → “Riga time (EET, UTC+2)”;
`{{ moment|in_zone:cohort.zone }}` → “Monday 2 March 2026, 17:00 Helsinki time (EET, UTC+2)”;
`{% moment value zone "DATETIME_FORMAT" %}` for another (named or literal) date format."""

from django import template

from lms import time_zones

register = template.Library()


@register.filter
def zone_name(zone, at=None) -> str:
    return time_zones.zone_name(str(zone or ""), at or None)


@register.filter
def in_zone(moment, zone) -> str:
    if not moment:
        return ""
    return time_zones.moment_text(moment, str(zone or ""))


@register.simple_tag
def moment(value, zone, fmt: str = time_zones.MOMENT_FORMAT) -> str:
    if not value:
        return ""
    return time_zones.moment_text(value, str(zone or ""), fmt)
