"""Calendar feeds keep only a salt and the digest of their token: every existing feed gets a new
address (shown on My learning; old subscriptions stop working)."""

from django.db import migrations, models

from lms.tokens import derived_token_fields

PURPOSE = "programmes.calendar_feed"


def rekey(apps, schema_editor):
    CalendarFeed = apps.get_model("programmes", "CalendarFeed")
    for feed in CalendarFeed.objects.all().only("pk"):
        CalendarFeed.objects.filter(pk=feed.pk).update(**derived_token_fields(PURPOSE))


class Migration(migrations.Migration):
    dependencies = [("programmes", "0007_search_folds_diacritics")]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_salt",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_salt",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
