"""Append-only records: rows that are evidence or audit trail are written once, never changed.

The database refuses updates and deletes too (triggers); these guards make the ORM say so
early and clearly, including bulk ``update()``/``delete()`` that bypass ``save()``.

Because they are only ever inserted, a busy writer (the deadline sweep) can also insert them
together: inside :func:`written_together`, ``Model.objects.create()`` of an append-only model
that opts in (``insert_together = True``: the timelines' events, which nothing reads back while
writing them) builds the row, and the block inserts all of them at its end, one statement per
model.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

#: Records waiting for the end of the innermost :func:`written_together` block, or None.
_pending: ContextVar[list[models.Model] | None] = ContextVar("portal_records_pending", default=None)


@contextmanager
def written_together() -> Iterator[None]:
    """Insert the append-only records created inside the block together when it ends.

    Use it inside the transaction (the rows are written before it commits). A record gets its
    primary key only then, so code in the block must not read its records back or use their
    ``pk``; a job about one is queued with the instance itself (``portal.jobs`` reads the key at
    commit time). If the block raises, nothing is inserted.
    """
    pending: list[models.Model] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for record in pending:
        by_model.setdefault(type(record), []).append(record)
    for model, records in by_model.items():
        model.objects.bulk_create(records)


class PermanentRecordError(Exception):
    """Something tried to edit or delete a row that is written once and kept for good."""


class AppendOnlyQuerySet(models.QuerySet):
    def create(self, **kwargs):
        pending = _pending.get()
        if pending is None or not self.model.insert_together:
            return super().create(**kwargs)
        record = self.model(**kwargs)
        pending.append(record)
        return record

    def update(self, **kwargs):
        raise PermanentRecordError(f"{self.model.__name__} rows are never edited once written.")

    def delete(self):
        raise PermanentRecordError(f"{self.model.__name__} rows are never deleted.")

    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    #: Whether rows created inside :func:`written_together` wait for the end of the block.
    insert_together = False

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermanentRecordError(f"{type(self).__name__} rows are never edited once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermanentRecordError(f"{type(self).__name__} rows are never deleted.")
