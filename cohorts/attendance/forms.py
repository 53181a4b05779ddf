"""Forms of the attendance pages: a session (a day, or part of one) as staff edit it."""

from django import forms

from cohorts.attendance.services import SessionInput


class SessionForm(forms.Form):
    title = forms.CharField(
        max_length=200, required=False, help_text="For example “Day 2” or “Field visit”."
    )
    date = forms.DateField(
        label="Day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    starts = forms.TimeField(
        label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(
        label="Ends", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    hours = forms.DecimalField(
        required=False,
        min_value=0.25,
        max_value=24,
        max_digits=5,
        decimal_places=2,
        help_text="Hours that count toward attendance; empty: from start to end.",
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
