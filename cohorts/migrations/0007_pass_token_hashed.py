"""Passes keep only a salt and the digest of their token: every existing pass gets a new token
(the old QR codes stop working; the pass page and its PDF show the new one)."""

from django.db import migrations, models

from lms.tokens import derived_token_fields

PURPOSE = "cohorts.pass"


def rekey(apps, schema_editor):
    ParticipantPass = apps.get_model("cohorts", "ParticipantPass")
    for ticket in ParticipantPass.objects.all().only("pk"):
        ParticipantPass.objects.filter(pk=ticket.pk).update(**derived_token_fields(PURPOSE))


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0006_registration_again_after_withdrawal")]

    operations = [
        migrations.AddField(
            model_name="participantpass",
            name="token_salt",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="participantpass",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RemoveField(model_name="participantpass", name="token"),
        migrations.AlterField(
            model_name="participantpass",
            name="token_salt",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="participantpass",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
