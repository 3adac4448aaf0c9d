"""Query-building helpers the selectors share.

Correlated aggregates: :func:`aggregate_per_row`.

Queries whose SQL is built once per process and reused with each call's values:

Building the SQL of a big queryset (many joins, subqueries, window functions) can cost a page
more Python time than the database takes to run it. For the few such queries a busy page runs on
every request, :class:`Reusable` builds the SQL once with stand-in values for its parameters and
then swaps in each call's values.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import Aggregate, Field, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

#: Far outside any primary key, so a stand-in cannot be mistaken for another parameter.
_FIRST_STAND_IN = -7_919_000_001


class Reusable:
    """``build(**values)`` returns the queryset; ``names`` are its integer parameters (ids)."""

    def __init__(self, build: Callable[..., QuerySet], *names: str) -> None:
        self._build = build
        self._stand_ins = {name: _FIRST_STAND_IN - index for index, name in enumerate(names)}
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def sql(self, **values: int) -> tuple[str, tuple]:
        """The SQL and its parameters for these values.

        :raises ValueError: a stand-in did not reach the SQL as a parameter of its own (the
            queryset folded it into something else, so it cannot be swapped)
        """
        vendor = connection.vendor
        if vendor not in self._compiled:
            sql, params = self._build(**self._stand_ins).query.sql_with_params()
            lost = [name for name, stand_in in self._stand_ins.items() if stand_in not in params]
            if lost:
                raise ValueError(f"{', '.join(lost)} did not reach the SQL as a parameter")
            self._compiled[vendor] = (sql, params)
        sql, params = self._compiled[vendor]
        swap = {stand_in: values[name] for name, stand_in in self._stand_ins.items()}
        return sql, tuple(swap.get(param, param) if type(param) is int else param for param in params)


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
