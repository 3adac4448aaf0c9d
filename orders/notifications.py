"""What each order event tells whom: what happened, who must act next and by when, and what
happens otherwise. The kernel delivers them (``portal.notifications``), in each recipient's
language and time zone; ``OrdersConfig.ready`` registers :func:`event_messages` with it."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext_lazy

from orders import automatic
from orders.models import OrderEvent
from portal.accounts.models import User
from portal.notifications.services import Message, quoted

BUYER, SELLER = "buyer", "seller"


@dataclass(frozen=True)
class OrderNotice:
    """One recipient's message about an order event."""

    to: str
    title: Promise
    happened: Promise
    next_step: Promise | str = ""
    #: The order field holding the deadline by which the recipient must act, if they must.
    act_by: str = ""
    otherwise: Promise | str = ""
    essential: bool = False


ORDER_NOTICES: dict[str, list[OrderNotice]] = {
    "shipped": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s has shipped"),
            gettext_lazy("%(store)s shipped your order with %(carrier)s, tracking number %(tracking)s."),
            gettext_lazy(
                "You are protected until %(protection_ends_at)s. When the parcel arrives, check it and "
                "confirm receipt; if it has not arrived by then, ask the seller for more time or open a "
                "dispute before that moment."
            ),
        )
    ],
    "delivered": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s was delivered"),
            gettext_lazy("The carrier reports that order %(number)s was delivered."),
            gettext_lazy(
                "Check the item, then confirm receipt, or open a dispute if it did not arrive or "
                "something is wrong with it."
            ),
            act_by="protection_ends_at",
            otherwise=gettext_lazy(
                "The order is confirmed automatically and the payment goes to the seller. You can "
                "still open a dispute for a while after that, but act now if something is wrong."
            ),
            essential=True,
        ),
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s was delivered"),
            gettext_lazy("The carrier reports that order %(number)s was delivered to the buyer."),
            gettext_lazy(
                "The buyer has until %(protection_ends_at)s to confirm receipt or open a dispute; after "
                "that the order is confirmed automatically."
            ),
        ),
    ],
    "delivery_reported": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s: the seller says it was delivered"),
            gettext_lazy(
                "%(store)s says order %(number)s was delivered. Your protection is unchanged: only "
                "the carrier's tracking or your confirmation records a delivery."
            ),
            gettext_lazy(
                "Confirm receipt if it arrived, otherwise you can open a “not received” dispute now."
            ),
            act_by="protection_ends_at",
            otherwise=gettext_lazy(
                "The order is confirmed automatically and the payment goes to the seller."
            ),
            essential=True,
        )
    ],
    "delivery_recorded": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s was delivered"),
            gettext_lazy("A mediator recorded that order %(number)s was delivered.%(note)s"),
            gettext_lazy(
                "Check the item, then confirm receipt, or open a dispute if it did not arrive or "
                "something is wrong with it."
            ),
            act_by="protection_ends_at",
            otherwise=gettext_lazy(
                "The order is confirmed automatically and the payment goes to the seller. You can "
                "still open a dispute for a while after that, but act now if something is wrong."
            ),
            essential=True,
        ),
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s was delivered"),
            gettext_lazy("A mediator recorded that order %(number)s was delivered to the buyer.%(note)s"),
            gettext_lazy(
                "The buyer has until %(protection_ends_at)s to confirm receipt or open a dispute; after "
                "that the order is confirmed automatically."
            ),
        ),
    ],
    "confirmed": [
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s: receipt confirmed"),
            gettext_lazy("The buyer confirmed receipt of order %(number)s."),
            gettext_lazy(
                "The payment is released to you on %(dispute_window_ends_at)s, unless the buyer opens "
                "a dispute before then."
            ),
        )
    ],
    "auto_confirmed": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s was confirmed automatically"),
            gettext_lazy(
                "Buyer protection on order %(number)s ended, so receipt was confirmed automatically.%(why)s"
            ),
            gettext_lazy("The payment is released to the seller on %(dispute_window_ends_at)s."),
            essential=True,
        ),
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s was confirmed automatically"),
            gettext_lazy(
                "Buyer protection on order %(number)s ended, so receipt was confirmed automatically.%(why)s"
            ),
            gettext_lazy(
                "The payment is released to you on %(dispute_window_ends_at)s, unless the buyer opens "
                "a dispute before then."
            ),
        ),
    ],
    "settled": [
        OrderNotice(
            SELLER,
            gettext_lazy("Payment released for order %(number)s"),
            gettext_lazy(
                "%(settled_amount)s %(currency)s for order %(number)s has been released to you.%(why)s"
            ),
        )
    ],
    "auto_cancelled": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s was cancelled and refunded"),
            gettext_lazy(
                "The seller did not ship order %(number)s by %(handling_due_at)s, so it was cancelled.%(why)s"
            ),
            gettext_lazy(
                "The full %(total_paid)s %(currency)s is refunded to your payment method. You do not "
                "need to do anything."
            ),
            essential=True,
        ),
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s was cancelled"),
            gettext_lazy(
                "Order %(number)s was not shipped by %(handling_due_at)s, so it was cancelled and the "
                "buyer was refunded in full.%(why)s"
            ),
            gettext_lazy("Do not ship this order."),
            essential=True,
        ),
    ],
    "extension_requested": [
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s: the buyer asks for more protection time"),
            gettext_lazy("The buyer asks you to extend buyer protection on order %(number)s.%(note)s"),
            gettext_lazy("Grant or decline the extension on the order page."),
            act_by="protection_ends_at",
            otherwise=gettext_lazy(
                "Protection ends as planned, and the buyer may open a dispute before it does."
            ),
            essential=True,
        )
    ],
    "extension_granted": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s: protection extended"),
            ngettext_lazy(
                "The seller extended buyer protection on order %(number)s by %(days)d day.",
                "The seller extended buyer protection on order %(number)s by %(days)d days.",
                "days",
            ),
            gettext_lazy("You are now protected until %(protection_ends_at)s."),
            essential=True,
        )
    ],
    "extension_declined": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s: extension declined"),
            gettext_lazy("The seller declined your request for more protection time on order %(number)s."),
            gettext_lazy(
                "Confirm receipt when the parcel arrives, or open a dispute if it does not arrive or "
                "something is wrong with it."
            ),
            act_by="protection_ends_at",
            otherwise=gettext_lazy(
                "The order is confirmed automatically and the payment goes to the seller."
            ),
            essential=True,
        )
    ],
    "ship_by_reminder": [
        OrderNotice(
            SELLER,
            gettext_lazy("Reminder: ship order %(number)s"),
            ngettext_lazy(
                "Order %(number)s must be shipped within %(hours)d hour.",
                "Order %(number)s must be shipped within %(hours)d hours.",
                "hours",
            ),
            gettext_lazy("Ship it and enter the carrier and tracking number on the order page."),
            act_by="handling_due_at",
            otherwise=gettext_lazy(
                "The order is cancelled and the buyer is refunded %(total_paid)s %(currency)s in full."
            ),
            essential=True,
        )
    ],
    "protection_reminder": [
        OrderNotice(
            BUYER,
            gettext_lazy("Reminder: buyer protection on order %(number)s ends soon"),
            ngettext_lazy(
                "Buyer protection on order %(number)s ends in %(hours)d hour.",
                "Buyer protection on order %(number)s ends in %(hours)d hours.",
                "hours",
            ),
            gettext_lazy(
                "If the parcel arrived and all is well, confirm receipt. If it has not arrived, ask the "
                "seller for more time or open a dispute before protection ends."
            ),
            act_by="protection_ends_at",
            otherwise=gettext_lazy("Receipt is confirmed automatically and the payment goes to the seller."),
            essential=True,
        )
    ],
    "refund_paid": [
        OrderNotice(
            BUYER,
            gettext_lazy("Refund paid on order %(number)s"),
            gettext_lazy(
                "A refund of %(amount)s %(currency)s on order %(number)s was sent to your payment method."
            ),
            gettext_lazy("It can take a few days to show on your statement."),
        )
    ],
    "refund_failed": [
        OrderNotice(
            BUYER,
            gettext_lazy("Refund on order %(number)s is delayed"),
            gettext_lazy(
                "The payment provider could not send your refund of %(amount)s %(currency)s on order "
                "%(number)s. It stays owed to you: our team has been alerted and pays it by hand."
            ),
            gettext_lazy("You do not need to do anything."),
            essential=True,
        )
    ],
}


