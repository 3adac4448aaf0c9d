"""The appeal's timeline is evidence like the dispute's: the database refuses to change or delete
its rows, with the same triggers as ``portal/migrations/0001_append_only_triggers.py``."""

import importlib

from django.db import migrations

TABLE = "disputes_appealevent"
_audit = importlib.import_module("portal.migrations.0001_append_only_triggers")


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _audit._sqlite(TABLE)
    elif vendor == "postgresql":
        statements = [_audit.PG_FUNCTION, *_audit._postgresql(TABLE)]
    else:
        raise NotImplementedError(f"No append-only triggers for {vendor}: add them before using it.")
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for operation in ("update", "delete", "truncate"):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_{TABLE}_{operation} ON {TABLE}")
        elif operation != "truncate":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_{TABLE}_{operation}")


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0011_appeal_verbose_names"),
        ("portal", "0001_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
