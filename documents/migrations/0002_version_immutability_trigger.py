"""The database itself keeps a submitted document version immutable (PostgreSQL).

``DocumentVersion.save()`` and ``delete()`` already refuse such changes, but raw SQL, a
queryset ``update()`` or another program connected to the database would pass them by. A
``BEFORE UPDATE OR DELETE`` row trigger repeats the rules where nothing can bypass them:

* once a version is past draft, its content columns (file, checksum, size, type, names,
  number, document, author, summary, provenance, generation data, creation time) never change;
* the status moves only along draft → submitted → approved | returned, approved → published,
  published → superseded;
* the bookkeeping of those moves and of the PDF rendition is written once, never rewritten;
* a version past draft is never deleted (TRUNCATE, which only a database owner may run on the
  whole table, does not fire row triggers).

A refusal is SQLSTATE 23000 (integrity constraint violation), which Django raises as
``IntegrityError``. Other databases (SQLite for development and ``make test``) rely on the model.
The column lists are written out here on purpose: a migration describes the schema of its day.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CONTENT_COLUMNS = (
    "document_id",
    "number",
    "file",
    "original_filename",
    "sha256",
    "size",
    "content_type",
    "author_id",
    "author_id_snapshot",
    "change_summary",
    "provenance",
    "generated_from_template",
    "generation_data",
    "created_at",
)
# Written once: (column, SQL test that the stored value is still empty).
WRITE_ONCE_COLUMNS = (
    ("submitted_at", "OLD.submitted_at IS NULL"),
    ("approved_at", "OLD.approved_at IS NULL"),
    ("approved_by_decision_id", "OLD.approved_by_decision_id IS NULL"),
    ("returned_at", "OLD.returned_at IS NULL"),
    ("returned_by_decision_id", "OLD.returned_by_decision_id IS NULL"),
    ("returned_reason", "OLD.returned_reason = ''"),
    ("published_at", "OLD.published_at IS NULL"),
    ("superseded_at", "OLD.superseded_at IS NULL"),
    ("superseded_by_id", "OLD.superseded_by_id IS NULL"),
    ("pdf_file", "OLD.pdf_file = ''"),
    ("pdf_sha256", "OLD.pdf_sha256 = ''"),
    ("pdf_size", "OLD.pdf_size IS NULL"),
    ("pdf_generated_at", "OLD.pdf_generated_at IS NULL"),
)
STATUS_MOVES = (
    ("draft", "submitted"),
    ("submitted", "approved"),
    ("submitted", "returned"),
    ("approved", "published"),
    ("published", "superseded"),
)

FUNCTION = "documents_version_guard"
TRIGGER = "documents_version_guard"
TABLE = "documents_documentversion"


def _content_checks() -> str:
    return "\n".join(
        f"    IF NEW.{c} IS DISTINCT FROM OLD.{c} THEN changed := changed || '{c}'::text; END IF;"
        for c in CONTENT_COLUMNS
    )


def _write_once_checks() -> str:
    return "\n".join(
        f"  IF NOT ({empty}) AND NEW.{c} IS DISTINCT FROM OLD.{c} THEN "
        f"rewritten := rewritten || '{c}'::text; END IF;"
        for c, empty in WRITE_ONCE_COLUMNS
    )


def _moves() -> str:
    return ", ".join(f"('{old}', '{new}')" for old, new in STATUS_MOVES)


FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $guard$
DECLARE
  changed text[] := ARRAY[]::text[];
  rewritten text[] := ARRAY[]::text[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'document version % (status %) is a record and cannot be deleted',
        OLD.id, OLD.status
        USING ERRCODE = '23000', TABLE = TG_TABLE_NAME,
              HINT = 'Only a draft version may be deleted.';
    END IF;
    RETURN OLD;
  END IF;

  IF NEW.status IS DISTINCT FROM OLD.status
     AND (OLD.status, NEW.status) NOT IN ({_moves()}) THEN
    RAISE EXCEPTION 'document version % cannot move from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = '23000', TABLE = TG_TABLE_NAME,
            HINT = 'draft > submitted > approved | returned; approved > published > superseded.';
  END IF;

  IF OLD.status <> 'draft' THEN
{_content_checks()}
    IF cardinality(changed) > 0 THEN
      RAISE EXCEPTION 'document version % (status %) is immutable; refused change of: %',
        OLD.id, OLD.status, array_to_string(changed, ', ')
        USING ERRCODE = '23000', TABLE = TG_TABLE_NAME,
              HINT = 'Upload a new version instead.';
    END IF;
  END IF;

{_write_once_checks()}
  IF cardinality(rewritten) > 0 THEN
    RAISE EXCEPTION 'document version %: recorded facts cannot be rewritten: %',
      OLD.id, array_to_string(rewritten, ', ')
      USING ERRCODE = '23000', TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NEW;
END
$guard$
"""

# Separate statements: the function body holds semicolons of its own.
CREATE_SQL = [
    FUNCTION_SQL,
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
]
DROP_SQL = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


class PostgreSQLOnlyRunSQL(migrations.RunSQL):
    """RunSQL that applies on PostgreSQL and does nothing on other databases."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        PostgreSQLOnlyRunSQL(sql=CREATE_SQL, reverse_sql=DROP_SQL, elidable=False),
    ]
