from django.core.management.base import BaseCommand
from django.db import transaction

from disputes.tallies import rebuild_every_tally


class Command(BaseCommand):
    help = (
        "Count every tally again from the history (orders paid, the statistics' dispute figures), "
        "in one transaction: after a restore, or a change of what a tally counts."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            rebuild_every_tally()
        self.stdout.write("Tallies rebuilt from the history.")
