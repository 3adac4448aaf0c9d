"""What each order and dispute event tells whom: what happened, who must act next and by when,
and what happens otherwise. Texts are translatable and formatted per recipient by ``deliver``."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy, pgettext

from portal.accounts.models import User
from portal.notifications.services import Message

BUYER, SELLER = "buyer", "seller"


# --- orders ------------------------------------------------------------------------------------
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
                "Buyer protection on order %(number)s ended, so receipt was confirmed automatically."
            ),
            gettext_lazy("The payment is released to the seller on %(dispute_window_ends_at)s."),
            essential=True,
        ),
        OrderNotice(
            SELLER,
            gettext_lazy("Order %(number)s was confirmed automatically"),
            gettext_lazy(
                "Buyer protection on order %(number)s ended, so receipt was confirmed automatically."
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
            gettext_lazy("%(settled_amount)s %(currency)s for order %(number)s has been released to you."),
        )
    ],
    "auto_cancelled": [
        OrderNotice(
            BUYER,
            gettext_lazy("Order %(number)s was cancelled and refunded"),
            gettext_lazy(
                "The seller did not ship order %(number)s by %(handling_due_at)s, so it was cancelled."
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
                "buyer was refunded in full."
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


def _quoted(note: str) -> str:
    """Someone's own words, set apart in the active language's quotation marks."""
    return "\n\n" + pgettext("quoted words", "“%(words)s”") % {"words": note} if note else ""


def for_order_event(event) -> Iterator[tuple[User, Message]]:
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
        "note": lambda: _quoted(event.note),
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


# --- disputes ----------------------------------------------------------------------------------
DISPUTE_TITLES: dict[str, Promise] = {
    "opened": gettext_lazy("Dispute %(reference)s opened on order %(number)s"),
    "accepted": gettext_lazy("Dispute %(reference)s: the seller accepted the request"),
    "counter_offered": gettext_lazy("Dispute %(reference)s: the seller made a counter-offer"),
    "rejected": gettext_lazy("Dispute %(reference)s: the seller rejected the request"),
    "offer_accepted": gettext_lazy("Dispute %(reference)s: the buyer accepted the offer"),
    "modified": gettext_lazy("Dispute %(reference)s: the buyer changed the request"),
    "escalated": gettext_lazy("Dispute %(reference)s was escalated to a mediator"),
    "withdrawn": gettext_lazy("Dispute %(reference)s was withdrawn"),
    "return_shipped": gettext_lazy("Dispute %(reference)s: the return is on its way"),
    "return_received": gettext_lazy("Dispute %(reference)s: the return arrived"),
    "return_problem": gettext_lazy("Dispute %(reference)s: a problem with the return was reported"),
    "evidence_added": gettext_lazy("Dispute %(reference)s: new evidence was added"),
    "evidence_requested": gettext_lazy("Dispute %(reference)s: the mediator asks for evidence"),
    "evidence_provided": gettext_lazy("Dispute %(reference)s: the requested evidence was sent"),
    "decided": gettext_lazy("Dispute %(reference)s was decided by a mediator"),
    "auto_resolved": gettext_lazy("Dispute %(reference)s: a deadline passed"),
    "deadline_extended": gettext_lazy("Dispute %(reference)s: a deadline was extended"),
    "assigned": gettext_lazy("Dispute %(reference)s: a mediator took the case"),
    "reminder_sent": gettext_lazy("Reminder: dispute %(reference)s needs your action"),
    "mediator_message": gettext_lazy("Dispute %(reference)s: a message from the mediator"),
}

#: Events that only the party who must act next hears about.
TO_ACTING_PARTY_ONLY = {"reminder_sent"}


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "”", "»")) else f"{text}."


def dispute_happened(event) -> str:
    """What happened, for the parties: the timeline's sentence, with the note it carries."""
    from disputes.models import DisputeEvent
    from disputes.selectors import event_sentence
    from orders.models import Carrier

    T, dispute = DisputeEvent.Type, event.dispute
    if event.type == T.OPENED:
        terms = {
            "number": dispute.order.number,
            "reason": dispute.get_reason_display(),
            "money": _money(event.data.get("amount"), dispute.currency),
        }
        if event.data.get("with_return"):
            return (
                _(
                    "The buyer opened a dispute on order %(number)s: %(reason)s. They ask for a refund of "
                    "%(money)s and will send the item back."
                )
                % terms
            )
        return (
            _(
                "The buyer opened a dispute on order %(number)s: %(reason)s. "
                "They ask for a refund of %(money)s."
            )
            % terms
        )
    if event.type == T.REMINDER_SENT:
        hours = event.data.get("hours_left", 0)
        return ngettext(
            "%(hours)d hour left to act on dispute %(reference)s.",
            "%(hours)d hours left to act on dispute %(reference)s.",
            hours,
        ) % {"hours": hours, "reference": dispute.reference}
    if event.type == T.RETURN_SHIPPED:
        return _("The buyer sent the item back with %(carrier)s, tracking number %(tracking)s.") % {
            "carrier": Carrier(event.data["carrier"]).label if event.data.get("carrier") else "",
            "tracking": event.data.get("tracking_number", ""),
        }
    if event.type == T.EVIDENCE_ADDED:
        count = len(event.data.get("files", []))
        return ngettext(
            "%(count)d file was added to the evidence.", "%(count)d files were added to the evidence.", count
        ) % {"count": count} + _quoted(event.note)
    return _sentence(event_sentence(event)) + _quoted(event.note)


def _money(amount, currency: str) -> str:
    from portal.formatting import money

    return money(Decimal(amount or "0"), currency)


def _next_for(dispute, party: str) -> dict:
    """The next-step fields of a party's message: what they must do, or what happens next."""
    from disputes.selectors import deadline_sentence, next_step_sentence, required_action

    if dispute.is_open and dispute.deadline_party == party:
        return {
            "next_step": lambda: _sentence(capfirst(required_action(dispute))),
            "otherwise": lambda: deadline_sentence(dispute),
            "act_by": dispute.deadline_at,
        }
    return {"next_step": lambda: next_step_sentence(dispute)}


def for_dispute_event(event) -> Iterator[tuple[User, Message]]:
    """The messages one dispute event produces: each party except the one who acted."""
    title = DISPUTE_TITLES.get(event.type)
    if title is None:
        return
    dispute = event.dispute
    parties = {BUYER: dispute.buyer, SELLER: dispute.store.owner}
    url = reverse("disputes:detail", kwargs={"pk": dispute.pk})
    for party, recipient in parties.items():
        if event.actor_id == recipient.pk:
            continue
        if event.type in TO_ACTING_PARTY_ONLY and dispute.deadline_party != party:
            continue
        next_fields = _next_for(dispute, party)
        yield (
            recipient,
            Message(
                kind=f"dispute.{event.type}",
                title=title,
                body=lambda event=event: dispute_happened(event),
                url=url,
                link_text=gettext_lazy("Open dispute %(reference)s"),
                dedupe_key=f"dispute-event:{event.pk}",
                happened_at=event.created_at,
                params={"reference": dispute.reference, "number": dispute.order.number},
                essential="act_by" in next_fields
                or not dispute.is_open
                or event.type in TO_ACTING_PARTY_ONLY,
                **next_fields,
            ),
        )
