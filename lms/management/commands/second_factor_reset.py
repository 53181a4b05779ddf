"""Remove every second-factor device of an account whose owner lost them all."""

from django.core.management.base import BaseCommand, CommandError

from lms.accounts.models import User
from lms.signin.devices import second_factor_reset


class Command(BaseCommand):
    help = (
        "Remove all authenticator apps, passkeys and recovery codes of one account (after "
        "checking who asks); their next login sets up a new one if their role needs it."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account {email}.")
        count = second_factor_reset(user=user)
        self.stdout.write(f"Removed {count} device(s) of {user.email}.")
