"""Cleaning what people type into a search box, for the site search and the pages API alike."""


def clean_query(raw: str) -> str:
    """Search terms the backend can take: control characters and double quotes become spaces
    (the SQLite full-text backend wraps each term in quotes without escaping quotes inside
    it, so a stray `"` is a syntax error there), and runs of spaces collapse."""
    text = "".join(" " if ch == '"' or not ch.isprintable() else ch for ch in raw)
    return " ".join(text.split())
