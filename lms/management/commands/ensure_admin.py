"""Create the local administrator account if it does not exist yet."""

import os

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.accounts.models import Profile, User
from lms.signin.demo import demo_second_factor_ensure

# Printed in the README: good for `make run`, never for a real site.
DEVELOPMENT_PASSWORD = "baltic-admin"  # noqa: S105


class Command(BaseCommand):
    help = "Create the administrator (ADMIN_EMAIL / ADMIN_PASSWORD) if it does not exist."

    def handle(self, *args, **options):
        email = os.environ.get("ADMIN_EMAIL", "admin@bsr-academy.local").lower()
        password = os.environ.get("ADMIN_PASSWORD", "")
        if settings.PRODUCTION:
            self._production_check(email, password)
        password = password or DEVELOPMENT_PASSWORD
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_superuser(
                    email=email, password=password, first_name="Site", last_name="Administrator"
                )
                Profile.objects.create(user=user, full_name="Site Administrator")
                if settings.PRODUCTION:
                    self.stdout.write(f"Created administrator {email}.")
                else:
                    self.stdout.write(f"Created administrator {email} with password {password}")
            else:
                self.stdout.write(f"Administrator {email} already exists.")
        if not settings.PRODUCTION:
            for line in demo_second_factor_ensure(users=[user]):
                self.stdout.write(line)

    def _production_check(self, email: str, password: str) -> None:
        if not password:
            raise CommandError("Set ADMIN_PASSWORD to create an administrator in production.")
        if password == DEVELOPMENT_PASSWORD:
            raise CommandError(
                "ADMIN_PASSWORD is the development password printed in the README; choose "
                "another one for production. Nothing was created."
            )
        try:
            password_validation.validate_password(password, User(email=email))
        except ValidationError as error:
            raise CommandError(
                "ADMIN_PASSWORD is too weak: " + " ".join(error.messages) + " Nothing was created."
            ) from error
