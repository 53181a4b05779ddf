"""Create the local administrator account if it does not exist yet (development only)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.models import Profile, User
from lms.signin.demo import demo_second_factor_ensure


class Command(BaseCommand):
    help = "Create the development administrator (ADMIN_EMAIL / ADMIN_PASSWORD)."

    def handle(self, *args, **options):
        email = os.environ.get("ADMIN_EMAIL", "admin@bsr-academy.local").lower()
        password = os.environ.get("ADMIN_PASSWORD", "")
        if settings.PRODUCTION and not password:
            raise CommandError("Set ADMIN_PASSWORD to create an administrator in production.")
        password = password or "baltic-admin"
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_superuser(
                    email=email, password=password, first_name="Site", last_name="Administrator"
                )
                Profile.objects.create(user=user, full_name="Site Administrator")
                self.stdout.write(f"Created administrator {email} with password {password}")
            else:
                self.stdout.write(f"Administrator {email} already exists.")
        if not settings.PRODUCTION:
            for line in demo_second_factor_ensure(users=[user]):
                self.stdout.write(line)
