"""Load the demo story: two stores, three buyers, a mediator, an admin, ~30 orders in every state
and a dispute in every state.

Each order is walked through the real services (ship, mark delivered, confirm receipt, protection
extensions) and the real deadline sweep, at times in the past (``orders.demo``); then each dispute,
on an order of its own, with evidence photos and chat (``disputes.demo``). Running it again finds
the demo data and only prints the logins.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from disputes.demo import load_demo
from disputes.models import Dispute
from orders.demo import ORDER_NUMBER_PREFIX, PASSWORD, PEOPLE, DemoFailed, demo_is_loaded
from orders.models import Order, Store
from portal.accounts.models import User


class Command(BaseCommand):
    help = "Create the demo users, stores, ~40 orders and a dispute in every state; safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now", help="Build the story as if it were this ISO-8601 time (default: the current time)."
        )

    def handle(self, *args, now: str | None, **options) -> None:
        at = parse_datetime(now) if now else timezone.now()
        if at is None or timezone.is_naive(at):
            raise CommandError(
                "--now needs an ISO-8601 timestamp with a time zone, e.g. 2026-12-01T12:00:00Z"
            )
        if demo_is_loaded():
            self.stdout.write("Demo data is already loaded; nothing was added.")
        else:
            clashes = User.objects.filter(username__in=[p.username for p in PEOPLE]).values_list(
                "username", flat=True
            )
            if clashes:
                raise CommandError(
                    f"Users {', '.join(sorted(clashes))} already exist but the demo does not; "
                    "load the demo into an empty database."
                )
            try:
                orders, disputes = load_demo(now=at)
            except DemoFailed as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {len(PEOPLE)} users, {len(orders) + len(disputes)} orders, "
                    f"{len(disputes)} disputes."
                )
            )
        self._print_logins()

    # --- output --------------------------------------------------------------------------------
    def _print_logins(self) -> None:
        stores = dict(
            Store.objects.filter(owner__username__in=[p.username for p in PEOPLE]).values_list(
                "owner__username", "name"
            )
        )
        rows = [("username", "role", "password", "time zone", "language")]
        for person in PEOPLE:
            role = f"seller: {stores.get(person.username, '?')}" if person.role == "seller" else person.role
            rows.append((person.username, role, PASSWORD, person.time_zone, person.language))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        for number, row in enumerate(rows):
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        ready = (
            Order.objects.filter(
                number__startswith=ORDER_NUMBER_PREFIX, state=Order.State.DELIVERED, on_hold=False
            )
            .select_related("buyer")
            .order_by("number")
        )
        if ready:
            self.stdout.write("")
            self.stdout.write(
                "Delivered and still protected (try a dispute): "
                + ", ".join(f"{order.number} ({order.buyer.username})" for order in ready)
            )
        waiting = (
            Dispute.objects.filter(
                order__number__startswith=ORDER_NUMBER_PREFIX, state__in=Dispute.OPEN_STATES
            )
            .select_related("order")
            .order_by("deadline_at", "id")
        )
        if waiting:
            self.stdout.write(
                "Open disputes (who acts next): "
                + ", ".join(f"{dispute.order.number} ({dispute.deadline_party})" for dispute in waiting)
            )
        self.stdout.write("Mediators and the admin sign in at /admin/; everyone else at /accounts/login/.")
