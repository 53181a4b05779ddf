"""Time zones as people read them: “Helsinki time (EET, UTC+2)”, never a raw identifier such as
“Europe/Helsinki”, in pages, e-mails and PDFs alike (the template filters in
`lms.templatetags.time_zones` use the same functions)."""

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext, pgettext

# Named formats (Django's locale formats) or literal ones; the defaults below are each
# language's own long day and moment, which translators set (a weekday comes first in English).
DAY_FORMAT = "DAY_FORMAT"
MOMENT_FORMAT = "MOMENT_FORMAT"


def _format(fmt: str) -> str:
    """A format string for the active language: ours, Django's named ones, or `fmt` itself."""
    if fmt == DAY_FORMAT:
        # Translators: a date with its weekday, in PHP date() letters (l = weekday, j = day,
        # F = month, Y = year), as this language writes it, e.g. "l, j. F Y" in German.
        return pgettext("date format", "l j F Y")
    if fmt == MOMENT_FORMAT:
        # Translators: a date with its weekday and a 24-hour time, in PHP date() letters.
        return pgettext("date format", "l j F Y, H:i")
    if fmt.isupper() and fmt.endswith("FORMAT"):
        return formats.get_format(fmt)
    return fmt


# The zone of each member state's capital: a presidency's cohort runs on its country's time.
COUNTRY_ZONES = {
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki",
    "DE": "Europe/Berlin",
    "IS": "Atlantic/Reykjavik",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "NO": "Europe/Oslo",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "EU": "Europe/Brussels",
}

# City names as they are written, where the identifier had to leave out a letter.
CITY_NAMES = {
    "Reykjavik": "Reykjavík",
    "Kiev": "Kyiv",
}


def zone_of_country(code: str) -> str:
    """The time zone of a member state's capital, else the site's own."""
    return COUNTRY_ZONES.get(str(code or "").upper(), settings.TIME_ZONE)


def _zone(zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def city_of(zone: str) -> str:
    """“Europe/Helsinki” → “Helsinki”; “Atlantic/Reykjavik” → “Reykjavík”."""
    city = (zone or "").rsplit("/", 1)[-1].replace("_", " ")
    return CITY_NAMES.get(city, city)


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(zone: str, at: datetime | None = None) -> str:
    """“Helsinki time (EET, UTC+2)”: the city, the abbreviation in use at `at` (summer or
    winter time; now when not given) and the offset from UTC. “UTC” stays “UTC”."""
    tz = _zone(zone)
    if tz.key in ("UTC", "Etc/UTC"):
        return "UTC"
    local = timezone.localtime(at or timezone.now(), tz)
    abbreviation = local.tzname() or ""
    offset = _offset_text(local)
    if not abbreviation or abbreviation[0] in "+-":  # a zone with no name of its own
        return gettext("%(city)s time (%(offset)s)") % {"city": city_of(tz.key), "offset": offset}
    return gettext("%(city)s time (%(abbreviation)s, %(offset)s)") % {
        "city": city_of(tz.key),
        "abbreviation": abbreviation,
        "offset": offset,
    }


def moment_text(moment: datetime, zone: str, fmt: str = MOMENT_FORMAT) -> str:
    """“Thursday 15 January 2030, 09:00 Riga time (EET, UTC+2)”."""
    local = timezone.localtime(moment, _zone(zone))
    return f"{dateformat.format(local, _format(fmt))} {zone_name(zone, moment)}"


def span_text(starts: datetime, ends: datetime, zone: str) -> str:
    """An activity's dates in its own time zone, the day written once when it is one day:
    “Tuesday 3 March 2026, 09:00–17:00 Riga time (EET, UTC+2)”."""
    tz = _zone(zone)
    start, end = timezone.localtime(starts, tz), timezone.localtime(ends, tz)
    label = zone_name(zone, starts)
    if start.date() == end.date():
        hours = _format("TIME_FORMAT")
        return (
            f"{dateformat.format(start, _format(DAY_FORMAT))}, "
            f"{dateformat.format(start, hours)}–{dateformat.format(end, hours)} {label}"
        )
    moment = _format(MOMENT_FORMAT)
    return f"{dateformat.format(start, moment)} – {dateformat.format(end, moment)} {label}"
