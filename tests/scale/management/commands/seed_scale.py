"""Seed a marketplace-sized dataset:
``manage.py seed_scale --settings=portal.settings.bench --orders 1000000 --disputes 100000``.

Rows are generated in Python by simulating each order's and dispute's life with the models'
own clock rules, then written with raw batched inserts in one transaction (see
``tests.scale``). It refuses to write into a database that already has orders unless
``--append`` says so.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.models import Order
from tests.scale.seed import PASSWORD, ScaleSeeder


class Command(BaseCommand):
    help = "Write N orders and M disputes (every state, deadlines ahead and behind) with bulk inserts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--disputes", type=int, default=10_000)
        parser.add_argument("--buyers", type=int, help="Default: one buyer per 20 orders.")
        parser.add_argument("--stores", type=int, help="Default: one store per 500 orders.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--now", help="The moment the data describes (ISO-8601); default: now.")
        parser.add_argument("--append", action="store_true", help="Add to a database that has orders.")

    def handle(self, *args, **options) -> None:
        now = parse_datetime(options["now"]) if options["now"] else timezone.now()
        if now is None or timezone.is_naive(now):
            raise CommandError("--now needs an ISO-8601 timestamp with a time zone.")
        if options["disputes"] > options["orders"]:
            raise CommandError("--disputes cannot exceed --orders: each dispute needs its own order.")
        if Order.objects.exists() and not options["append"]:
            raise CommandError("The database already has orders; pass --append to add to them.")
        started = time.perf_counter()
        seeder = ScaleSeeder(
            now=now, seed=options["seed"], batch_size=options["batch_size"], progress=self.stdout.write
        )
        report = seeder.seed(
            orders=options["orders"],
            disputes=options["disputes"],
            buyers=options["buyers"],
            stores=options["stores"],
        )
        elapsed = time.perf_counter() - started
        rows = sum(report.rows.values())
        self.stdout.write(f"Wrote {rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s).")
        self.stdout.write("Orders:   " + ", ".join(f"{k}={v:,}" for k, v in sorted(report.orders.items())))
        self.stdout.write("Disputes: " + ", ".join(f"{k}={v:,}" for k, v in sorted(report.disputes.items())))
        self.stdout.write("Rows:     " + ", ".join(f"{k}={v:,}" for k, v in report.rows.items()))
        self.stdout.write(f"Every seeded account signs in with the password {PASSWORD!r}.")
