"""Building iCalendar files from plain event data: times in the venue's zone with a VTIMEZONE,
the right UTC instant in winter and in summer, and text with the region's diacritics."""

from datetime import UTC, datetime

import icalendar

from programmes.calendar.ics import CalendarEvent, activity_uid, calendar_bytes
from tests.programmes.builders import local


def event(**kwargs) -> CalendarEvent:
    data = {
        "uid": activity_uid(7),
        "summary": "Field exercise",
        "starts_at": local("2030-01-15 09:00"),
        "ends_at": local("2030-01-15 17:00"),
        "time_zone": "Europe/Riga",
    }
    return CalendarEvent(**{**data, **kwargs})


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def test_winter_and_summer_times_keep_the_local_hour_and_the_utc_instant():
    winter = event(uid="w@x")
    summer = event(
        uid="s@x",
        starts_at=local("2030-07-15 09:00"),
        ends_at=local("2030-07-15 17:00"),
    )

    calendar = parse(calendar_bytes([winter, summer]))

    starts = {str(e["uid"]): e.decoded("dtstart") for e in calendar.walk("VEVENT")}
    assert starts["w@x"].astimezone(UTC) == datetime(2030, 1, 15, 7, tzinfo=UTC)
    assert starts["s@x"].astimezone(UTC) == datetime(2030, 7, 15, 6, tzinfo=UTC)
    assert {e["dtstart"].params["TZID"] for e in calendar.walk("VEVENT")} == {"Europe/Riga"}
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_an_event_given_in_utc_is_written_in_its_own_time_zone():
    item = event(
        starts_at=datetime(2030, 1, 15, 8, tzinfo=UTC),
        ends_at=datetime(2030, 1, 15, 9, tzinfo=UTC),
        time_zone="Europe/Helsinki",
    )

    content = calendar_bytes([item])

    assert b"DTSTART;TZID=Europe/Helsinki:20300115T100000" in content
    [vevent] = parse(content).walk("VEVENT")
    assert vevent.decoded("dtstart").astimezone(UTC) == datetime(2030, 1, 15, 8, tzinfo=UTC)


def test_text_fields_survive_with_diacritics_and_line_breaks():
    item = event(
        summary="Þórunn Guðmundsdóttir and Žydrūnas Šimkus: Søren Ærø's debrief",
        location="Kaunas, Lithuania",
        url="https://academy.example.org/a/",
        description="Line one, Małgorzata Wąsowska.\n\nLine two; Õie Täht.",
    )

    [vevent] = parse(calendar_bytes([item])).walk("VEVENT")

    assert str(vevent["summary"]) == item.summary
    assert str(vevent["location"]) == item.location
    assert str(vevent["url"]) == item.url
    assert str(vevent["description"]) == item.description
    assert str(vevent["uid"]) == "activity-7@bsr-academy"
    assert "dtstamp" in vevent


def test_an_empty_calendar_is_still_valid():
    calendar = parse(calendar_bytes([], name="Nothing yet"))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["version"]) == "2.0"
