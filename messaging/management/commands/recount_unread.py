"""Count every conversation's unread messages again (:mod:`messaging.unread`)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from messaging import unread
from messaging.models import Conversation


class Command(BaseCommand):
    help = (
        "Count each conversation's unread messages again, from its messages and read receipts: once "
        "after upgrading to the release that keeps the counts (when no web process runs an older "
        "one), and after any change to messages or receipts made outside the portal."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="Conversations per transaction.")

    def handle(self, *args, batch: int, **options) -> None:
        done, after = 0, 0
        while True:
            # A batch's rows are locked before they are counted, as senders and readers lock them,
            # so a message sent meanwhile is counted here or by its sender, never by neither.
            with transaction.atomic():
                ids = list(
                    Conversation.objects.select_for_update()
                    .filter(pk__gt=after)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch]
                )
                if not ids:
                    break
                unread.recount(Conversation.objects.filter(pk__in=ids))
            done, after = done + len(ids), ids[-1]
        self.stdout.write(f"Counted the unread messages of {done:,} conversations again.")
