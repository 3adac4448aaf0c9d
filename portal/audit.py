"""The append-only triggers (migration ``portal.0001``) and the one operation allowed past them.

Emptying the whole database (``manage.py flush``, which the test runner also uses between
transactional tests) is an owner's operation, like dropping it: it must not be blocked by the
triggers that stop anyone changing single audit rows. :func:`triggers_suspended` lifts them for
the caller's transaction only, so they are back (or were never gone) whether it commits or not.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TRIGGER_PREFIX = "append_only_"


def installed_triggers(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """``(table, trigger)`` of every append-only trigger in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master "
                "WHERE type = 'trigger' AND substr(name, 1, %s) = %s",
                [len(TRIGGER_PREFIX), TRIGGER_PREFIX],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND left(t.tgname, %s) = %s AND pg_table_is_visible(c.oid)",
                [len(TRIGGER_PREFIX), TRIGGER_PREFIX],
            )
        else:
            return []
        return sorted(cursor.fetchall())


@contextmanager
def triggers_suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Inside the caller's ``atomic`` block, let the append-only tables be emptied.

    SQLite drops the triggers and re-creates them from their stored SQL; PostgreSQL disables and
    re-enables them. Both are transactional, so a failure rolls the suspension back too.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("Suspend the append-only triggers only inside a transaction.")
    triggers = installed_triggers(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            definitions = []
            for _table, name in triggers:
                cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
                definitions.append(cursor.fetchone()[0])
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            yield
            for sql in definitions:
                cursor.execute(sql)
        else:
            qn = connection.ops.quote_name
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {qn(table)} DISABLE TRIGGER {qn(name)}")
            yield
            for table, name in triggers:
                cursor.execute(f"ALTER TABLE {qn(table)} ENABLE TRIGGER {qn(name)}")
