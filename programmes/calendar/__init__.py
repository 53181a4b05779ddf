"""iCalendar files: one activity's .ics download and a participant's secret-link feed."""
