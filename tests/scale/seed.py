"""Seed a marketplace-sized dataset: people, stores, orders in every state and disputes in every
state, each row as the services and the clock would have left it at ``now``.

Nothing enforced is due at ``now`` (the clock is assumed to have kept up), so the first sweep
after seeding changes nothing; deadlines lie ahead, mediators' targets may be overdue, and the
history lies behind. :meth:`ScaleSeeder.seed_due_disputes` adds a backlog on purpose, for the
benchmark's sweep.
"""

import hashlib
import io
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from disputes import policy as dispute_policy
from disputes.models import BuyerStanding, Dispute, DisputedItem, DisputeEvent, Evidence, Proposal
from disputes.tallies import rebuild_every_tally
from messaging import unread
from messaging.models import Conversation, ConversationReadState, Message
from orders.models import (
    Carrier,
    FreeReturnCountry,
    LineItem,
    Order,
    OrderEvent,
    Refund,
    Shipment,
    Store,
)
from orders.terms import backfill_return_terms
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from tests.scale.disputes import DisputeLife, SampleFile
from tests.scale.orders import OrderLife
from tests.scale.writer import IdRange, Sender, TableWriter, analyze, indexes_deferred, reset_sequences

PASSWORD = "scale-pass-2026"
#: From this many orders on, a PostgreSQL load rebuilds plain indexes afterwards instead of
#: updating them row by row.
BULK_LOAD_ORDERS = 50_000
DAY = 86_400
OS = Order.State
DS = Dispute.State
R = Dispute.Reason

DESTINATIONS = [
    ("US", "USD", Decimal("1"), "221 Atlantic Ave, Apt 4B\nBrooklyn, NY 11201, USA"),
    ("FR", "EUR", Decimal("0.92"), "14 rue de la République\n69002 Lyon, France"),
    ("RU", "RUB", Decimal("90"), "ul. Tverskaya 7, kv. 12\nMoscow 125009, Russia"),
    ("ES", "EUR", Decimal("0.92"), "Calle Mayor 10\n28013 Madrid, Spain"),
]
PRODUCTS = [
    ("Wireless earbuds, noise cancelling", "39.90"),
    ("USB-C fast charger 65 W", "24.99"),
    ("Clear phone case", "6.49"),
    ("Silicone smart-watch band", "4.99"),
    ("Mechanical keyboard, 68 keys", "59.00"),
    ("Portable SSD 1 TB", "89.00"),
    ("LED desk lamp", "29.90"),
    ("Braided USB-C cable 2 m", "8.99"),
    ("Leather card holder", "19.00"),
    ("Leather watch strap, 20 mm", "25.00"),
    ("Handmade leather tote bag", "79.00"),
    ("Bluetooth speaker", "34.50"),
    ("Fitness tracker", "44.00"),
    ("Camera tripod", "17.80"),
    ("Laptop sleeve 14 inch", "15.90"),
    ("Kitchen scale", "12.40"),
]
PAYMENT_METHODS = [Order.PaymentMethod.CARD, Order.PaymentMethod.WALLET, Order.PaymentMethod.BANK_TRANSFER]
CARRIERS = [Carrier.DHL, Carrier.UPS, Carrier.EMS, Carrier.CHINA_POST, Carrier.CHINA_POST, Carrier.OTHER_POST]
RECEIVED_REASONS = [
    R.NOT_AS_DESCRIBED,
    R.DAMAGED,
    R.DOES_NOT_WORK,
    R.WRONG_ITEM,
    R.WRONG_SIZE_COLOUR,
    R.MISSING_PARTS,
]
DESCRIPTIONS = {
    R.NOT_RECEIVED: "The parcel has not arrived and tracking has not moved for days.",
    R.CHANGED_MIND: "I changed my mind and would like to send it back.",
}
DEFAULT_DESCRIPTION = "The item is not what the listing showed; photos attached."
#: Share of orders whose buyer and seller talked, without and with a dispute.
CONVERSATION_SHARE = (0.04, 0.3)
CHAT = [
    ("buyer", "Hello, when will my order ship?"),
    ("seller", "It ships tomorrow; you will get the tracking number."),
    ("buyer", "Tracking has not moved for a few days."),
    ("seller", "Carriers are slow this month, please wait a little longer."),
    ("buyer", "Thank you."),
    ("seller", "You are welcome."),
]


