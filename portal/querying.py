"""Query-building helpers the selectors share.

Correlated aggregates: :func:`aggregate_per_row`.
"""

from django.db.models import Aggregate, Field, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


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
