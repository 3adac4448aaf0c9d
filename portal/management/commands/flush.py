"""``flush`` that also empties the append-only audit tables (see ``portal.audit``)."""

from django.core.management.commands import flush
from django.db import connections, transaction

from portal import audit


class Command(flush.Command):
    help = (
        f"{flush.Command.help} The append-only audit tables are emptied too: their triggers are "
        "lifted for this command's transaction only."
    )

    def handle(self, **options) -> None:
        connection = connections[options["database"]]
        with transaction.atomic(using=connection.alias), audit.triggers_suspended(connection):
            super().handle(**options)
