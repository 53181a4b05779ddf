"""Public and personal views of learning: the upcoming-activities listing, an activity's .ics
download, My learning and the participant's secret calendar feed."""

import re
from dataclasses import replace
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_countries import countries

from lms import languages
from lms.languages.content import in_language
from lms.tokens import token_digest
from programmes.calendar.ics import CalendarEvent, activity_calendar_event, calendar_bytes
from programmes.calendar.models import CalendarFeed
from programmes.pages.models import ActivityKind, ActivityPage
from programmes.pages.selectors import (
    activities_listed,
    activities_of_learner,
    activity_filter_options,
    programme_of,
)
from programmes.progress.selectors import learning_overview
from programmes.progress.services import calendar_feed_ensure
from programmes.progress.services import calendar_feed_reset as feed_reset

ACTIVITIES_PER_PAGE = 12
# The CBSS member states are always offered, even before any of their activities is published.
CBSS_COUNTRIES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE"]
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --- Upcoming activities ------------------------------------------------------------------------


class ActivityFilterForm(forms.Form):
    programme = forms.TypedChoiceField(
        label=gettext_lazy("Programme"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *ActivityKind.choices],
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        max_length=7,
        widget=forms.DateInput(
            attrs={
                "type": "month",
                # Translators: how to type a month in the activities filter (year, then month).
                "placeholder": gettext_lazy("YYYY-MM"),
                "aria-describedby": "id_month_helptext",
            }
        ),
        help_text=gettext_lazy("Year and month, e.g. 2026-09"),
    )

    def __init__(self, *args, options: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [
            ("", gettext("All programmes")),
            *[(p.pk, p.title) for p in options["programmes"]],
        ]
        codes = sorted(set(CBSS_COUNTRIES) | set(options["countries"]), key=countries.name)
        self.fields["country"].choices = [
            ("", gettext("All countries")),
            *[(code, countries.name(code) or code) for code in codes],
        ]

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
            raise forms.ValidationError(gettext("Write the month as year and month, e.g. 2026-09."))
        year, month = int(match[1]), int(match[2])
        start = timezone.make_aware(datetime(year, month, 1))
        end = timezone.make_aware(
            datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
        )
        return start, end

    def filters(self) -> dict:
        """The valid filters only: a bad value in one field does not discard the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        month = data.get("month")
        return {
            "programme_id": data.get("programme"),
            "kind": data.get("kind") or None,
            "country": data.get("country") or None,
            "month_start": month[0] if month else None,
            "month_end": month[1] if month else None,
        }


# What the listing says of a filter value it does not know (the value is what was typed).
IGNORED_FILTERS = {
    "programme": gettext_lazy("The programme “%(value)s” is not one we know, so it was ignored."),
    "kind": gettext_lazy("The kind of activity “%(value)s” is not one we know, so it was ignored."),
    "country": gettext_lazy("The country “%(value)s” is not one we know, so it was ignored."),
    "month": gettext_lazy("The month “%(value)s” is not one we know, so it was ignored."),
}


def activity_list(request):
    options = activity_filter_options()
    form = ActivityFilterForm(request.GET or None, options=options)
    filters = form.filters() if form.is_bound else {}
    ignored = [
        IGNORED_FILTERS[name] % {"value": request.GET.get(name, "")}
        for name in form.errors
        if name in IGNORED_FILTERS
    ]
    activities = activities_listed(**filters)
    page_obj = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    items = in_language(page_obj.object_list)
    programmes = programme_of(pages=items)
    in_language(programmes.values())
    for activity in items:
        activity.programme = programmes.get(activity.pk)
    return render(
        request,
        "programmes/activity_list.html",
        {
            "form": form,
            "ignored": ignored,
            "activities": items,
            "page_obj": page_obj,
            "filtered": any(filters.values()),
        },
    )


# --- Calendars ----------------------------------------------------------------------------------


def activity_event(activity: ActivityPage, request, *, online_link: bool = False) -> CalendarEvent:
    return activity_calendar_event(
        activity, url=activity.get_full_url(request) or "", online_link=online_link
    )


def _ics_response(content: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def activity_ics(request, page_id: int):
    activity = ActivityPage.objects.live().public().filter(pk=page_id).first()
    if activity is None:
        raise Http404("No such activity.")
    content = calendar_bytes([activity_event(activity, request)], name=activity.title)
    return _ics_response(content, filename=f"{activity.slug}.ics", attachment=True)


FEED_NOTES = {
    "offered": gettext_lazy(
        "A place is offered to you: accept it on your place page before the offer ends, "
        "or it passes to the next person waiting."
    ),
    "pending": gettext_lazy("Your place is not confirmed yet."),
}
FEED_SUFFIXES = {
    "offered": gettext_lazy("place offered, not yet accepted"),
    "pending": gettext_lazy("not confirmed yet"),
}


def feed_event(activity: ActivityPage, request) -> CalendarEvent:
    """An activity in the private feed: STATUS:CONFIRMED for a place that is the person's own;
    a place offered or not yet confirmed is TENTATIVE, says so in its title and description,
    and keeps the online link back. Waitlisted activities are not in the feed at all (nor
    among My upcoming activities): a place waited for may never come."""
    place = activity.place
    event = activity_event(activity, request, online_link=place.confirmed)
    if place.confirmed:
        return replace(event, status="CONFIRMED")
    note = str(FEED_NOTES.get(place.status, FEED_NOTES["pending"]))
    suffix = FEED_SUFFIXES.get(place.status, FEED_SUFFIXES["pending"])
    return replace(
        event,
        status="TENTATIVE",
        # Translators: a calendar entry's title: the activity, then why it is tentative.
        summary=gettext("%(activity)s (%(status)s)")
        % {"activity": event.summary, "status": suffix},
        description="\n\n".join(part for part in (note, event.description) if part),
    )


@never_cache
def calendar_feed(request, token: str):
    """A participant's subscription feed; the token in the URL is the only key."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_digest(token), user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    # The feed is the person's own: in their language, whoever's app fetches it.
    with languages.reading(languages.of_user(feed.user)):
        events = [feed_event(a, request) for a in activities_of_learner(user=feed.user)]
        content = calendar_bytes(events, name=gettext("BSR Academy: my activities"))
    response = _ics_response(content, filename="bsr-academy.ics", attachment=False)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- My learning --------------------------------------------------------------------------------


@never_cache
@login_required
def my_learning(request):
    overview = learning_overview(user=request.user)
    in_language(
        [learning.programme for learning in overview]
        + [state.module for learning in overview for state in learning.modules]
    )
    for learning in overview:
        for state in learning.modules:
            state.url = state.module.get_url(request)
            step = state.next_step
            state.next_url = f"{state.url}step/{step.id}/" if step and state.started else None
            # Translators: a module's title in quotation marks; the titles are joined with commas.
            state.missing_titles = ", ".join(
                gettext("“%(module)s”") % {"module": m.title} for m in state.missing_prerequisites
            )
    activities = in_language(activities_of_learner(user=request.user))
    programmes = programme_of(pages=activities)
    in_language(programmes.values())
    for activity in activities:
        activity.programme = programmes.get(activity.pk)
    feed = calendar_feed_ensure(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return render(
        request,
        "programmes/my_learning.html",
        {
            "overview": overview,
            "activities": activities,
            "feed_url": feed_url,
            "webcal_url": re.sub(r"^https?://", "webcal://", feed_url),
        },
    )


@require_POST
@login_required
def calendar_feed_reset(request):
    """Replace the feed's secret so every copy of the old link stops working."""
    feed_reset(user=request.user)
    messages.success(
        request,
        gettext(
            "Your calendar link was reset. The old link no longer works: subscribe again with "
            "the new one."
        ),
    )
    return redirect(reverse("my_learning") + "#calendar")
