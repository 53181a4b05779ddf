"""Times are shown with a readable zone: “Helsinki time (EET, UTC+2)”, summer time included,
never a raw identifier such as “Europe/Helsinki”, in Python and in templates alike."""

from datetime import UTC, datetime

from django.template import Context, Template

from lms.time_zones import moment_text, span_text, zone_name, zone_of_country

WINTER = datetime(2030, 1, 15, 7, 0, tzinfo=UTC)
SUMMER = datetime(2030, 7, 15, 6, 0, tzinfo=UTC)


def test_zone_names_read_as_a_city_with_abbreviation_and_offset():
    assert zone_name("Europe/Helsinki", WINTER) == "Helsinki time (EET, UTC+2)"
    assert zone_name("Europe/Helsinki", SUMMER) == "Helsinki time (EEST, UTC+3)"
    assert zone_name("Europe/Riga", WINTER) == "Riga time (EET, UTC+2)"
    assert zone_name("Atlantic/Reykjavik", WINTER) == "Reykjavík time (GMT, UTC+0)"
    assert zone_name("Europe/Samara", WINTER) == "Samara time (UTC+4)"
    assert zone_name("UTC", WINTER) == "UTC"
    # An unknown name falls back to the site's zone instead of failing.
    assert zone_name("Mars/Olympus", WINTER) == "Stockholm time (CET, UTC+1)"


def test_moments_and_spans_are_in_the_zone_they_name():
    assert moment_text(WINTER, "Europe/Helsinki") == (
        "Tuesday 15 January 2030, 09:00 Helsinki time (EET, UTC+2)"
    )
    assert span_text(WINTER, WINTER.replace(hour=15), "Europe/Riga") == (
        "Tuesday 15 January 2030, 09:00–17:00 Riga time (EET, UTC+2)"
    )
    assert zone_of_country("FI") == "Europe/Helsinki"
    assert zone_of_country("IS") == "Atlantic/Reykjavik"
    assert zone_of_country("") == "Europe/Stockholm"


def test_the_template_filters_show_the_same():
    template = Template(
        "{% load time_zones %}{{ zone|zone_name:at }} | {{ at|in_zone:zone }} | "
        '{% moment at zone "j M Y, H:i" %}'
    )
    rendered = template.render(Context({"zone": "Europe/Riga", "at": SUMMER}))
    assert rendered == (
        "Riga time (EEST, UTC+3) | Monday 15 July 2030, 09:00 Riga time (EEST, UTC+3) | "
        "15 Jul 2030, 09:00 Riga time (EEST, UTC+3)"
    )
    assert "Europe/" not in rendered
