"""Index expressions the apps share."""

from django.contrib.postgres.indexes import OpClass
from django.db.models import OrderBy
from django.db.models.functions import Collate
from django.db.models.indexes import IndexExpression


class PrefixPattern(OpClass):
    """An expression indexed for prefix searches (``UPPER(x) LIKE 'TERM%'``): PostgreSQL needs
    the ``text_pattern_ops`` operator class for that under any collation but "C"; SQLite takes
    the expression as it is."""

    def __init__(self, expression) -> None:
        super().__init__(expression, name="text_pattern_ops")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


# An operator class wraps the indexed expression rather than being indexed itself, which
# ``django.contrib.postgres`` registers when it is installed (the portal needs none of its fields,
# so it is not); the order is the nesting, outermost first.
IndexExpression.register_wrappers(OrderBy, OpClass, PrefixPattern, Collate)
