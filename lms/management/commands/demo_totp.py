"""Print the current two-step login code of a demo staff account (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.accounts.models import User
from lms.signin.demo import demo_code


class Command(BaseCommand):
    help = "Show the current code of a demo account's authenticator device (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "demo_totp is for the demo only: refused when ENVIRONMENT=production."
            )
        user = User.objects.filter(email__iexact=email.strip()).first()
        found = demo_code(user) if user else None
        if found is None:
            raise CommandError(f"{email} has no demo authenticator device.")
        code, left = found
        self.stdout.write(f"{code}  (valid for about {left} more seconds)")