def _why(event: OrderEvent) -> str:
    explanation = automatic.explain(event)
    return f" {explanation}" if explanation else ""


def messages_about(event: OrderEvent) -> Iterator[tuple[User, Message]]:
    """The messages one order event produces, one per recipient; nobody hears of their own act."""
    notices = ORDER_NOTICES.get(event.type)
    if not notices:
        return
    order = event.order
    shipment = getattr(order, "shipment", None)
    params = {
        "number": order.number,
        "store": order.store.name,
        "currency": order.currency,
        "total_paid": order.total_paid,
        "settled_amount": order.settled_amount or Decimal("0"),
        "protection_ends_at": order.protection_ends_at,
        "dispute_window_ends_at": order.dispute_window_ends_at,
        "handling_due_at": order.handling_due_at,
        # Labels are looked up when the message is written, in the recipient's language.
        "carrier": (lambda: str(shipment.get_carrier_display())) if shipment else "",
        "tracking": shipment.tracking_number if shipment else "",
        "amount": Decimal(event.data.get("amount") or "0"),
        "days": event.data.get("days", 0),
        "hours": event.data.get("hours_left", 0),
        "note": lambda: quoted(event.note),
        # The rule, deadline and starting event of what the clock did ("" for a person's act).
        "why": lambda: _why(event),
    }
    url = reverse("orders:detail", kwargs={"number": order.number})
    for notice in notices:
        recipient = order.buyer if notice.to == BUYER else order.store.owner
        if event.actor_id == recipient.pk:
            continue
        yield (
            recipient,
            Message(
                kind=f"order.{event.type}",
                title=notice.title,
                body=notice.happened,
                next_step=notice.next_step,
                otherwise=notice.otherwise,
                act_by=getattr(order, notice.act_by) if notice.act_by else None,
                url=url,
                link_text=gettext_lazy("View order %(number)s"),
                dedupe_key=f"order-event:{event.pk}",
                happened_at=event.created_at,
                params=params,
                essential=notice.essential,
            ),
        )


def event_messages(event_id: int) -> Iterator[tuple[User, Message]]:
    """The messages about the order event ``event_id``; none if it no longer exists."""
    event = (
        OrderEvent.objects.select_related("order__buyer", "order__store__owner", "order__shipment")
        .filter(pk=event_id)
        .first()
    )
    if event is not None:
        yield from messages_about(event)
