"""URL converters shared by the apps."""


class DatabaseIdConverter:
    """A positive database id: at most 18 digits, so it always fits a 64-bit integer column
    (a longer number is simply not found, instead of overflowing the database driver)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
