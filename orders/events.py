"""One constructor per order timeline event. ``actor=None`` means the clock acted."""

from datetime import datetime

from orders import automatic
from orders.models import Order, OrderEvent
from portal.accounts.models import User
from portal.formatting import stored_label

T = OrderEvent.Type


def order_event(
    *,
    order: Order,
    type: str,
    at: datetime,
    actor: User | None = None,
    note: str = "",
    data: dict | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, type=type, actor=actor, note=note, data=data or {}, created_at=at
    )


def order_placed(*, order: Order, at: datetime) -> OrderEvent:
    return order_event(order=order, type=T.PLACED, at=at, data={"total": str(order.total_paid)})


def order_shipped(*, order: Order, actor: User, at: datetime) -> OrderEvent:
    shipment = order.shipment
    return order_event(
        order=order,
        type=T.SHIPPED,
        actor=actor,
        at=at,
        note=f"{stored_label(shipment.get_carrier_display)} {shipment.tracking_number}",
        data={"carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
    )


def _delivery_data(order: Order) -> dict:
    return {
        "source": order.delivery_source,
        "delivered_at": order.delivered_at.isoformat(),
        "protection_ends_at": order.protection_ends_at.isoformat(),
    }


def order_delivered(*, order: Order, at: datetime) -> OrderEvent:
    """The carrier's tracking says the parcel arrived."""
    return order_event(order=order, type=T.DELIVERED, at=at, data=_delivery_data(order))


def delivery_recorded(*, order: Order, actor: User, at: datetime, reason: str) -> OrderEvent:
    """A mediator recorded the delivery, saying why."""
    return order_event(
        order=order, type=T.DELIVERY_RECORDED, actor=actor, at=at, note=reason, data=_delivery_data(order)
    )


def delivery_reported(*, order: Order, actor: User, at: datetime) -> OrderEvent:
    """The seller says the parcel arrived; protection is unchanged."""
    return order_event(
        order=order,
        type=T.DELIVERY_REPORTED,
        actor=actor,
        at=at,
        data={"protection_ends_at": order.protection_ends_at.isoformat()},
    )


#: The events of the clock's outcomes -> the rule each applies and the field of its deadline.
CLOCK_RULES: dict[str, tuple[str, str]] = {
    T.AUTO_CANCELLED: ("handling_time_missed", "handling_due_at"),
    T.AUTO_CONFIRMED: ("protection_ended", "protection_ends_at"),
    T.SETTLED: ("dispute_window_closed", "dispute_window_ends_at"),
}


def clock_steps(steps: list[tuple[Order, list[str]]], *, at: datetime) -> list[OrderEvent]:
    """The events of what the clock did to orders, or what a closed dispute let happen to them
    (``steps``: each order with the event types, in order). An automatic outcome records its
    rule, the deadline and the event that started it. One INSERT per round: every order's first
    event, then the second ones (a confirmation written in the first round may have started the
    deadline of the settlement that follows it)."""
    written = []
    for index in range(max((len(kinds) for _order, kinds in steps), default=0)):
        written += _write_steps([(order, kinds[index]) for order, kinds in steps if index < len(kinds)], at)
    return written


def _write_steps(steps: list[tuple[Order, str]], at: datetime) -> list[OrderEvent]:
    starts: dict[tuple[int, str], dict] = {}
    for kind, (rule, _field) in CLOCK_RULES.items():
        orders = [order for order, step in steps if step == kind]
        found = automatic.started_by_each(orders, rule, before=at)
        starts.update(zip([(order.pk, kind) for order in orders], found, strict=True))
    return OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order, type=kind, data=_clock_data(order, kind, starts.get((order.pk, kind))), created_at=at
        )
        for order, kind in steps
    )


def _clock_data(order: Order, kind: str, start: dict | None) -> dict:
    if kind not in CLOCK_RULES:
        return {}
    rule, field = CLOCK_RULES[kind]
    deadline = getattr(order, field)
    data = {"rule": rule, "deadline": deadline.isoformat() if deadline else None, "started_by": start}
    if kind == T.SETTLED:
        return {"amount": str(order.settled_amount), **data}
    return data


def order_confirmed(*, order: Order, actor: User, at: datetime) -> OrderEvent:
    """The buyer confirmed receipt (the clock's confirmation is written by :func:`clock_steps`)."""
    return order_event(order=order, type=T.CONFIRMED, actor=actor, at=at)


def extension_requested(*, order: Order, actor: User, at: datetime) -> OrderEvent:
    return order_event(
        order=order, type=T.EXTENSION_REQUESTED, actor=actor, at=at, note=order.extension_request_note
    )


def extension_granted(*, order: Order, actor: User, at: datetime, days: int) -> OrderEvent:
    return order_event(
        order=order,
        type=T.EXTENSION_GRANTED,
        actor=actor,
        at=at,
        data={"days": days, "protection_ends_at": order.protection_ends_at.isoformat()},
    )


def extension_declined(*, order: Order, actor: User, at: datetime) -> OrderEvent:
    return order_event(order=order, type=T.EXTENSION_DECLINED, actor=actor, at=at)


def refunds_issued(refunds: list, *, at: datetime) -> list[OrderEvent]:
    """One event on each refund's order, written in one INSERT."""
    return OrderEvent.objects.bulk_create(
        OrderEvent(
            order=refund.order,
            type=T.REFUND_ISSUED,
            note=stored_label(refund.get_reason_display),
            data={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency},
            created_at=at,
        )
        for refund in refunds
    )


def refund_paid(*, order: Order, refund, at: datetime) -> OrderEvent:
    return order_event(
        order=order,
        type=T.REFUND_PAID,
        at=at,
        data={"refund": refund.pk, "amount": str(refund.amount), "reference": refund.provider_reference},
    )


def refund_failed(*, order: Order, refund, at: datetime) -> OrderEvent:
    return order_event(
        order=order,
        type=T.REFUND_FAILED,
        at=at,
        note=refund.failure_reason,
        data={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency},
    )


def order_held(*, order: Order, at: datetime, note: str = "") -> OrderEvent:
    return order_event(order=order, type=T.HELD, at=at, note=note)


def reminder_sent(*, order: Order, at: datetime) -> OrderEvent:
    """A reminder before the order's deadline went to the party who must act."""
    kind = (
        T.SHIP_BY_REMINDER if order.deadline_kind == Order.DeadlineKind.AUTO_CANCEL else T.PROTECTION_REMINDER
    )
    hours_left = int((order.deadline_at - at).total_seconds() // 3600)
    return order_event(
        order=order,
        type=kind,
        at=at,
        data={"deadline": order.deadline_at.isoformat(), "hours_left": hours_left},
    )
