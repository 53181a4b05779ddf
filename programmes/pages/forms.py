"""Admin forms of programme pages."""

import copy
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminPageForm

from lms.models import Sector

LOCAL_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
# A higher layer (cohorts) checks an edited activity against what uses it, without programmes
# importing it: `hook(activity=<the page with the form's values>)` returns messages; any message
# refuses the save.
ACTIVITY_FORM_CHECKS_HOOK = "bsr_activity_form_checks"
CHECKED_FIELDS = ("capacity", "places_per_country", "sectors", "min_age", "max_age")


class ActivityPageForm(WagtailAdminPageForm):
    """Editors type times as they are at the venue: they are read in the activity's time zone,
    not the server's."""

    sectors = forms.MultipleChoiceField(
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Sectors that may take part; none ticked: all sectors."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        zone = self._zone(getattr(instance, "time_zone", ""))
        for name in LOCAL_TIME_FIELDS:
            if name not in self.fields:
                continue
            self.fields[name].help_text = gettext(
                "Local time at the venue, in the activity's time zone."
            )
            value = getattr(instance, name, None)
            if value is not None and zone is not None:
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)

    @staticmethod
    def _zone(name: str):
        try:
            return zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        zone = self._zone(cleaned.get("time_zone") or "")
        if zone is not None:
            current = timezone.get_current_timezone()
            for name in LOCAL_TIME_FIELDS:
                value = cleaned.get(name)
                if value is not None:
                    wall = timezone.make_naive(value, current)
                    cleaned[name] = timezone.make_aware(wall, zone)
        edited = copy.copy(self.instance)
        for name in CHECKED_FIELDS:
            if name in cleaned:
                setattr(edited, name, cleaned[name])
        for hook in hooks.get_hooks(ACTIVITY_FORM_CHECKS_HOOK):
            for message in hook(activity=edited) or []:
                self.add_error(None, message)
        return cleaned
