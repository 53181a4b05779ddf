"""Load the demo content of every app; running it again changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.demo import demo_loaders
from lms.signin.demo import demo_second_factor_ensure


class Command(BaseCommand):
    help = "Load demo programmes, cohorts and pages (idempotent). Refused in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            metavar="APP",
            help="Load only this app's demo (repeatable); the apps it builds on must be loaded.",
        )

    def handle(self, *args, only=None, **options):
        if settings.PRODUCTION:
            # The demo's accounts have passwords printed in the README.
            raise CommandError(
                "load_demo is refused when ENVIRONMENT=production: the demo creates accounts "
                "whose passwords are public. Nothing was created."
            )
        loaders = demo_loaders()
        if only:
            unknown = set(only) - {name for name, _ in loaders}
            if unknown:
                raise CommandError(f"No demo content for: {', '.join(sorted(unknown))}.")
            loaders = [(name, loader) for name, loader in loaders if name in only]
        for name, loader in loaders:
            for line in loader():
                self.stdout.write(f"[{name}] {line}")
        # Staff accounts made above log in with the demo's authenticator device.
        for line in demo_second_factor_ensure():
            self.stdout.write(f"[signin] {line}")
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
