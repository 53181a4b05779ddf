"""Demo content for the programmes: the programme index and the four programmes (placeholder,
replaced by the full texts below)."""

from django.db import transaction

PROGRAMMES: list[dict] = []


def demo_load() -> list[str]:
    from lms.models import HomePage
    from programmes.models import ProgrammeIndexPage, ProgrammePage

    lines = []
    with transaction.atomic():
        home = HomePage.objects.first()
        if home is None:
            return ["no home page: run migrations first"]
        index = ProgrammeIndexPage.objects.child_of(home).first()
        if index is None:
            index = ProgrammeIndexPage(title="Programmes", slug="programmes", intro="")
            home.add_child(instance=index)
            lines.append("created the programme index")
        for data in PROGRAMMES:
            if ProgrammePage.objects.child_of(index).filter(slug=data["slug"]).exists():
                continue
            index.add_child(instance=ProgrammePage(**data))
            lines.append(f"created programme {data['title']}")
    return lines or ["programmes already present"]
