"""One order's life, simulated in memory the way the services and the clock would have lived it.

An :class:`OrderLife` carries an order's columns and its timeline. Parties act at planned
moments; between them :meth:`OrderLife.run_clock` applies the deadlines the sweep would have
applied (a little after they fell due, never after the seed's ``now``), using the same
``Order.reschedule`` rule as the model, so the rows come out as the services would write them.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from orders import policy
from orders.models import Carrier, Order, OrderEvent, Refund, protection_period

S = Order.State
K = Order.DeadlineKind
T = OrderEvent.Type

#: How long after a deadline the seeded sweep "ran", and after a refund was issued its job paid.
SWEEP_LAG = timedelta(seconds=40)
REFUND_LAG = timedelta(minutes=2)
ZERO = Decimal("0.00")


@cache
def carrier_label(carrier: str) -> str:
    return str(Carrier(carrier).label)


@cache
def refund_reason_label(reason: str) -> str:
    return str(Refund.Reason(reason).label)


@dataclass
class RefundRow:
    id: int
    dispute_id: int | None
    amount: Decimal
    reason: str
    created_at: datetime
    idempotency_key: object
    status: str = Refund.Status.PENDING
    next_attempt_at: datetime | None = None
    paid_at: datetime | None = None
    provider_reference: str = ""
    attempts: int = 0


@dataclass
class OrderLife:
    """An order's columns plus its timeline, changed only through the methods below."""

    id: int
    number: str
    buyer_id: int
    store_id: int
    seller_id: int
    currency: str
    total_paid: Decimal
    payment_method: str
    ship_to_country: str
    ship_to_address: str
    paid_at: datetime
    now: datetime
    state: str = S.PAID
    handling_due_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    protection_ends_at: datetime | None = None
    confirmed_at: datetime | None = None
    confirmed_automatically: bool = False
    dispute_window_ends_at: datetime | None = None
    closed_at: datetime | None = None
    settled_amount: Decimal | None = None
    on_hold: bool = False
    deadline_at: datetime | None = None
    deadline_kind: str = ""
    carrier: str = ""
    tracking_number: str = ""
    #: (type, actor_id, note, data, created_at)
    events: list[tuple] = field(default_factory=list)
    refunds: list[RefundRow] = field(default_factory=list)
    #: The latest moment anything happened: the sweep applies a deadline no earlier.
    changed_at: datetime | None = None

    def __post_init__(self) -> None:
        self.handling_due_at = self.paid_at + policy.HANDLING_TIME
        self.event(T.PLACED, self.paid_at, data={"total": str(self.total_paid)})
        self.reschedule()

    # --- the model's rules ---------------------------------------------------------------------
    def reschedule(self) -> None:
        """``Order.reschedule``: the next automatic step for the state, or nothing while on hold."""
        if self.on_hold:
            at, kind = None, ""
        elif self.state == S.PAID:
            at, kind = self.handling_due_at, K.AUTO_CANCEL
        elif self.state in (S.SHIPPED, S.DELIVERED):
            at, kind = self.protection_ends_at, K.AUTO_CONFIRM
        elif self.state == S.COMPLETED:
            at, kind = self.dispute_window_ends_at, K.SETTLE
        else:
            at, kind = None, ""
        self.deadline_at, self.deadline_kind = at, kind if at else ""

    def event(
        self, type: str, at: datetime, *, actor_id: int | None = None, note: str = "", data=None
    ) -> None:
        self.events.append((type, actor_id, note, data or {}, at))
        self.changed_at = at if self.changed_at is None else max(self.changed_at, at)

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds), ZERO)

    # --- what the parties do ---------------------------------------------------------------------
    def ship(self, at: datetime, *, carrier: str, tracking_number: str) -> None:
        self.state = S.SHIPPED
        self.shipped_at = at
        self.protection_ends_at = at + protection_period(carrier)
        self.carrier, self.tracking_number = carrier, tracking_number
        self.reschedule()
        self.event(
            T.SHIPPED,
            at,
            actor_id=self.seller_id,
            note=f"{carrier_label(carrier)} {tracking_number}",
            data={"carrier": carrier, "tracking_number": tracking_number},
        )

    def deliver(self, at: datetime) -> None:
        self.state = S.DELIVERED
        self.delivered_at = at
        self.protection_ends_at = min(self.protection_ends_at, at + policy.PROTECTION_AFTER_DELIVERY)
        self.reschedule()
        self.event(T.DELIVERED, at)

    def confirm(self, at: datetime, *, automatically: bool) -> None:
        self.state = S.COMPLETED
        self.confirmed_at = at
        self.confirmed_automatically = automatically
        self.dispute_window_ends_at = at + policy.POST_CONFIRMATION_DISPUTE_WINDOW
        self.reschedule()
        if automatically:
            self.event(
                T.AUTO_CONFIRMED,
                at,
                data={"rule": "protection_ended", "deadline": self.protection_ends_at.isoformat()},
            )
        else:
            self.event(T.CONFIRMED, at, actor_id=self.buyer_id)

    def settle(self, at: datetime, amount: Decimal) -> None:
        self.state = S.SETTLED
        self.closed_at = at
        self.settled_amount = amount
        self.reschedule()
        self.event(T.SETTLED, at, data={"amount": str(amount)})

    # --- the clock -------------------------------------------------------------------------------
    def run_clock(self, until: datetime, ids) -> None:
        """Apply every deadline that fell due before ``until`` (and by the seed's ``now``)."""
        while self.deadline_at is not None and self.deadline_at < until and self.deadline_at <= self.now:
            at = min(max(self.deadline_at, self.changed_at) + SWEEP_LAG, self.now)
            if self.deadline_kind == K.AUTO_CANCEL:
                self.state = S.CANCELLED
                self.closed_at = at
                self.settled_amount = ZERO
                self.reschedule()
                self.event(
                    T.AUTO_CANCELLED,
                    at,
                    data={"rule": "handling_time_missed", "deadline": self.handling_due_at.isoformat()},
                )
                self.issue_refund(ids, amount=self.total_paid, reason=Refund.Reason.NOT_SHIPPED, at=at)
            elif self.deadline_kind == K.AUTO_CONFIRM:
                self.confirm(at, automatically=True)
            else:
                self.settle(at, self.total_paid - self.refunded)

    def issue_refund(self, ids, *, amount: Decimal, reason: str, at: datetime, dispute_id=None) -> None:
        """``issue_refund`` then the refund job: paid a little later, or still pending at ``now``."""
        refund = RefundRow(
            id=ids.refund.take(),
            dispute_id=dispute_id,
            amount=amount,
            reason=reason,
            created_at=at,
            idempotency_key=ids.uuid(),
            next_attempt_at=at + policy.REFUND_RETRY_DELAY,
        )
        self.refunds.append(refund)
        self.event(
            T.REFUND_ISSUED,
            at,
            note=refund_reason_label(reason),
            data={"refund": refund.id, "amount": str(amount), "currency": self.currency},
        )
        paid_at = at + REFUND_LAG
        if paid_at <= self.now:
            refund.status = Refund.Status.PAID
            refund.next_attempt_at = None
            refund.paid_at = paid_at
            refund.attempts = 1
            refund.provider_reference = f"fake-{refund.idempotency_key.hex[:16]}"
            self.event(
                T.REFUND_PAID,
                paid_at,
                data={"refund": refund.id, "amount": str(amount), "reference": refund.provider_reference},
            )

    # --- disputes hold the clock -------------------------------------------------------------------
    def hold(self, at: datetime) -> None:
        self.on_hold = True
        self.reschedule()
        self.event(T.HELD, at)

    def release(self, at: datetime, *, finished: bool) -> None:
        """``release_from_dispute``: settle what is left for good, or resume the clock."""
        self.on_hold = False
        if finished:
            remaining = self.total_paid - self.refunded
            if remaining <= 0:
                self.state = S.REFUNDED
                self.closed_at = at
                self.settled_amount = ZERO
                self.reschedule()
                self.event(T.REFUNDED, at)
                return
            if self.state in (S.SHIPPED, S.DELIVERED):
                self.confirm(at, automatically=True)
            if self.state == S.COMPLETED:
                self.settle(at, remaining)
                return
        self.reschedule()
        self.event(T.RESUMED, at)

    # --- rows ---------------------------------------------------------------------------------------
    ORDER_COLUMNS = (
        "id",
        "number",
        "buyer_id",
        "store_id",
        "currency",
        "total_paid",
        "payment_method",
        "ship_to_country",
        "ship_to_address",
        "state",
        "paid_at",
        "handling_due_at",
        "shipped_at",
        "delivered_at",
        "protection_ends_at",
        "confirmed_at",
        "confirmed_automatically",
        "dispute_window_ends_at",
        "closed_at",
        "settled_amount",
        "on_hold",
        "deadline_at",
        "deadline_kind",
        "created_at",
    )

    def order_row(self) -> tuple:
        return (
            self.id,
            self.number,
            self.buyer_id,
            self.store_id,
            self.currency,
            self.total_paid,
            self.payment_method,
            self.ship_to_country,
            self.ship_to_address,
            self.state,
            self.paid_at,
            self.handling_due_at,
            self.shipped_at,
            self.delivered_at,
            self.protection_ends_at,
            self.confirmed_at,
            self.confirmed_automatically,
            self.dispute_window_ends_at,
            self.closed_at,
            self.settled_amount,
            self.on_hold,
            self.deadline_at,
            self.deadline_kind,
            self.paid_at,
        )
