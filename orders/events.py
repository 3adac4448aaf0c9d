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


def _by_the_clock(order: Order, rule: str, deadline: datetime | None, at: datetime) -> dict:
    """What an automatic outcome records: its rule, the deadline and the event that started it."""
    return {
        "rule": rule,
        "deadline": deadline.isoformat() if deadline else None,
        "started_by": automatic.started_by(order, rule, before=at),
    }


def order_confirmed(*, order: Order, actor: User | None, at: datetime) -> OrderEvent:
    if actor is None:
        return order_event(
            order=order,
            type=T.AUTO_CONFIRMED,
            at=at,
            data=_by_the_clock(order, "protection_ended", order.protection_ends_at, at),
        )
    return order_event(order=order, type=T.CONFIRMED, actor=actor, at=at)


def order_settled(*, order: Order, at: datetime) -> OrderEvent:
    return order_event(
        order=order,
        type=T.SETTLED,
        at=at,
        data={
            "amount": str(order.settled_amount),
            **_by_the_clock(order, "dispute_window_closed", order.dispute_window_ends_at, at),
        },
    )


def order_auto_cancelled(*, order: Order, at: datetime) -> OrderEvent:
    return order_event(
        order=order,
        type=T.AUTO_CANCELLED,
        at=at,
        data=_by_the_clock(order, "handling_time_missed", order.handling_due_at, at),
    )


def order_refunded(*, order: Order, at: datetime, note: str = "") -> OrderEvent:
    return order_event(order=order, type=T.REFUNDED, at=at, note=note)


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


def refund_issued(*, order: Order, refund, at: datetime) -> OrderEvent:
    return order_event(
        order=order,
        type=T.REFUND_ISSUED,
        at=at,
        note=stored_label(refund.get_reason_display),
        data={"refund": refund.pk, "amount": str(refund.amount), "currency": refund.currency},
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


def order_resumed(*, order: Order, at: datetime, note: str = "") -> OrderEvent:
    return order_event(order=order, type=T.RESUMED, at=at, note=note)


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
