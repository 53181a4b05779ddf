"""Load the demo content of every app; running it again changes nothing."""

from django.core.management.base import BaseCommand

from lms.demo import demo_loaders


class Command(BaseCommand):
    help = "Load demo programmes and pages (idempotent)."

    def handle(self, *args, **options):
        for name, loader in demo_loaders():
            for line in loader():
                self.stdout.write(f"[{name}] {line}")
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