def _price(text: str, rate: Decimal) -> Decimal:
    return (Decimal(text) * rate).quantize(Decimal("0.01"))


PRICES = {
    currency: [_price(price, rate) for _title, price in PRODUCTS] for _c, currency, rate, _a in DESTINATIONS
}


class Ids:
    """Primary keys for every table written with explicit ids, and fresh UUIDs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.user = IdRange(User)
        self.store = IdRange(Store)
        self.order = IdRange(Order)
        self.line_item = IdRange(LineItem)
        self.refund = IdRange(Refund)
        self.dispute = IdRange(Dispute)
        self.proposal = IdRange(Proposal)
        self.evidence = IdRange(Evidence)
        self.conversation = IdRange(Conversation)

    def uuid(self) -> uuid.UUID:
        # Random even when the rest is seeded: a second run with the same seed must not collide.
        return uuid.uuid4()


@dataclass
class People:
    buyers: list[int] = field(default_factory=list)
    #: (store id, owner id, accepts returns, return window days, return address)
    stores: list[tuple] = field(default_factory=list)
    mediators: list[int] = field(default_factory=list)


@dataclass
class SeedReport:
    orders: Counter = field(default_factory=Counter)
    disputes: Counter = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)


class ScaleSeeder:
    """Writes people, orders and disputes with raw batched inserts in one transaction."""

    def __init__(
        self,
        *,
        now: datetime,
        seed: int = 2026,
        batch_size: int = 5000,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.now = now.astimezone(UTC)
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.progress = progress or (lambda message: None)
        self.report = SeedReport()
        self.standings: list[tuple] = []

    # --- entry points ----------------------------------------------------------------------------
    def seed(self, *, orders: int, disputes: int, buyers: int | None = None, stores: int | None = None):
        """Write ``orders`` orders, ``disputes`` of them disputed, for new buyers and stores."""
        if disputes > orders:
            raise ValueError("Every dispute needs its own order: --disputes cannot exceed --orders.")
        with transaction.atomic(), self._loading(bulk=orders >= BULK_LOAD_ORDERS):
            people = self.people(
                buyers=buyers or max(1, orders // 20),
                stores=stores or max(1, orders // 500),
                mediators=min(50, max(2, disputes // 5000)),
            )
            disputed = set(self.rng.sample(range(orders), disputes))
            # The first disputes cover every state, so even a small seed shows all of them.
            targets = iter(DS.values)
            for index in range(orders):
                buyer, store = self.pick(people)
                if index in disputed:
                    self.disputed_order(people, buyer, store, target=next(targets, None))
                else:
                    self.plain_order(buyer, store)
                if (index + 1) % 100_000 == 0:
                    self.progress(f"  {index + 1:,} orders generated")
        return self.report

    def seed_due_disputes(
        self, count: int, *, sweep_at: datetime, people: People | None = None
    ) -> SeedReport:
        """Write ``count`` open disputes whose enforced deadline is due at ``sweep_at``, as if the
        sweep had stopped a few days earlier while the parties went quiet (the sweep's backlog)."""
        with transaction.atomic(), self._loading(bulk=False):
            people = people or self.people(buyers=max(1, count // 5), stores=max(1, count // 50), mediators=2)
            for _n in range(count):
                buyer, store = self.pick(people)
                for _attempt in range(1000):
                    stalled_at = sweep_at - timedelta(seconds=self.rng.uniform(1, 31) * DAY)
                    life = self.dispute_story(people, buyer, store, now=stalled_at)
                    d = life.dispute
                    if d.state in Dispute.ENFORCED_STATES and d.deadline_at <= sweep_at - timedelta(
                        minutes=1
                    ):
                        break
                else:
                    raise RuntimeError("Could not build a due dispute.")
                self.write_dispute(life)
        return self.report

    def existing_people(self) -> People:
        """The people a previous ``seed`` wrote, for adding to its data."""
        people = People()
        people.buyers = list(
            User.objects.filter(username__startswith="scale-buyer-")
            .order_by("id")
            .values_list("id", flat=True)
        )
        people.stores = list(
            Store.objects.filter(owner__username__startswith="scale-seller-")
            .order_by("id")
            .values_list("id", "owner_id", "accepts_returns", "return_window_days", "return_address")
        )
        people.mediators = list(
            User.objects.filter(username__startswith="scale-mediator-")
            .order_by("id")
            .values_list("id", flat=True)
        )
        return people

    # --- set-up and tear-down ---------------------------------------------------------------------
    @contextmanager
    def _loading(self, *, bulk: bool) -> Iterator[None]:
        """Writers ready for use; everything flushed, counted and analysed at the end. A ``bulk``
        load on PostgreSQL rebuilds the plain indexes and foreign keys once, after the rows."""
        self.ids = Ids(self.rng)
        self.sample = sample_evidence_file()
        self.sender = Sender() if connection.vendor == "postgresql" else None
        try:
            self.writers = self._writers()
            deferred = [w.model for w in self.writers.values()] if bulk else []
            with indexes_deferred(deferred):
                yield
                self._write_standings()
                for name, writer in self.writers.items():
                    writer.flush()
                    self.report.rows[name] = self.report.rows.get(name, 0) + writer.written
                if self.sender is not None:
                    self.sender.wait()
                # Each order is governed by its store's policy, copied as checkout would have.
                terms = backfill_return_terms(at=self.now)
                self.report.rows["return_terms"] = self.report.rows.get("return_terms", 0) + terms
                self.progress("  rows written; building indexes" if deferred else "  rows written")
        finally:
            if self.sender is not None:
                self.sender.close()
        reset_sequences(writer.model for writer in self.writers.values())
        # The statistics' tallies, counted from what was written as the services count, once the
        # indexes are back and the planner has statistics for the new rows (ANALYZE counts this
        # transaction's own rows): before, a correlated lookup of each decision's escalation read
        # every dispute event once per decision, and a 1M seed never finished counting.
        analyze()
        rebuild_every_tally()
        # Each conversation's unread counts, as sending and reading keep them.
        unread.recount(Conversation.objects.all())
        analyze()

    def _writers(self) -> dict[str, TableWriter]:
        w = self.batch_size

        def writer(model, columns) -> TableWriter:
            return TableWriter(model, columns, batch_size=w, sender=self.sender)

        return {
            "users": writer(
                User,
                ["id", "password", "username", "first_name", "last_name", "email", "is_staff", "date_joined"],
            ),
            "groups": writer(User.groups.through, ["user_id", "group_id"]),
            "stores": writer(
                Store,
                [
                    "id",
                    "owner_id",
                    "name",
                    "accepts_returns",
                    "return_window_days",
                    "return_shipping_paid_by",
                    "return_address",
                    "created_at",
                ],
            ),
            "free_returns": writer(FreeReturnCountry, ["store_id", "country", "max_item_value", "currency"]),
            "orders": writer(Order, OrderLife.ORDER_COLUMNS),
            "items": writer(LineItem, ["id", "order_id", "title", "sku", "quantity", "unit_price"]),
            "shipments": writer(
                Shipment, ["order_id", "carrier", "tracking_number", "shipped_at", "delivered_at"]
            ),
            "order_events": writer(
                OrderEvent, ["order_id", "type", "actor_id", "note", "data", "created_at"]
            ),
            "refunds": writer(
                Refund,
                [
                    "id",
                    "order_id",
                    "dispute_id",
                    "amount",
                    "currency",
                    "reason",
                    "status",
                    "idempotency_key",
                    "provider_reference",
                    "attempts",
                    "next_attempt_at",
                    "created_at",
                    "paid_at",
                ],
            ),
            "disputes": writer(Dispute, [f.attname for f in Dispute._meta.concrete_fields]),
            "disputed_items": writer(DisputedItem, ["dispute_id", "line_item_id", "quantity"]),
            "proposals": writer(
                Proposal,
                [
                    "id",
                    "dispute_id",
                    "party",
                    "author_id",
                    "kind",
                    "amount",
                    "with_return",
                    "note",
                    "resolution",
                    "created_at",
                ],
            ),
            "evidence": writer(
                Evidence,
                [
                    "id",
                    "public_id",
                    "dispute_id",
                    "uploaded_by_id",
                    "party",
                    "kind",
                    "content_type",
                    "extension",
                    "original",
                    "original_name",
                    "size",
                    "sha256",
                    "width",
                    "height",
                    "display",
                    "thumbnail",
                    "status",
                    "received_at",
                ],
            ),
            "dispute_events": writer(
                DisputeEvent,
                [
                    "dispute_id",
                    "type",
                    "actor_id",
                    "party",
                    "from_state",
                    "to_state",
                    "note",
                    "data",
                    "created_at",
                ],
            ),
            "standings": writer(BuyerStanding, ["buyer_id", "wins_in_a_row", "flagged"]),
            "conversations": writer(
                Conversation, ["id", "order_id", "buyer_id", "store_id", "created_at", "last_message_at"]
            ),
            "messages": writer(
                Message, ["conversation_id", "sender_id", "sender_party", "body", "created_at"]
            ),
            "read_states": writer(ConversationReadState, ["conversation_id", "user_id", "last_read_at"]),
        }

    def _write_standings(self) -> None:
        outcomes = defaultdict(list)
        for buyer_id, closed_at, won in self.standings:
            outcomes[buyer_id].append((closed_at, won))
        for buyer_id, results in outcomes.items():
            wins = 0
            flagged = False
            for _closed_at, won in sorted(results):
                wins = wins + 1 if won else 0
                flagged = flagged or wins >= dispute_policy.WINS_IN_A_ROW_FLAG
            self.writers["standings"].add((buyer_id, wins, flagged))
        self.standings = []

    # --- people -------------------------------------------------------------------------------------
    def people(self, *, buyers: int, stores: int, mediators: int) -> People:
        people = People()
        password = make_password(PASSWORD)
        users = self.writers["users"]
        joined = self.now - timedelta(days=400)

        def user(role: str, *, staff: bool = False) -> int:
            user_id = self.ids.user.take()
            username = f"scale-{role}-{user_id}"
            users.add(
                (
                    user_id,
                    password,
                    username,
                    role.title(),
                    str(user_id),
                    f"{username}@example.com",
                    staff,
                    joined,
                )
            )
            return user_id

        people.buyers = [user("buyer") for _n in range(buyers)]
        group_id = Group.objects.get(name=MEDIATORS_GROUP).pk
        for _n in range(mediators):
            mediator = user("mediator", staff=True)
            people.mediators.append(mediator)
            self.writers["groups"].add((mediator, group_id))
        for n in range(stores):
            owner = user("seller")
            store_id = self.ids.store.take()
            accepts = self.rng.random() < 0.7
            window = self.rng.choice((14, 15, 30))
            address = f"Store {store_id} returns\nBuilding {n % 40 + 1}, Keji Road\nShenzhen 518057, China"
            self.writers["stores"].add(
                (
                    store_id,
                    owner,
                    f"Scale store {store_id}",
                    accepts,
                    window,
                    Store.ReturnShippingPayer.SELLER if n % 3 == 0 else Store.ReturnShippingPayer.BUYER,
                    address,
                    joined,
                )
            )
            if accepts and n % 3 == 0:
                for country in ("US", "FR"):
                    cap, currency = {"US": (Decimal("50.00"), "USD"), "FR": (Decimal("40.00"), "EUR")}[
                        country
                    ]
                    self.writers["free_returns"].add((store_id, country, cap, currency))
            people.stores.append((store_id, owner, accepts, window, address))
        return people

    def pick(self, people: People) -> tuple[int, tuple]:
        """A buyer and a store, skewed so a few accounts are very large (the pages' worst case)."""
        buyer = people.buyers[int(len(people.buyers) * self.rng.random() ** 2)]
        store = people.stores[int(len(people.stores) * self.rng.random() ** 2)]
        return buyer, store

    # --- orders ---------------------------------------------------------------------------------------
    def new_order(
        self, buyer: int, store: tuple, *, paid_at: datetime, now: datetime
    ) -> tuple[OrderLife, list]:
        rng = self.rng
        country, currency, _rate, address = DESTINATIONS[buyer % len(DESTINATIONS)]
        r = rng.random()
        count = 1 + (r < 0.35) + (r < 0.1)
        items = []
        for _n in range(count):
            product = rng.randrange(len(PRODUCTS))
            quantity = 1 if rng.random() < 0.8 else rng.randint(2, 3)
            items.append((self.ids.line_item.take(), product, quantity, PRICES[currency][product]))
        total = sum((price * quantity for _id, _p, quantity, price in items), Decimal("0.00"))
        order_id = self.ids.order.take()
        life = OrderLife(
            id=order_id,
            number=f"SC-{order_id:09d}",
            buyer_id=buyer,
            store_id=store[0],
            seller_id=store[1],
            currency=currency,
            total_paid=total,
            payment_method=PAYMENT_METHODS[order_id % 3],
            ship_to_country=country,
            ship_to_address=address,
            paid_at=paid_at,
            now=now,
        )
        return life, items

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=self.rng.uniform(low, high) * DAY)

    def ship(self, life: OrderLife, at: datetime, carrier: str | None = None) -> None:
        carrier = carrier or self.rng.choice(CARRIERS)
        life.ship(at, carrier=carrier, tracking_number=f"LX{life.id:09d}CN")

    def plain_order(self, buyer: int, store: tuple) -> None:
        """An order nobody disputed: shipped (or not), delivered, confirmed, settled by the clock."""
        rng, now = self.rng, self.now
        life, items = self.new_order(buyer, store, paid_at=now - self.days(0, 120), now=now)
        ship_at = None if rng.random() < 0.03 else life.paid_at + self.days(0.1, 6.8)
        deliver_at = confirm_at = None
        if ship_at is not None:
            deliver_at = ship_at + self.days(2, 18) if rng.random() < 0.9 else None
            if rng.random() < 0.6:
                confirm_at = (deliver_at or ship_at + self.days(5, 25)) + self.days(0.05, 3)
        steps = [
            (ship_at, lambda at: self.ship(life, at), (OS.PAID,)),
            (deliver_at, life.deliver, (OS.SHIPPED,)),
            (confirm_at, lambda at: life.confirm(at, automatically=False), (OS.SHIPPED, OS.DELIVERED)),
        ]
        for at, step, states in steps:
            if at is None or at > now:
                break
            life.run_clock(at, self.ids)
            if life.state in states:
                step(at)
        life.run_clock(now + timedelta(days=1), self.ids)
        self.write_order(life, items)

    # --- disputes -------------------------------------------------------------------------------------
    def disputed_order(self, people: People, buyer: int, store: tuple, *, target: str | None) -> None:
        for _attempt in range(2000):
            life = self.dispute_story(people, buyer, store, now=self.now)
            if target is None or life.dispute.state == target:
                break
        self.write_dispute(life)

    def dispute_story(self, people: People, buyer: int, store: tuple, *, now: datetime) -> DisputeLife:
        """An order taken to the moment its buyer opened a dispute, and the dispute played out."""
        rng = self.rng
        store_id, _owner, accepts_returns, window_days, return_address = store
        opened_at = now - (self.days(0, 25) if rng.random() < 0.4 else self.days(25, 110))
        kind = rng.random()
        if kind < 0.3:
            # Not received: shipped at least six days ago, never delivered.
            shipped_at = opened_at - self.days(dispute_policy.NOT_RECEIVED_AFTER_SHIPMENT.days + 0.2, 20)
            life, items = self.new_order(buyer, store, paid_at=shipped_at - self.days(0.1, 5), now=now)
            self.ship(life, shipped_at)
            reason, received = R.NOT_RECEIVED, False
        else:
            confirmed_at = opened_at - self.days(0.02, 14) if kind < 0.4 else None
            delivered_at = (confirmed_at or opened_at) - self.days(0.02, 3 if confirmed_at else 4.8)
            shipped_at = delivered_at - self.days(2, 15)
            life, items = self.new_order(buyer, store, paid_at=shipped_at - self.days(0.1, 5), now=now)
            self.ship(life, shipped_at)
            life.deliver(delivered_at)
            if confirmed_at:
                life.confirm(confirmed_at, automatically=False)
            return_window_open = opened_at < delivered_at + timedelta(days=window_days)
            if accepts_returns and return_window_open and rng.random() < 0.2:
                reason = R.CHANGED_MIND
            else:
                reason = rng.choice(RECEIVED_REASONS)
            received = True
        whole = len(items) == 1 or rng.random() < 0.8
        disputed = items if whole else [rng.choice(items)]
        items_value = sum((price * quantity for _id, _p, quantity, price in disputed), Decimal("0.00"))
        max_refund = life.total_paid if whole else min(life.total_paid, items_value)
        d = Dispute(
            id=self.ids.dispute.take(),
            order_id=life.id,
            buyer_id=buyer,
            store_id=store_id,
            reason=reason,
            item_received=received,
            description=DESCRIPTIONS.get(reason, DEFAULT_DESCRIPTION),
            currency=life.currency,
            ship_to_country=life.ship_to_country,
            max_refund=max_refund,
            requested_amount=max_refund,
            requested_return=reason == R.CHANGED_MIND or (received and rng.random() < 0.35),
            opened_at=opened_at,
        )
        story = DisputeLife(
            dispute=d,
            order=life,
            rng=rng,
            ids=self.ids,
            now=now,
            mediators=people.mediators,
            store_return_address=return_address,
            sample=self.sample,
        )
        if rng.random() < 0.25:
            d.requested_amount = story.amount_below(max_refund, 0.4, 0.9)
        story.items = items
        story.disputed = [(line_id, quantity) for line_id, _p, quantity, _price in disputed]
        story.open(opened_at, evidence=0 if reason == R.NOT_RECEIVED else rng.randint(1, 3))
        story.play()
        life.run_clock(now + timedelta(days=1), self.ids)
        return story

    # --- rows -----------------------------------------------------------------------------------------
    def write_order(self, life: OrderLife, items: list, *, disputed: bool = False) -> None:
        w = self.writers
        if self.rng.random() < CONVERSATION_SHARE[disputed]:
            self.write_conversation(life)
        w["orders"].add(life.order_row())
        self.report.orders[life.state] += 1
        for line_id, product, quantity, price in items:
            w["items"].add((line_id, life.id, PRODUCTS[product][0], f"SKU-{product:03d}", quantity, price))
        if life.shipped_at is not None:
            w["shipments"].add(
                (life.id, life.carrier, life.tracking_number, life.shipped_at, life.delivered_at)
            )
        for type_, actor_id, note, data, at in life.events:
            w["order_events"].add((life.id, type_, actor_id, note, data, at))
        for refund in life.refunds:
            w["refunds"].add(
                (
                    refund.id,
                    life.id,
                    refund.dispute_id,
                    refund.amount,
                    life.currency,
                    refund.reason,
                    refund.status,
                    refund.idempotency_key,
                    refund.provider_reference,
                    refund.attempts,
                    refund.next_attempt_at,
                    refund.created_at,
                    refund.paid_at,
                )
            )

    def write_conversation(self, life: OrderLife) -> None:
        """A short chat between the buyer and the seller, each having read some of it."""
        start = life.paid_at + self.days(0.01, 2)
        if start >= life.now:
            return
        conversation_id = self.ids.conversation.take()
        sent = []
        at = start
        for party, body in CHAT[: self.rng.randint(1, len(CHAT))]:
            if at > life.now:
                break
            sender = life.buyer_id if party == "buyer" else life.seller_id
            sent.append((conversation_id, sender, party, body, at))
            at += self.days(0.01, 3)
        self.writers["conversations"].add(
            (conversation_id, life.id, life.buyer_id, life.store_id, sent[0][4], sent[-1][4])
        )
        self.writers["messages"].extend(sent)
        for user_id in (life.buyer_id, life.seller_id):
            read = self.rng.randrange(len(sent) + 1)
            if read:
                self.writers["read_states"].add((conversation_id, user_id, sent[read - 1][4]))

    def write_dispute(self, story: DisputeLife) -> None:
        w, d, sample = self.writers, story.dispute, self.sample
        self.write_order(story.order, story.items, disputed=True)
        w["disputes"].add([getattr(d, f.attname) for f in Dispute._meta.concrete_fields])
        self.report.disputes[d.state] += 1
        for line_id, quantity in story.disputed:
            w["disputed_items"].add((d.id, line_id, quantity))
        for proposal_id, party, author_id, kind, amount, with_return, note, resolution, at in story.proposals:
            w["proposals"].add(
                (proposal_id, d.id, party, author_id, kind, amount, with_return, note, resolution, at)
            )
        for evidence_id, public_id, user_id, party, name, at in story.evidence:
            w["evidence"].add(
                (
                    evidence_id,
                    public_id,
                    d.id,
                    user_id,
                    party,
                    Evidence.Kind.PHOTO,
                    "image/jpeg",
                    ".jpg",
                    sample.original,
                    name,
                    sample.size,
                    sample.sha256,
                    sample.width,
                    sample.height,
                    sample.display,
                    sample.thumbnail,
                    Evidence.Status.READY,
                    at,
                )
            )
        for type_, actor_id, party, from_state, to_state, note, data, at in story.events:
            w["dispute_events"].add((d.id, type_, actor_id, party, from_state, to_state, note, data, at))
        if story.standing is not None:
            self.standings.append(story.standing)


def sample_evidence_file() -> SampleFile:
    """One real photo and its copies in private storage, shared by every seeded evidence row."""
    from PIL import Image

    names = {
        "original": "evidence/seed-scale/original.jpg",
        "display": "evidence/seed-scale/derived/display.jpg",
        "thumbnail": "evidence/seed-scale/derived/thumbnail.jpg",
    }
    sizes = {"original": (640, 480), "display": (640, 480), "thumbnail": (320, 240)}
    contents = {}
    for key, name in names.items():
        buffer = io.BytesIO()
        Image.new("RGB", sizes[key], (180, 120, 60)).save(buffer, "JPEG", quality=80)
        contents[key] = buffer.getvalue()
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(contents[key]))
    with default_storage.open(names["original"], "rb") as original:
        data = original.read()
    return SampleFile(
        original=names["original"],
        display=names["display"],
        thumbnail=names["thumbnail"],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=640,
        height=480,
    )
