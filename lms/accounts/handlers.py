"""Handlers of kernel events, declared in the event catalogue (lms/event_types.py)."""

from django.utils.translation import gettext as _

from lms import languages
from lms.accounts.models import User
from lms.events.models import Event
from lms.mail.services import email_queue


def welcome_email_send(event: Event) -> None:
    if event.payload.get("awaiting_guardian"):
        return  # the guardian is asked first; approval sends its own e-mail (consent_account)
    user = User.objects.select_related("profile").filter(pk=event.payload.get("user_id")).first()
    if user is None:
        return
    profile = getattr(user, "profile", None)
    with languages.reading(languages.of_user(user)):
        email_queue(
            recipient=user.email,
            reason=f"welcome:{user.pk}",
            subject=_("Welcome to BSR Academy"),
            template="lms.user.registered",
            context={"user": user, "name": profile.full_name if profile else user.email},
        )
