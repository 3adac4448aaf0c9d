"""Batched raw inserts for seeding at scale.

Model instances and ``bulk_create`` cost tens of microseconds a row in Python; millions of
rows are written here as plain tuples instead, adapted per column for the database in use and
sent in multi-row statements below Django's cursor wrapper, so ``DEBUG`` does not log them.
"""

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

Adapter = Callable[[Any], Any]

#: PostgreSQL accepts at most 65,535 parameters in one statement.
PG_MAX_PARAMS = 65_000


def _sqlite_datetime(value: datetime) -> str:
    # Django keeps SQLite datetimes as naive UTC text; str() of a UTC datetime ends "+00:00".
    if value.utcoffset():
        value = value.astimezone(UTC)
    return str(value)[:-6]


def _adapter(field: models.Field) -> Adapter | None:
    sqlite = connection.vendor == "sqlite"
    if isinstance(field, models.JSONField):
        if sqlite:
            return json.dumps
        from psycopg.types.json import Jsonb

        return Jsonb
    if sqlite and isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if sqlite and isinstance(field, models.UUIDField):
        return lambda value: value.hex
    return None


class TableWriter:
    """Collects rows for one table and inserts them ``batch_size`` at a time.

    ``columns`` name the fields each row gives, in order (attnames such as ``buyer_id``); every
    other concrete field gets its static default, so a model change that adds a field with a
    default needs no change here, and a required one fails loudly in the database.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        *,
        batch_size: int = 5000,
        sender: "Sender | None" = None,
    ) -> None:
        opts = model._meta
        self.model = model
        self.sender = sender
        given = [opts.get_field(name) for name in columns]
        # An id left out is the database's to assign.
        rest = [field for field in opts.concrete_fields if field not in given and not field.primary_key]
        defaults = []
        for field in rest:
            # A static default (or "" / NULL) fits every row; a per-row one must be given.
            if (field.has_default() and callable(field.default)) or getattr(field, "auto_now_add", False):
                raise ValueError(f"{model.__name__}.{field.name} needs a value in every seeded row.")
            adapt = _adapter(field)
            value = field.get_default()
            defaults.append(adapt(value) if adapt and value is not None else value)
        self.defaults = tuple(defaults)
        self.adapters = [(index, adapt) for index, field in enumerate(given) if (adapt := _adapter(field))]
        names = [field.column for field in (*given, *rest)]
        self.width = len(names)
        quote = connection.ops.quote_name
        self.head = f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(n) for n in names)}) VALUES "
        self.placeholder = "(" + ", ".join(["%s"] * self.width) + ")"
        if connection.vendor == "postgresql":
            batch_size = min(batch_size, PG_MAX_PARAMS // self.width)
        self.batch_size = batch_size
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: Sequence) -> None:
        if self.adapters:
            row = list(row)
            for index, adapt in self.adapters:
                if row[index] is not None:
                    row[index] = adapt(row[index])
        self.rows.append((*row, *self.defaults))
        if len(self.rows) >= self.batch_size:
            self.flush()

    def extend(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            sql = self.head + ", ".join([self.placeholder] * len(self.rows))
            params = [value for row in self.rows for value in row]
            if self.sender is not None:
                self.sender.send(sql, params)
            else:
                execute(sql, params)
        else:
            sql = (self.head + self.placeholder).replace("%s", "?")
            connection.ensure_connection()
            cursor = connection.connection.cursor()
            try:
                cursor.executemany(sql, self.rows)
            finally:
                cursor.close()
        self.written += len(self.rows)
        self.rows = []


def execute(sql: str, params: Sequence) -> None:
    """Run one statement on the raw connection, below Django's (query-logging) cursor wrapper."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)


class Sender:
    """Sends PostgreSQL statements from a second thread, in order, so the server inserts one
    batch while Python builds the next (the driver lets go of the GIL while it waits)."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-sender", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    with self.raw.cursor() as cursor:
                        cursor.execute(*item)
                except BaseException as error:  # re-raised in the caller's thread
                    self.error = error
            self.queue.task_done()
        self.queue.task_done()

    def send(self, sql: str, params: Sequence) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((sql, params))

    def wait(self) -> None:
        """Block until everything sent has run; raise the first error."""
        self.queue.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


@contextmanager
def indexes_deferred(model_list: Iterable[type[models.Model]]) -> Iterator[None]:
    """Drop the tables' plain indexes and foreign keys for a bulk load, then build them again.

    Building an index once over sorted data is far cheaper than updating it row by row, and a
    foreign key is checked in one join instead of one trigger per row. Unique and primary-key
    indexes stay, so constraints hold throughout. PostgreSQL only, inside the caller's
    transaction: if the load fails, the drops roll back with it.
    """
    if connection.vendor != "postgresql":
        yield
        return
    indexes: list[str] = []
    foreign_keys: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        for model in model_list:
            table = model._meta.db_table
            cursor.execute(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                """,
                [table],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                foreign_keys.append((table, name, definition))
                quote = connection.ops.quote_name
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for definition in indexes:
            cursor.execute(definition)
        quote = connection.ops.quote_name
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


class IdRange:
    """Hands out primary keys above the highest one in the table, for rows written with raw SQL."""

    def __init__(self, model: type[models.Model]) -> None:
        highest = model.objects.aggregate(highest=models.Max("pk"))["highest"]
        self.next = (highest or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    """Point each table's id sequence past the ids written explicitly (PostgreSQL needs this)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    """Give PostgreSQL's planner statistics for the rows just written (inside the loading
    transaction too: ANALYZE counts its own transaction's rows). Nothing to do on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
