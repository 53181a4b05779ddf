"""Certificate wording with {placeholders}: which names are allowed, and filling them in."""

import string

from django.utils.translation import gettext, ngettext

# The placeholders a template's wording may use, in the order the editor's help lists them.
PLACEHOLDERS = (
    "name",
    "programme",
    "cohort",
    "activity",
    "module",
    "date_start",
    "date_end",
    "dates",
    "hours",
    "place",
)

_FORMATTER = string.Formatter()


def wording_errors(text: str) -> list[str]:
    """What is wrong with the placeholders in `text`, in words an editor understands."""
    try:
        parsed = [(field, spec, conv) for _, field, spec, conv in _FORMATTER.parse(text)]
    except ValueError:
        return [gettext("A “{” or “}” is unmatched. Write {{ or }} for a literal brace.")]
    fields = [field for field, _, _ in parsed if field is not None]
    if any(spec or conv for field, spec, conv in parsed if field is not None):
        return [gettext("Write placeholders plainly, e.g. {name}, without “:” or “!”.")]
    unknown = sorted({field for field in fields if field not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        message = ngettext(
            "Unknown placeholder %(unknown)s. Use %(allowed)s.",
            "Unknown placeholders %(unknown)s. Use %(allowed)s.",
            len(unknown),
        )
        return [
            message % {"unknown": ", ".join("{" + f + "}" for f in unknown), "allowed": allowed}
        ]
    return []


def wording_fill(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders filled; a placeholder with no value prints as nothing."""
    filled = {name: values.get(name, "") or "" for name in PLACEHOLDERS}
    return text.format_map(filled)


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())
