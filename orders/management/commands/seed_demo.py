"""Load the demo story: two stores, three buyers, a mediator, an admin and ~30 orders in every state.

Each order is walked through the real services (ship, mark delivered, confirm receipt, protection
extensions) and the real deadline sweep, at times in the past, so timelines, countdowns, refunds
and notifications look as they would after weeks of use. Nothing is due when it finishes: the
first sweep of a freshly started worker changes nothing. Running it again finds the demo data
and only prints the logins.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders import policy
from orders import services as order_services
from orders.models import Carrier, Order, Refund, Store
from portal import deadlines
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from portal.celery import app as celery_app

PASSWORD = "demo-pass-2026"
ORDER_NUMBER_PREFIX = "AE-7"
#: How long after a deadline the demo's sweep "ran" (the beat fires every minute or so).
SWEEP_LAG = timedelta(seconds=40)
#: How long after being issued the demo's refund job "paid".
REFUND_LAG = timedelta(minutes=2)


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    first_name: str
    last_name: str
    time_zone: str
    language: str = "en"


PEOPLE = [
    Person("admin", "superuser", "Ada", "Admin", "UTC"),
    Person("maria_mediator", "mediator", "Maria", "Santos", "Europe/Lisbon"),
    Person("lin_seller", "seller", "Lin", "Wei", "Asia/Shanghai"),
    Person("ana_seller", "seller", "Ana", "Kowalska", "Europe/Warsaw"),
    Person("olga_buyer", "buyer", "Olga", "Petrova", "Europe/Moscow", "ru"),
    Person("jack_buyer", "buyer", "Jack", "Miller", "America/New_York"),
    Person("mei_buyer", "buyer", "Mei", "Chen", "Asia/Shanghai"),
]


@dataclass(frozen=True)
class StoreSetup:
    owner: str
    name: str
    return_address: str
    policy: dict
    free_return_countries: list[str]


STORES = {
    "lin": StoreSetup(
        owner="lin_seller",
        name="Lin's Gadget Hub",
        return_address="Lin's Gadget Hub, Returns\nBuilding 5, 18 Keji Road, Nanshan\nShenzhen 518057, China",
        policy={
            "accepts_returns": True,
            "return_window_days": 30,
            "return_shipping_paid_by": Store.ReturnShippingPayer.SELLER,
        },
        free_return_countries=["US", "FR"],
    ),
    "ana": StoreSetup(
        owner="ana_seller",
        name="Atelier Ana - handmade leather",
        return_address="Atelier Ana\nul. Długa 12\n00-238 Warszawa, Poland",
        policy={
            "accepts_returns": False,
            "return_window_days": 14,
            "return_shipping_paid_by": Store.ReturnShippingPayer.BUYER,
        },
        free_return_countries=[],
    ),
}


@dataclass(frozen=True)
class Destination:
    country: str
    currency: str
    address: str


#: Where each buyer's parcels go, and the currency they pay in.
DESTINATIONS = {
    "olga_buyer": Destination("RU", "RUB", "Olga Petrova\nul. Tverskaya 7, kv. 12\nMoscow 125009, Russia"),
    "jack_buyer": Destination("US", "USD", "Jack Miller\n221 Atlantic Ave, Apt 4B\nBrooklyn, NY 11201, USA"),
    "mei_buyer": Destination("FR", "EUR", "Mei Chen\n14 rue de la République\n69002 Lyon, France"),
}


@dataclass(frozen=True)
class Product:
    title: str
    prices: dict[str, str]  # currency -> unit price
    personalised: bool = False


CATALOGUE = {
    "earbuds": Product("Wireless earbuds, noise cancelling", {"USD": "39.90", "EUR": "36.50", "RUB": "3490"}),
    "charger": Product("USB-C fast charger 65 W", {"USD": "24.99", "EUR": "22.90", "RUB": "1990"}),
    "case": Product("Clear phone case, iPhone 15", {"USD": "6.49", "EUR": "5.99", "RUB": "490"}),
    "band": Product("Silicone smart-watch band", {"USD": "4.99", "EUR": "4.59", "RUB": "390"}),
    "keyboard": Product("Mechanical keyboard, 68 keys", {"USD": "59.00", "EUR": "54.00", "RUB": "5290"}),
    "ssd": Product("Portable SSD 1 TB", {"USD": "89.00", "EUR": "82.00", "RUB": "7990"}),
    "lamp": Product("LED desk lamp with wireless charger", {"USD": "29.90", "EUR": "27.50", "RUB": "2690"}),
    "cable": Product("Braided USB-C cable 2 m", {"USD": "8.99", "EUR": "8.29", "RUB": "790"}),
    "wallet": Product(
        "Leather wallet, engraved initials", {"USD": "45.00", "EUR": "42.00", "RUB": "3990"}, True
    ),
    "cardholder": Product("Leather card holder", {"USD": "19.00", "EUR": "17.50", "RUB": "1690"}),
    "strap": Product("Leather watch strap, 20 mm", {"USD": "25.00", "EUR": "23.00", "RUB": "2190"}),
    "tote": Product("Handmade leather tote bag", {"USD": "79.00", "EUR": "72.00", "RUB": "6990"}),
    "keyring": Product("Leather keyring", {"USD": "7.50", "EUR": "6.90", "RUB": "650"}),
    "notebook": Product(
        "A5 notebook cover, personalised", {"USD": "32.00", "EUR": "29.50", "RUB": "2790"}, True
    ),
}

EXTENSION_NOTE = "Tracking has not moved for two weeks; the post office says the parcel is still in customs."


@dataclass(frozen=True)
class Story:
    """One demo order: who bought what, and how many days before now each step happened."""

    buyer: str
    store: str
    items: tuple[tuple[str, int], ...]
    paid: float
    expect: str
    carrier: str = ""
    shipped: float | None = None
    extension_asked: float | None = None
    extension_granted: float | None = None
    delivered: float | None = None
    confirmed: float | None = None


S = Order.State
C = Carrier
STORIES = [
    # Awaiting shipment; the last one is hours from being cancelled.
    Story("jack_buyer", "lin", (("earbuds", 1), ("cable", 2)), paid=0.2, expect=S.PAID),
    Story("olga_buyer", "ana", (("wallet", 1),), paid=2.5, expect=S.PAID),
    Story("mei_buyer", "lin", (("keyboard", 1),), paid=4.1, expect=S.PAID),
    Story("olga_buyer", "lin", (("charger", 1), ("case", 2)), paid=1.3, expect=S.PAID),
    Story("jack_buyer", "ana", (("tote", 1), ("keyring", 2)), paid=6.6, expect=S.PAID),
    # The seller missed the handling time: the sweep cancelled and refunded them.
    Story("mei_buyer", "ana", (("cardholder", 2),), paid=12.4, expect=S.CANCELLED),
    Story("olga_buyer", "lin", (("ssd", 1),), paid=25.0, expect=S.CANCELLED),
    Story("jack_buyer", "lin", (("lamp", 1),), paid=38.5, expect=S.CANCELLED),
    # In transit. Shipped six or more days ago: a "not received" dispute may be opened.
    Story("jack_buyer", "lin", (("band", 3),), paid=3.2, carrier=C.DHL, shipped=2.0, expect=S.SHIPPED),
    Story(
        "olga_buyer",
        "lin",
        (("earbuds", 1), ("case", 1)),
        paid=11.0,
        carrier=C.EMS,
        shipped=9.5,
        expect=S.SHIPPED,
    ),
    Story(
        "mei_buyer",
        "ana",
        (("strap", 2),),
        paid=33.0,
        carrier=C.CHINA_POST,
        shipped=31.0,
        extension_asked=1.0,
        expect=S.SHIPPED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("notebook", 1),),
        paid=24.0,
        carrier=C.HONGKONG_POST,
        shipped=22.5,
        expect=S.SHIPPED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("lamp", 1), ("cable", 1)),
        paid=36.0,
        carrier=C.OTHER_POST,
        shipped=34.0,
        extension_asked=8.0,
        extension_granted=7.0,
        expect=S.SHIPPED,
    ),
    Story(
        "mei_buyer", "lin", (("charger", 2),), paid=8.0, carrier=C.SF_EXPRESS, shipped=7.0, expect=S.SHIPPED
    ),
    Story("jack_buyer", "ana", (("cardholder", 1),), paid=5.0, carrier=C.UPS, shipped=4.2, expect=S.SHIPPED),
    # Delivered, protection still running: the buyer can confirm or open a dispute.
    Story(
        "olga_buyer",
        "lin",
        (("keyboard", 1),),
        paid=9.0,
        carrier=C.FEDEX,
        shipped=8.0,
        delivered=2.0,
        expect=S.DELIVERED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("ssd", 1), ("case", 1)),
        paid=7.0,
        carrier=C.DHL,
        shipped=6.5,
        delivered=0.5,
        expect=S.DELIVERED,
    ),
    Story(
        "mei_buyer",
        "lin",
        (("earbuds", 2),),
        paid=12.0,
        carrier=C.TNT,
        shipped=10.5,
        delivered=4.0,
        expect=S.DELIVERED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("tote", 1),),
        paid=16.0,
        carrier=C.EMS,
        shipped=15.0,
        delivered=3.1,
        expect=S.DELIVERED,
    ),
    Story(
        "jack_buyer",
        "ana",
        (("wallet", 1), ("keyring", 1)),
        paid=30.0,
        carrier=C.CHINA_POST,
        shipped=28.0,
        delivered=1.2,
        expect=S.DELIVERED,
    ),
    # Receipt confirmed (by the buyer or by the clock); the 15-day dispute window is still open.
    Story(
        "olga_buyer",
        "lin",
        (("band", 2), ("cable", 1)),
        paid=14.0,
        carrier=C.DHL,
        shipped=13.0,
        delivered=8.5,
        confirmed=8.0,
        expect=S.COMPLETED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("charger", 1),),
        paid=20.0,
        carrier=C.UPS,
        shipped=19.0,
        delivered=14.0,
        confirmed=13.5,
        expect=S.COMPLETED,
    ),
    Story(
        "mei_buyer",
        "ana",
        (("notebook", 1), ("keyring", 1)),
        paid=18.0,
        carrier=C.FEDEX,
        shipped=17.0,
        delivered=10.2,
        expect=S.COMPLETED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("cardholder", 1), ("strap", 1)),
        paid=22.0,
        carrier=C.SF_EXPRESS,
        shipped=21.0,
        delivered=15.0,
        confirmed=12.0,
        expect=S.COMPLETED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("keyboard", 1), ("band", 1)),
        paid=35.0,
        carrier=C.HONGKONG_POST,
        shipped=33.0,
        delivered=12.0,
        confirmed=11.0,
        expect=S.COMPLETED,
    ),
    Story("mei_buyer", "lin", (("lamp", 1),), paid=33.0, carrier=C.TNT, shipped=31.0, expect=S.COMPLETED),
    # Dispute window closed: the payment was released to the seller.
    Story(
        "olga_buyer",
        "lin",
        (("earbuds", 1),),
        paid=40.0,
        carrier=C.EMS,
        shipped=38.5,
        delivered=30.0,
        confirmed=29.0,
        expect=S.SETTLED,
    ),
    Story(
        "jack_buyer",
        "ana",
        (("strap", 1), ("keyring", 3)),
        paid=39.0,
        carrier=C.DHL,
        shipped=37.0,
        delivered=33.0,
        confirmed=32.5,
        expect=S.SETTLED,
    ),
    Story(
        "mei_buyer",
        "lin",
        (("ssd", 1),),
        paid=40.0,
        carrier=C.CHINA_POST,
        shipped=39.0,
        delivered=25.0,
        confirmed=24.0,
        expect=S.SETTLED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("tote", 1),),
        paid=38.0,
        carrier=C.OTHER_POST,
        shipped=36.0,
        delivered=28.0,
        expect=S.SETTLED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("case", 3), ("charger", 1)),
        paid=36.0,
        carrier=C.FEDEX,
        shipped=35.0,
        delivered=31.0,
        confirmed=30.8,
        expect=S.SETTLED,
    ),
]

TRACKING_FORMATS = {
    C.DHL: "JD01460{:07d}",
    C.TNT: "GE{:09d}WW",
    C.UPS: "1Z999AA1{:010d}",
    C.FEDEX: "7946{:08d}",
    C.EMS: "EA{:09d}CN",
    C.SF_EXPRESS: "SF14{:011d}",
    C.CHINA_POST: "LX{:09d}CN",
    C.HONGKONG_POST: "RR{:09d}HK",
    C.OTHER_POST: "LP00{:012d}",
}


def order_number(index: int) -> str:
    return f"{ORDER_NUMBER_PREFIX}{index + 1:05d}"


def _tracking_number(carrier: str, index: int) -> str:
    return TRACKING_FORMATS[carrier].format(48_213_377 + 7_919 * index)


@contextmanager
def _jobs_inline() -> Iterator[None]:
    """Run the jobs the services queue (notifications, refunds) in this process, without e-mail.

    The demo needs no broker or worker to be complete, and its few dozen notifications land in
    the in-app inboxes instead of flooding the console (as would the sweep's and the jobs' logs).
    """
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    logging.disable(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        logging.disable(logging.NOTSET)
        celery_app.conf.task_always_eager = eager


class Command(BaseCommand):
    help = "Create the demo users, stores and ~30 orders in every state; safe to run twice."

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
        if Store.objects.filter(owner__username=STORES["lin"].owner).exists():
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
            with _jobs_inline(), transaction.atomic():
                orders = self._build(now=at)
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded: {len(PEOPLE)} users, {len(orders)} orders.")
            )
        self._print_logins()

    # --- building ------------------------------------------------------------------------------
    def _build(self, *, now: datetime) -> list[Order]:
        users = {person.username: self._create_user(person) for person in PEOPLE}
        stores = {key: self._create_store(setup, users[setup.owner]) for key, setup in STORES.items()}
        orders = []
        # Numbered in the order they were paid, as a marketplace's checkout would number them.
        for index, story in enumerate(sorted(STORIES, key=lambda story: -story.paid)):
            order = self._play(
                story, index=index, buyer=users[story.buyer], store=stores[story.store], now=now
            )
            if order.state != story.expect:
                raise CommandError(f"Demo order {order.number} ended {order.state}, not {story.expect}.")
            orders.append(order)
        return orders

    def _create_user(self, person: Person) -> User:
        fields = {
            "email": f"{person.username}@example.com",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "time_zone": person.time_zone,
            "language": person.language,
        }
        if person.role == "superuser":
            return User.objects.create_superuser(person.username, password=PASSWORD, **fields)
        user = User.objects.create_user(
            person.username, password=PASSWORD, is_staff=person.role == "mediator", **fields
        )
        if person.role == "mediator":
            user.groups.add(Group.objects.get(name=MEDIATORS_GROUP))
        return user

    def _create_store(self, setup: StoreSetup, owner: User) -> Store:
        store = Store.objects.create(owner=owner, name=setup.name, return_address=setup.return_address)
        return order_services.update_return_policy(
            store=store, seller=owner, changes=setup.policy, free_return_countries=setup.free_return_countries
        )

    def _play(self, story: Story, *, index: int, buyer: User, store: Store, now: datetime) -> Order:
        """Place the order, then replay its steps in time order with the clock running between them."""
        order = self._place(story, index=index, buyer=buyer, store=store, at=now - timedelta(days=story.paid))
        seller = store.owner
        steps: list[tuple[float | None, Callable[[datetime], Order]]] = [
            (
                story.shipped,
                lambda at: order_services.ship_order(
                    order=order,
                    seller=seller,
                    carrier=story.carrier,
                    tracking_number=_tracking_number(story.carrier, index),
                    now=at,
                ),
            ),
            (
                story.extension_asked,
                lambda at: order_services.request_protection_extension(
                    order=order, buyer=buyer, note=EXTENSION_NOTE, now=at
                ),
            ),
            (
                story.extension_granted,
                lambda at: order_services.grant_protection_extension(
                    order=order, seller=seller, days=policy.DEFAULT_PROTECTION_EXTENSION.days, now=at
                ),
            ),
            (
                story.delivered,
                lambda at: order_services.mark_order_delivered(order=order, actor=None, now=at),
            ),
            (story.confirmed, lambda at: order_services.confirm_receipt(order=order, buyer=buyer, now=at)),
        ]
        for days_ago, step in steps:
            if days_ago is None:
                continue
            at = now - timedelta(days=days_ago)
            self._run_clock(order, until=at)
            order = step(at)
        self._run_clock(order, until=now)
        order.refresh_from_db()
        return order

    def _place(self, story: Story, *, index: int, buyer: User, store: Store, at: datetime) -> Order:
        """What the marketplace's checkout hands over: a paid order and its line items."""
        destination = DESTINATIONS[buyer.username]
        lines = [(CATALOGUE[key], quantity) for key, quantity in story.items]
        prices = [Decimal(product.prices[destination.currency]) for product, _quantity in lines]
        return order_services.record_paid_order(
            paid=order_services.PaidOrder(
                number=order_number(index),
                buyer=buyer,
                store=store,
                currency=destination.currency,
                lines=[
                    order_services.CheckoutLine(
                        title=product.title,
                        quantity=quantity,
                        unit_price=price,
                        sku=f"{story.store.upper()}-{key.upper()}",
                        is_personalised=product.personalised,
                    )
                    for (key, _q), (product, quantity), price in zip(story.items, lines, prices, strict=True)
                ],
                paid_at=at,
                payment_method=list(Order.PaymentMethod)[index % 3],
                payment_reference=f"pi_demo_{order_number(index).lower().replace('-', '_')}",
                ship_to_country=destination.country,
                ship_to_address=destination.address,
            )
        )

    def _run_clock(self, order: Order, *, until: datetime) -> None:
        """Run the real sweep at each of the order's deadlines that fell due before ``until``.

        Every other demo order's clock already ran up to the present, so a sweep at a past time
        finds nothing but this order.
        """
        while True:
            due_at = Order.objects.filter(pk=order.pk).values_list("deadline_at", flat=True).get()
            if due_at is None or due_at > until:
                return
            swept_at = due_at + SWEEP_LAG
            deadlines.enforce_all(now=swept_at)
            if Order.objects.filter(pk=order.pk, deadline_at=due_at).exists():
                raise CommandError(f"The sweep did not apply the deadline of demo order {order.number}.")
            for refund_id in Refund.objects.filter(order=order, status=Refund.Status.PENDING).values_list(
                "pk", flat=True
            ):
                order_services.pay_refund(refund_id=refund_id, now=swept_at + REFUND_LAG)

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
        self.stdout.write("Mediators and the admin sign in at /admin/; everyone else at /accounts/login/.")
