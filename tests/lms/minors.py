"""Helpers for young people who sign up themselves: a date of birth of a given age today, the
sign-up form's data, and the guardian's link read back from the e-mail outbox."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from lms.consent.services import notice_current
from lms.models import GuardianConsent, OutgoingEmail

PASSWORD = "Correct-Horse-42"
GUARDIAN = "mor.aero@example.dk"


def born_aged(years: int) -> dt.date:
    """A date of birth of someone exactly `years` old today (their birthday has passed)."""
    today = timezone.localdate()
    return dt.date(today.year - years, today.month, 1) - dt.timedelta(days=1)


def signup_data(*, years: int, country: str = "DK", **changes) -> dict:
    data = {
        "email": "soren@example.dk",
        "full_name": "Søren Ærø",
        "date_of_birth": born_aged(years).isoformat(),
        "country": country,
        "guardian_email": GUARDIAN,
        "preferred_language": "da",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def consent_token(guardian: str = GUARDIAN, *, number: int = -1) -> str:
    """The token of the link in the guardian's e-mail (the latest one by default)."""
    emails = OutgoingEmail.objects.filter(recipient=guardian, reason__startswith="lms.consent.")
    links = [
        match
        for email in emails.order_by("created_at", "pk")
        for match in re.findall(r"/consent/([A-Za-z0-9_-]{43})/", email.body_text)
    ]
    assert links, f"no consent link was e-mailed to {guardian}"
    return links[number]


def guardian_answers(client, token: str, decision: str, name: str = "Mette Ærø"):
    """The guardian opens the link and presses a button on the page."""
    page = client.get(reverse("consent:page", args=[token]))
    assert page.status_code == 200
    consent = GuardianConsent.objects.get(tokens__digest=_digest(token))
    return client.post(
        reverse("consent:page", args=[token]),
        {
            "decision": decision,
            "consent": consent.pk,
            "guardian_name": name,
            "notice_version": notice_current(consent.purpose).version,
            # A refusal is asked once more; the guardian presses "Yes, I do not consent".
            **({"confirm": "yes"} if decision == "refuse" else {}),
        },
        follow=True,
    )


def _digest(token: str) -> str:
    from lms.tokens import token_digest

    return token_digest(token)


def confirm_link(address: str) -> str:
    """The path of the link in the latest sign-up confirmation e-mailed to `address`."""
    emails = OutgoingEmail.objects.filter(recipient=address, reason__startswith="signup-confirm:")
    links = [
        match
        for email in emails.order_by("created_at", "pk")
        for match in re.findall(r"/account/signup/confirm/[^/\s]+/[^/\s]+/", email.body_text)
    ]
    assert links, f"no sign-up confirmation was e-mailed to {address}"
    return links[-1]


def signup(client, data: dict):
    """Sign up through the form, then open the e-mailed link and press its button, as a person
    does; the response is the page the button leads to (followed)."""
    response = client.post(reverse("signup"), data)
    assert response.status_code == 200, "the sign-up form was refused"
    assert "Check your e-mail" in response.content.decode()
    return client.post(confirm_link(data["email"]), follow=True)
