"""Forms of the attendance pages: a session (a day, or part of one) as staff edit it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.attendance.services import SessionInput


class SessionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("For example “Day 2” or “Field visit”."),
    )
    date = forms.DateField(
        # Translators: the date of an attendance session.
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    starts = forms.TimeField(
        label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=0.25,
        max_value=24,
        max_digits=5,
        decimal_places=2,
        help_text=_("Hours that count toward attendance; empty: from start to end."),
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, auto_id=f"id_{prefix_id}%s" if prefix_id else "id_%s", **kwargs)

    def session_input(self) -> SessionInput:
        data = self.cleaned_data
        return SessionInput(
            title=data["title"] or "",
            date=data["date"],
            starts=data["starts"],
            ends=data["ends"],
            hours=data["hours"],
        )
