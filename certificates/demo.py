"""Demo certificate templates and certificates for the demo cohorts."""


def demo_load() -> list[str]:
    return []
