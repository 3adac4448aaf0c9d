"""Append-only records: rows that are evidence or audit trail are written once, never changed.

The database refuses updates and deletes too (triggers); these guards make the ORM say so
early and clearly, including bulk ``update()``/``delete()`` that bypass ``save()``.
"""

from django.db import models


class PermanentRecordError(Exception):
    """Something tried to edit or delete a row that is written once and kept for good."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermanentRecordError(f"{self.model.__name__} rows are never edited once written.")

    def delete(self):
        raise PermanentRecordError(f"{self.model.__name__} rows are never deleted.")

    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermanentRecordError(f"{type(self).__name__} rows are never edited once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermanentRecordError(f"{type(self).__name__} rows are never deleted.")
