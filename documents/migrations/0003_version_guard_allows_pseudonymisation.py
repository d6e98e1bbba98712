"""The database guard of submitted versions lets GDPR pseudonymisation rewrite their generation
snapshot, and nothing else (PostgreSQL).

A generated version keeps the plain data it was rendered from (``generation_data``), which names
the people on an attendance list or in the minutes. When a person is pseudonymised
(``workflow.services.gdpr``), those names must go from the snapshot too, while the version's
bytes, checksum and every other column stay as submitted. The service sets the
transaction-local setting ``komplan.pseudonymising`` to ``on`` around that one update; only then
does the guard accept a changed ``generation_data`` of a version past draft. Every other rule
of ``0002_version_immutability_trigger`` is unchanged; the function is written out in full, as a
migration describes the schema of its day.
"""

from __future__ import annotations

import importlib
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
    "created_at",
)
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
PSEUDONYMISING = "komplan.pseudonymising"

FUNCTION = "documents_version_guard"


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
    IF NEW.generation_data IS DISTINCT FROM OLD.generation_data
       AND coalesce(current_setting('{PSEUDONYMISING}', true), '') <> 'on' THEN
      changed := changed || 'generation_data'::text;
    END IF;
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


def _previous_function() -> str:
    """The function of 0002, restored when this migration is reversed."""
    previous = importlib.import_module("documents.migrations.0002_version_immutability_trigger")
    return previous.FUNCTION_SQL


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
        ("documents", "0002_version_immutability_trigger"),
    ]

    operations = [
        PostgreSQLOnlyRunSQL(
            sql=[FUNCTION_SQL], reverse_sql=[_previous_function()], elidable=False
        ),
    ]
