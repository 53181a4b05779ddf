"""Nominations made before links expired and before accounts were marked as made by a
nomination: their accounts without a password keep working by the link, for a limited time."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Enrolment = apps.get_model("cohorts", "Enrolment")
    open_ones = Enrolment.objects.filter(state="nominated", token_hash__isnull=False)
    open_ones.filter(
        source__in=("nomination", "import"),
        user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
        user__last_login__isnull=True,
        user__is_staff=False,
        user__is_superuser=False,
    ).update(account_created=True)
    open_ones.filter(link_expires_at__isnull=True).update(
        link_expires_at=timezone.now() + timedelta(days=settings.NOMINATION_LINK_DAYS)
    )


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0009_group_leader_invitation")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
