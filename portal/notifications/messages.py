"""What each event tells whom. Titles and bodies are translatable and formatted per recipient."""

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.notifications.services import Message

BUYER, SELLER = "buyer", "seller"

# event type -> [(who, title, body, essential)]
ORDER_MESSAGES: dict[str, list[tuple[str, str, str, bool]]] = {
    "shipped": [
        (
            BUYER,
            _("Order %(number)s has shipped"),
            _("%(carrier)s, tracking %(tracking)s. You are protected until %(protection_ends_at)s."),
            False,
        )
    ],
    "delivered": [
        (
            BUYER,
            _("Order %(number)s was delivered"),
            _(
                "Check the item and confirm receipt, or open a dispute before %(protection_ends_at)s. "
                "After that the order is confirmed automatically."
            ),
            True,
        )
    ],
    "confirmed": [
        (
            SELLER,
            _("Order %(number)s: receipt confirmed"),
            _("The buyer confirmed receipt. The payment is released to you on %(dispute_window_ends_at)s."),
            False,
        )
    ],
    "auto_confirmed": [
        (
            BUYER,
            _("Order %(number)s was confirmed automatically"),
            _("Protection ended. You can still open a dispute until %(dispute_window_ends_at)s."),
            True,
        ),
        (
            SELLER,
            _("Order %(number)s was confirmed automatically"),
            _("The payment is released to you on %(dispute_window_ends_at)s."),
            False,
        ),
    ],
    "settled": [
        (
            SELLER,
            _("Payment released for order %(number)s"),
            _("%(settled_amount)s %(currency)s has been released to you."),
            False,
        )
    ],
    "auto_cancelled": [
        (
            BUYER,
            _("Order %(number)s was cancelled and refunded"),
            _("The seller did not ship in time. %(total_paid)s %(currency)s is on its way back to you."),
            True,
        ),
        (
            SELLER,
            _("Order %(number)s was cancelled"),
            _("It was not shipped by %(handling_due_at)s, so the buyer was refunded in full."),
            True,
        ),
    ],
    "extension_requested": [
        (
            SELLER,
            _("Order %(number)s: the buyer asks for more protection time"),
            _("Protection ends %(protection_ends_at)s. Grant or decline the extension on the order page."),
            True,
        )
    ],
    "extension_granted": [
        (
            BUYER,
            _("Order %(number)s: protection extended"),
            _("You are now protected until %(protection_ends_at)s."),
            True,
        )
    ],
    "extension_declined": [
        (
            BUYER,
            _("Order %(number)s: extension declined"),
            _("The seller declined. Protection still ends %(protection_ends_at)s."),
            True,
        )
    ],
    "refund_paid": [
        (
            BUYER,
            _("Refund paid on order %(number)s"),
            _("%(amount)s %(currency)s was sent to your payment method. It can take a few days to show."),
            False,
        )
    ],
}


def for_order_event(event) -> Iterator[tuple[User, Message]]:
    """The messages one order event produces, one per recipient."""
    order = event.order
    specs = ORDER_MESSAGES.get(event.type)
    if not specs:
        return
    shipment = getattr(order, "shipment", None)
    params = {
        "number": order.number,
        "currency": order.currency,
        "total_paid": order.total_paid,
        "settled_amount": order.settled_amount,
        "protection_ends_at": order.protection_ends_at,
        "dispute_window_ends_at": order.dispute_window_ends_at,
        "handling_due_at": order.handling_due_at,
        "carrier": shipment.get_carrier_display() if shipment else "",
        "tracking": shipment.tracking_number if shipment else "",
        "amount": event.data.get("amount", ""),
    }
    url = reverse("orders:detail", kwargs={"number": order.number})
    for who, title, body, essential in specs:
        recipient = order.buyer if who == BUYER else order.store.owner
        yield (
            recipient,
            Message(
                kind=f"order.{event.type}",
                title=title,
                body=body,
                url=url,
                dedupe_key=f"order-event:{event.pk}",
                params=params,
                essential=essential,
            ),
        )


DISPUTE_TITLES: dict[str, str] = {
    "opened": _("Dispute %(reference)s opened on order %(number)s"),
    "accepted": _("Dispute %(reference)s: the seller accepted the request"),
    "counter_offered": _("Dispute %(reference)s: the seller made a counter-offer"),
    "rejected": _("Dispute %(reference)s: the seller rejected the request"),
    "offer_accepted": _("Dispute %(reference)s: the buyer accepted the offer"),
    "modified": _("Dispute %(reference)s: the buyer changed the request"),
    "escalated": _("Dispute %(reference)s was escalated to a mediator"),
    "withdrawn": _("Dispute %(reference)s was withdrawn"),
    "return_shipped": _("Dispute %(reference)s: the return is on its way"),
    "return_received": _("Dispute %(reference)s: the return arrived"),
    "return_problem": _("Dispute %(reference)s: a problem with the return was reported"),
    "evidence_requested": _("Dispute %(reference)s: the mediator asks for evidence"),
    "evidence_provided": _("Dispute %(reference)s: the requested evidence was sent"),
    "decided": _("Dispute %(reference)s was decided by a mediator"),
    "auto_resolved": _("Dispute %(reference)s: a deadline passed"),
    "deadline_extended": _("Dispute %(reference)s: a deadline was extended"),
    "reminder_sent": _("Reminder: dispute %(reference)s needs your action"),
    "mediator_message": _("Dispute %(reference)s: a message from the mediator"),
}

#: Events that only the party who must act next hears about.
TO_ACTING_PARTY_ONLY = {"reminder_sent"}


def for_dispute_event(event) -> Iterator[tuple[User, Message]]:
    """The messages one dispute event produces: each party except the one who acted."""
    from disputes.selectors import event_sentence, next_step_sentence

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
        must_act = dispute.is_open and dispute.deadline_party == party
        yield (
            recipient,
            Message(
                kind=f"dispute.{event.type}",
                title=title,
                body=_("%(what)s %(note)s\n\n%(next)s"),
                url=url,
                dedupe_key=f"dispute-event:{event.pk}",
                params={
                    "reference": dispute.reference,
                    "number": dispute.order.number,
                    "what": lambda event=event: event_sentence(event) + ".",
                    "note": f"“{event.note}”" if event.note else "",
                    "next": lambda: next_step_sentence(dispute),
                },
                essential=must_act or not dispute.is_open or event.type in TO_ACTING_PARTY_ONLY,
            ),
        )
