"""iCalendar (.ics) files for activities: one activity's download and a participant's feed.
Plain data in, bytes out; the views turn pages into `CalendarEvent`s."""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

PRODID = "-//BSR Academy//Activities//EN"
UID_DOMAIN = "bsr-academy"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    location: str = ""
    url: str = ""
    description: str = ""
    modified_at: datetime | None = None


def activity_uid(activity_id: int) -> str:
    """Stable across edits and downloads, so calendar apps update an event instead of adding a
    second copy."""
    return f"activity-{activity_id}@{UID_DOMAIN}"


def calendar_bytes(events: Iterable[CalendarEvent], *, name: str = "BSR Academy") -> bytes:
    """An RFC 5545 calendar of `events`, times given in each event's own time zone (with its
    VTIMEZONE) so calendar apps show the local time of the venue."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in events:
        tz = zoneinfo.ZoneInfo(item.time_zone)
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        event.add("dtstart", item.starts_at.astimezone(tz).replace(microsecond=0))
        event.add("dtend", item.ends_at.astimezone(tz).replace(microsecond=0))
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        if item.description:
            event.add("description", item.description)
        if item.modified_at:
            event.add("last-modified", item.modified_at.astimezone(UTC))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
