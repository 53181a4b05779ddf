"""A content locale for every language the site is in, so that editors can translate pages into
any of them (wagtail-localize) without setting up locales first."""

from django.conf import settings
from django.db import migrations


def locales_add(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


def locales_remove(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    unused = Locale.objects.exclude(language_code=settings.LANGUAGE_CODE).exclude(
        pk__in=Page.objects.values("locale")
    )
    unused.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0012_verbose_names"),
        ("wagtailcore", "0057_page_locale_fields_notnull"),
    ]

    operations = [migrations.RunPython(locales_add, locales_remove)]
