"""Query-building helpers the selectors and services share.

Correlated aggregates: :func:`aggregate_per_row`. A group of rows' changes written together:
:func:`saved_together`. The row a unique key names: :func:`unique_row`. The names a statement
written as SQL uses: :func:`sql_names`.
"""

import copy
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.core.exceptions import MultipleObjectsReturned
from django.db import connection
from django.db.models import Aggregate, Expression, Field, IntegerField, Model, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django_fsm import ConcurrentTransition, FSMFieldMixin

M = TypeVar("M", bound=Model)


def aggregate_per_row(
    queryset: QuerySet, aggregate: Aggregate, *, per: str, default=0, output_field: Field | None = None
):
    """``aggregate`` over the rows of ``queryset`` that belong to each outer row, or ``default``.

    ``queryset`` is filtered on an ``OuterRef`` and ``per`` names its field that does so. A
    correlated subquery rather than a join with ``GROUP BY``: the outer rows are not multiplied,
    and the outer query sorts and slices (or a paginator counts) before any aggregate is taken.
    """
    output_field = output_field or IntegerField()
    inner = queryset.order_by().values(per).annotate(value=aggregate).values("value")
    return Coalesce(Subquery(inner, output_field=output_field), Value(default), output_field=output_field)


def unique_row(queryset: QuerySet[M]) -> M | None:
    """The row of ``queryset``, filtered on a unique key, or ``None`` if there is none.

    ``first()`` without its ``ORDER BY pk LIMIT 1``: a unique key matches one row at most, and
    PostgreSQL plans a ``LIMIT`` for its first row as well as for all of them, which over the
    joins of a page's gatekeeper query (the dispute with its order, store, people and appeal) took
    longer than running it: 4.4 ms of planning for 0.2 ms of work at 10k orders, 2.2 ms without
    the ``LIMIT`` and the joins only the dossier needed (issue 17).

    :raises MultipleObjectsReturned: ``queryset`` was not filtered on a unique key
    """
    rows = list(queryset.order_by())
    if len(rows) > 1:
        raise MultipleObjectsReturned(f"{len(rows)} {queryset.model.__name__} rows where one key was asked")
    return rows[0] if rows else None


def sql_names(model: type[Model], *fields: str) -> tuple[str, ...]:
    """``model``'s table and its ``fields``' columns, quoted for the database: a statement
    written as SQL (where building it in the ORM cost more than running it) names them from the
    model, as the ORM would."""
    quote = connection.ops.quote_name
    return (quote(model._meta.db_table), *(quote(model._meta.get_field(name).column) for name in fields))


@contextmanager
def saved_together(rows: Sequence[Model]) -> Iterator[None]:
    """Save what the block changes on ``rows`` (instances of one model, loaded under their locks)
    in one UPDATE, instead of one full-row UPDATE per row.

    Only the fields the block changed on some row are written: a value the rows share is set
    once, the others by a ``CASE`` on the primary key. As ``ConcurrentTransitionMixin.save`` does,
    the state each row had is part of the ``WHERE``, and a row that no longer has it raises
    :class:`~django_fsm.ConcurrentTransition`. Nothing is written if the block raises. The sweep's
    groups of due deadlines use it: dozens of rows moved by the clock at the same moment, whose
    new values are mostly the same.
    """
    rows = list({id(row): row for row in rows}.values())  # an order twice is saved once
    if not rows:
        yield
        return
    fields = [field for field in type(rows[0])._meta.concrete_fields if not field.primary_key]
    before = [{field.attname: _copied(getattr(row, field.attname)) for field in fields} for row in rows]
    yield
    changed = [
        field
        for field in fields
        if any(
            getattr(row, field.attname) != was[field.attname] for row, was in zip(rows, before, strict=True)
        )
    ]
    if changed:
        _update(rows, changed, _as_they_were(rows, before, fields))


def _as_they_were(rows: list[Model], before: list[dict], fields: list[Field]) -> Q:
    """The rows, each with the state(s) it had when the block began."""
    states = [field.attname for field in fields if isinstance(field, FSMFieldMixin)]
    by_state: dict[tuple, list] = defaultdict(list)
    for row, was in zip(rows, before, strict=True):
        by_state[tuple((name, was[name]) for name in states)].append(row.pk)
    condition = Q()
    for state, pks in by_state.items():
        condition |= Q(pk__in=pks, **dict(state))
    return condition


def _update(rows: list[Model], changed: list[Field], as_they_were: Q) -> None:
    model = type(rows[0])
    updated = model._base_manager.filter(as_they_were).update(
        **{field.attname: _value(field, rows) for field in changed}
    )
    expected = len({row.pk for row in rows})
    if updated != expected:
        raise ConcurrentTransition(
            f"{expected - updated} {model._meta.verbose_name} row(s) changed state meanwhile."
        )
    for row in rows:
        if hasattr(row, "_update_initial_state"):
            row._update_initial_state()


def _copied(value):
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _value(field: Field, rows: list[Model]):
    """The value of ``field`` for ``rows``' UPDATE: the one they share, or each row's own."""
    values = [getattr(row, field.attname) for row in rows]
    if all(value == values[0] for value in values):
        return values[0]
    return PerRow(field, [(row.pk, value) for row, value in zip(rows, values, strict=True)])


class PerRow(Expression):
    """``CASE WHEN pk IN (…) THEN … END``: each row's own value of ``field`` in one UPDATE, the
    rows that share a value named together. The sweep's rows mostly do (a group of 50 disputes
    moved by the clock has a handful of states, deadlines and moments between them), and a
    placeholder costs the PostgreSQL driver more to merge into the statement than the database
    takes to run it: ``bulk_update``'s ``WHEN pk = … THEN …`` per row had 1,300 of them in one
    group's UPDATE of disputes. On PostgreSQL a group's keys are one array (``= ANY``)."""

    def __init__(self, field: Field, values: list[tuple]):
        super().__init__(output_field=field)
        self.target, self.values = field, values

    def _groups(self, connection) -> list[tuple[list, object]]:
        """(primary keys, value to write) pairs, one per distinct value, in the rows' order."""
        pk = self.target.model._meta.pk
        groups: dict[object, tuple[list, object]] = {}
        for key, value in self.values:
            prepared = self.target.get_db_prep_save(value, connection)
            try:
                # The type too: 1, 1.0 and True are equal, and a field's values are one type.
                group = groups.setdefault((type(prepared), prepared), ([], prepared))
            except TypeError:  # an unhashable value (an array) is a group of its own
                group = groups.setdefault(object(), ([], prepared))
            group[0].append(pk.get_db_prep_value(key, connection))
        return list(groups.values())

    def as_sql(self, compiler, connection, keys_sql=None):
        column = connection.ops.quote_name(self.target.model._meta.pk.column)
        parts, params = [], []
        for keys, value in self._groups(connection):
            if keys_sql is None:
                parts.append(f" WHEN {column} IN ({', '.join(['%s'] * len(keys))}) THEN %s")
                params += [*keys, value]
            else:
                parts.append(f" WHEN {column} {keys_sql} THEN %s")
                params += [keys, value]
        sql = f"CASE{''.join(parts)} END"
        if connection.features.requires_casted_case_in_updates:
            sql = f"CAST({sql} AS {self.target.cast_db_type(connection)})"
        return sql, params

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, keys_sql="= ANY(%s)")
