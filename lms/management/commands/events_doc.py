"""Write docs/events.md from the event catalogue, or with --check fail when it is out of date."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.events import catalogue


class Command(BaseCommand):
    help = "Generate docs/events.md from the event catalogue (--check: fail if it differs)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit non-zero when the committed file differs.",
        )

    def handle(self, *args, check=False, **options):
        path = Path(settings.BASE_DIR) / "docs" / "events.md"
        text = catalogue.markdown(catalogue.collect())
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if check:
            if current != text:
                raise CommandError(
                    f"{path.name} is out of date with the event catalogue: "
                    "run `manage.py events_doc` and commit the result."
                )
            self.stdout.write(f"{path.name} matches the event catalogue.")
            return
        if current != text:
            path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path.name} ({len(catalogue.collect().events)} events).")
