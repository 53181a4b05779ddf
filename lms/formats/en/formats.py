"""English as written in the region's English-language documents: British day-month-year dates
with the month in full and a 24-hour clock, not Django's American defaults for "en"."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
