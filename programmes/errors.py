"""The one domain error of programmes (learning progress, surveys on pages) and its codes."""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from lms.errors import DomainError


class ProgrammesError(DomainError):
    """A domain failure of programmes; `code` is stable, `message` is shown to people."""

    codes: ClassVar[dict[str, str]] = {
        "bad_answer": _("The answers do not match this knowledge check."),
        "expired": _("This form has expired. The questions were reloaded; please answer again."),
        "guardian_pending": _("Your account is waiting for a parent's or guardian's approval."),
        "locked": _("This step opens once the steps before it are done."),
        "no_title": _("Give the page a title."),
        "not_a_quiz": _("This step is not a knowledge check."),
        "quiz_needs_answers": _("A knowledge check is passed by answering it."),
        "reflection_empty": _("Write a few words before saving."),
        "reflection_too_long": _("The reflection is too long; please shorten it."),
        "replayed": _("These answers were already submitted. Your first submission counts."),
        "tampered": _("These answers belong to another knowledge check."),
        "too_few": _("There are too few answers to show."),
        "unknown_step": _("This step is not part of the module any more."),
    }
