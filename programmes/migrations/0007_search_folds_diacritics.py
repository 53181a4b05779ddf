"""On PostgreSQL, a text search configuration that folds diacritics, so "Berzins" finds
"Bērziņš" as it does on SQLite. English stemming stays for plain words. Nothing on SQLite,
whose full-text tokenizer folds diacritics already."""

from django.db import migrations

CONFIG = "bsr_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
    schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.english)")
    # Words with letters outside ASCII lose their diacritics before stemming; ASCII words are
    # stemmed as before.
    schema_editor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")


class Migration(migrations.Migration):
    dependencies = [("programmes", "0006_activity_minors_per_adult")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
