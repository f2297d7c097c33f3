"""Similar cases on PostgreSQL: pg_trgm and a GIN trigram index on Case.search_text.

`search_text` is already folded (no diacritics, lowercase) when it is written, so the
index needs no `unaccent`. On SQLite nothing is created: services/similar.py prefilters by
words and scores in Python with the same trigram measure."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS feedback_case_search_trgm "
        "ON feedback_case USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS feedback_case_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_routing")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
