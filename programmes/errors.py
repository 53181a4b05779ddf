"""The one domain error of programmes (learning progress, surveys on pages) and its codes."""

from typing import ClassVar

from lms.errors import DomainError


class ProgrammesError(DomainError):
    """A domain failure of programmes; `code` is stable, `message` is shown to people."""

    codes: ClassVar[dict[str, str]] = {
        "bad_answer": "The answers do not match this knowledge check.",
        "expired": "This form has expired. The questions were reloaded; please answer again.",
        "guardian_pending": "Your account is waiting for a parent's or guardian's approval.",
        "locked": "This step opens once the steps before it are done.",
        "no_title": "Give the page a title.",
        "not_a_quiz": "This step is not a knowledge check.",
        "quiz_needs_answers": "A knowledge check is passed by answering it.",
        "reflection_empty": "Write a few words before saving.",
        "reflection_too_long": "The reflection is too long; please shorten it.",
        "replayed": "These answers were already submitted. Your first submission counts.",
        "tampered": "These answers belong to another knowledge check.",
        "too_few": "There are too few answers to show.",
        "unknown_step": "This step is not part of the module any more.",
    }
