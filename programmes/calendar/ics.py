"""iCalendar (.ics) files for activities: one activity's download and a participant's feed.
Plain data in, bytes out; the views turn pages into `CalendarEvent`s."""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

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
    status: str = ""  # RFC 5545 STATUS: "CONFIRMED", "TENTATIVE"; empty: not stated


def activity_uid(activity_id: int) -> str:
    """Stable across edits and downloads, so calendar apps update an event instead of adding a
    second copy."""
    return f"activity-{activity_id}@{UID_DOMAIN}"


def activity_location(activity, *, online_link: bool = True) -> str:
    """Venue, city and country of an activity page, and its online link when it has one. The
    link is for people with a confirmed place: anyone else learns only that the activity can be
    joined online (`online_link=False`)."""
    place = [activity.venue_name, activity.venue_city]
    if activity.venue_country:
        place.append(activity.venue_country.name)
    location = ", ".join(part for part in place if part)
    if not activity.online_url:
        return location
    if not online_link:
        # Translators: where an activity takes place, in a calendar entry: venue, then "Online".
        return _("%(location)s / Online") % {"location": location} if location else _("Online")
    if not location:
        return activity.online_url
    # Translators: where an activity takes place, in a calendar entry: venue, then its link.
    return _("%(location)s / Online: %(url)s") % {"location": location, "url": activity.online_url}


def activity_calendar_event(activity, *, url: str = "", online_link: bool = True) -> CalendarEvent:
    """An activity page as a calendar event; `url` is the page's absolute address."""
    description = [activity.summary]
    if activity.online_url and online_link:
        description.append(_("Join online: %(url)s") % {"url": activity.online_url})
    if url:
        description.append(_("Details and agenda: %(url)s") % {"url": url})
    if activity.description:
        description.append(strip_tags(activity.description).strip())
    return CalendarEvent(
        uid=activity_uid(activity.pk),
        summary=activity.title,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        time_zone=activity.time_zone,
        location=activity_location(activity, online_link=online_link),
        url=url,
        description="\n\n".join(part for part in description if part),
        modified_at=activity.last_published_at,
    )


def calendar_bytes(
    events: Iterable[CalendarEvent], *, name: str = "BSR Academy", time_zone: str = ""
) -> bytes:
    """An RFC 5545 calendar of `events`, times given in each event's own time zone (with its
    VTIMEZONE) so calendar apps show the local time of the venue; `time_zone` names the
    calendar's own zone (a cohort's), for apps that show a calendar in one zone."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if time_zone:
        calendar.add("x-wr-timezone", time_zone)
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
        if item.status:
            event.add("status", item.status)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
