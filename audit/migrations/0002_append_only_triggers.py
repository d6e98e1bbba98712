"""PostgreSQL triggers that keep the audit trail append-only even against raw SQL.

- ``audit_auditevent``: UPDATE and DELETE are refused (statement-level, so even a statement
  that matches no row fails); an INSERT must continue its chain's head (next position, the
  head's hash as ``prev_hash``).
- ``audit_auditchain``: a head is created at position 0 with the genesis hash, and may only
  advance by one position to an event that exists with that hash; DELETE is refused.

TRUNCATE is deliberately not guarded: Django's ``flush`` (``manage.py flush`` and the teardown
of transactional tests) truncates every table, and a TRUNCATE trigger would make it fail. A
truncated trail is still detected: ``verify_audit --expect-heads`` with heads kept earlier.
Only a role that owns the tables can disable these triggers, and the verifier detects whatever
is changed while they are off.

Nothing happens on other databases (SQLite in development and tests).
"""

from django.db import migrations

GENESIS = "0" * 64

INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit trail is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME;
    END;
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION audit_event_continue_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        head_seq bigint;
        head_hash varchar(64);
    BEGIN
        IF NEW.process_id IS NULL THEN
            SELECT last_seq, last_hash INTO head_seq, head_hash
            FROM audit_auditchain WHERE process_id IS NULL;
        ELSE
            SELECT last_seq, last_hash INTO head_seq, head_hash
            FROM audit_auditchain WHERE process_id = NEW.process_id;
        END IF;
        IF head_seq IS NULL OR NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
            RAISE EXCEPTION 'An audit event must continue its chain (position % after the head).',
                NEW.seq;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION audit_chain_advance_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.last_seq <> 0 OR NEW.last_hash <> '{GENESIS}' THEN
                RAISE EXCEPTION 'An audit chain starts at position 0.';
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id
           OR NEW.process_id IS DISTINCT FROM OLD.process_id
           OR NEW.last_seq <> OLD.last_seq + 1 THEN
            RAISE EXCEPTION 'The head of an audit chain only advances by one position.';
        END IF;
        IF NEW.process_id IS NULL THEN
            PERFORM 1 FROM audit_auditevent
            WHERE process_id IS NULL AND seq = NEW.last_seq AND hash = NEW.last_hash;
        ELSE
            PERFORM 1 FROM audit_auditevent
            WHERE process_id = NEW.process_id AND seq = NEW.last_seq AND hash = NEW.last_hash;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'The head of an audit chain must point at an existing event.';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_event_continue_chain
    BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_continue_chain()
    """,
    """
    CREATE TRIGGER audit_chain_advance_only
    BEFORE INSERT OR UPDATE ON audit_auditchain
    FOR EACH ROW EXECUTE FUNCTION audit_chain_advance_only()
    """,
    """
    CREATE TRIGGER audit_chain_no_delete
    BEFORE DELETE ON audit_auditchain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
]

UNINSTALL = [
    "DROP TRIGGER IF EXISTS audit_chain_no_delete ON audit_auditchain",
    "DROP TRIGGER IF EXISTS audit_chain_advance_only ON audit_auditchain",
    "DROP TRIGGER IF EXISTS audit_event_continue_chain ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_chain_advance_only()",
    "DROP FUNCTION IF EXISTS audit_event_continue_chain()",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(_run(INSTALL), _run(UNINSTALL), elidable=False),
    ]
