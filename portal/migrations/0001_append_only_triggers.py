"""The database itself refuses to change or delete audit rows (issue 7, "Audit").

Dispute and order timelines, the blacklist record and order conversations are evidence: the
models already refuse ``save()`` of an existing row, ``delete()`` and bulk ``update()``/``delete()``
(``portal.records``). These triggers make raw SQL, a shell session or a bug in a later migration
fail the same way, on SQLite and on PostgreSQL, with an ``IntegrityError``.

Message photos are written once, then get their display copies: only ``display``, ``thumbnail``
and ``status`` may change.

``manage.py flush`` (which the test runner uses between transactional tests) empties these tables
too: it suspends the triggers for its own transaction only (``portal.audit``).

On SQLite, a later migration that alters one of these tables rebuilds it and the triggers go
with the old table: such a migration must create them again (``_sqlite(table)`` below). The
test ``test_every_append_only_table_has_its_triggers`` fails until it does.
"""

from django.db import migrations

FULLY_APPEND_ONLY = [
    "disputes_disputeevent",
    "disputes_buyerstandingchange",
    "orders_orderevent",
    "messaging_message",
]
#: Table -> the columns that never change once written (the others are filled in later).
WRITE_ONCE_COLUMNS = {
    "messaging_messageattachment": [
        "id",
        "public_id",
        "message_id",
        "content_type",
        "extension",
        "file",
        "original_name",
        "size",
        "sha256",
        "width",
        "height",
        "created_at",
    ],
}
ALL_TABLES = [*FULLY_APPEND_ONLY, *WRITE_ONCE_COLUMNS]


def _changed(columns: list[str], *, sqlite: bool) -> str:
    operator = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{column} {operator} NEW.{column}" for column in columns)


def _sqlite(table: str) -> list[str]:
    update_when = ""
    if table in WRITE_ONCE_COLUMNS:
        update_when = f" WHEN {_changed(WRITE_ONCE_COLUMNS[table], sqlite=True)}"
    return [
        f"CREATE TRIGGER append_only_{table}_update BEFORE UPDATE ON {table} FOR EACH ROW{update_when} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never updated'); END",
        f"CREATE TRIGGER append_only_{table}_delete BEFORE DELETE ON {table} FOR EACH ROW "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never deleted'); END",
    ]


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'restrict_violation';
END
$$
"""


def _postgresql(table: str) -> list[str]:
    update_when = ""
    if table in WRITE_ONCE_COLUMNS:
        update_when = f" WHEN ({_changed(WRITE_ONCE_COLUMNS[table], sqlite=False)})"
    return [
        f"CREATE TRIGGER append_only_{table}_update BEFORE UPDATE ON {table} FOR EACH ROW{update_when} "
        "EXECUTE FUNCTION portal_append_only()",
        f"CREATE TRIGGER append_only_{table}_delete BEFORE DELETE ON {table} FOR EACH ROW "
        "EXECUTE FUNCTION portal_append_only()",
        # TRUNCATE skips row triggers; a statement trigger covers it.
        f"CREATE TRIGGER append_only_{table}_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
        "EXECUTE FUNCTION portal_append_only()",
    ]


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [sql for table in ALL_TABLES for sql in _sqlite(table)]
    elif vendor == "postgresql":
        statements = [PG_FUNCTION] + [sql for table in ALL_TABLES for sql in _postgresql(table)]
    else:
        raise NotImplementedError(f"No append-only triggers for {vendor}: add them before using it.")
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in ALL_TABLES:
        for operation in ("update", "delete", "truncate"):
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_{table}_{operation} ON {table}")
            elif operation != "truncate":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_{table}_{operation}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS portal_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0005_evidence_failed_status"),
        ("orders", "0001_initial"),
        ("messaging", "0002_mediators_read_conversations"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
