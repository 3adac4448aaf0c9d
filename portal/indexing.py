"""Index expressions the apps share."""

from django.contrib.postgres.indexes import OpClass


class PrefixPattern(OpClass):
    """An expression indexed for prefix searches (``LIKE 'term%'``): PostgreSQL needs the
    ``text_pattern_ops`` operator class for that under any collation but "C"; SQLite takes the
    expression as it is."""

    def __init__(self, expression) -> None:
        super().__init__(expression, name="text_pattern_ops")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])
