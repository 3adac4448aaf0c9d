"""Opening a dispute: for what and for how much (who may, and when, is
:func:`disputes.permissions.check_can_open`)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disputes import events, policy
from disputes.errors import (
    AmountNotAllowed,
    ClaimNotAllowed,
    DisputeError,
    DisputeWindowClosed,
    EvidenceRequired,
)
from disputes.models import Dispute, DisputedItem, Party, Proposal
from disputes.permissions import DisputeWindow, check_can_open
from disputes.services.common import notify, save_evidence
from orders import services as order_services
from orders.models import LineItem, Order
from portal import deadlines
from portal.accounts.models import User
from portal.notifications.services import settle_calls_to_action

R = Dispute.Reason
DISPUTABLE_STATES = (Order.State.SHIPPED, Order.State.DELIVERED, Order.State.COMPLETED)


@dataclass(frozen=True)
class DisputeClaim:
    """What the buyer asks for, as the open-dispute form collected it."""

    reason: str
    item_received: bool
    items: list[tuple[LineItem, int]]
    #: ``None`` asks for a full refund of the chosen items.
    amount: Decimal | None
    with_return: bool
    description: str
    #: (CheckedUpload, UploadedFile) pairs, already checked by content.
    evidence: list = field(default_factory=list)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def _check_reason(*, order: Order, claim: DisputeClaim, window: DisputeWindow, now: datetime) -> None:
    if claim.reason == R.NOT_RECEIVED:
        if claim.item_received:
            raise ClaimNotAllowed(
                _("You said you received the item; choose what is wrong with it instead."), field="reason"
            )
        if now < window.not_received_from:
            raise DisputeWindowClosed(
                _("Parcels often take a few days. You can report it as not received from %(date)s.")
                % {"date": _when(window.not_received_from)}
            )
        return
    arrived = claim.item_received or order.delivered_at is not None or order.state == Order.State.COMPLETED
    if not arrived:
        raise DisputeWindowClosed(
            _("You can open a dispute for this reason once the parcel has arrived."), field="item_received"
        )
    if claim.reason == R.CHANGED_MIND:
        _check_change_of_mind(order=order, claim=claim, now=now)


def _check_change_of_mind(*, order: Order, claim: DisputeClaim, now: datetime) -> None:
    # The terms the order was bought under, never the store's policy of today.
    terms = order.return_terms
    if not terms.accepts_returns:
        raise ClaimNotAllowed(
            _("%(store)s does not accept returns for a change of mind.") % {"store": order.store.name}
        )
    received_at = order.delivered_at or order.confirmed_at
    if received_at is None or now >= received_at + timedelta(days=terms.return_window_days):
        raise ClaimNotAllowed(
            _("The store's %(days)d-day return window has passed.") % {"days": terms.return_window_days}
        )
    for item, _quantity in claim.items:
        if (item.is_personalised and not terms.returns_personalised_items) or (
            item.is_used and not terms.returns_used_items
        ):
            raise ClaimNotAllowed(
                _("“%(item)s” cannot be returned for a change of mind.") % {"item": item.title}, field="items"
            )
    if not claim.with_return and not refunded_without_return(order, [item for item, _q in claim.items]):
        raise ClaimNotAllowed(change_of_mind_needs_return(order), field="with_return")


def change_of_mind_needs_return(order: Order) -> str:
    """Why a change of mind cannot be refunded without a return, in the order's terms."""
    sentence = _("A change of mind is refunded only after the item is sent back.")
    threshold = order.return_terms.refund_without_return_below
    if threshold > 0:
        sentence += " " + _("Only items under %(amount)s %(currency)s are refunded without a return.") % {
            "amount": threshold,
            "currency": order.currency,
        }
    return sentence


def refunded_without_return(order: Order, items: list[LineItem]) -> bool:
    """Whether every one of these items is under the order's refund-without-return threshold
    (in the order's currency, from the terms it was bought under): no need to send them back."""
    threshold = order.return_terms.refund_without_return_below
    return bool(items) and all(item.unit_price < threshold for item in items)


def max_refund_for(order: Order, items: list[tuple[LineItem, int]]) -> Decimal:
    """The most a dispute over these items can refund.

    All of the order's items in full may claim everything still refundable (shipping
    included); part of the order may claim at most those items' price.
    """
    refundable = order_services.refundable_amount(order)
    whole_order = {item.pk: item.quantity for item in order.items.all()}
    claimed = {item.pk: quantity for item, quantity in items}
    if claimed == whole_order:
        return refundable
    items_value = sum((item.unit_price * quantity for item, quantity in items), Decimal("0.00"))
    return min(refundable, items_value)


def check_amount(amount: Decimal, *, ceiling: Decimal, currency: str, by_seller: bool = False) -> None:
    """:raises AmountNotAllowed: not a positive amount of at most ``ceiling``; the message speaks to
    the seller when ``by_seller`` (an offer), to the buyer otherwise (a request)"""
    if amount <= 0:
        raise AmountNotAllowed(_("Enter an amount greater than zero."))
    if amount > ceiling and by_seller:
        raise AmountNotAllowed(
            _(
                "The most you can offer is %(max)s %(currency)s "
                "(what the buyer paid for these items, less refunds)."
            )
            % {"max": ceiling, "currency": currency}
        )
    if amount > ceiling:
        raise AmountNotAllowed(
            _(
                "The most you can ask for is %(max)s %(currency)s "
                "(what was paid for these items, less refunds)."
            )
            % {"max": ceiling, "currency": currency}
        )


#: Opening acts on the order: its due deadline (protection's end, the dispute window's close) is
#: applied first, and a dispute it came too late for is refused naming it.
acts_on_order = deadlines.deadline_first(
    catch_up=order_services.apply_deadline_if_due,
    subject="order",
    refusals=DisputeError,
    passed=lambda sentence: DisputeWindowClosed(sentence, field=None),
)


@acts_on_order
def open_dispute(*, order: Order, buyer: User, claim: DisputeClaim, now: datetime) -> Dispute:
    """Open a dispute on the order and start the seller's response clock.

    :raises BuyerBlacklisted: the buyer may not open disputes
    :raises DisputeAlreadyOpen: the order has an open dispute
    :raises NothingLeftToRefund: everything paid for the order has been refunded
    :raises DisputeWindowClosed: outside the window for this reason
    :raises ClaimNotAllowed: the reason, items or return choice break a rule
    :raises AmountNotAllowed: the amount is not positive or exceeds what can be refunded
    :raises EvidenceRequired: no evidence for a reason that needs it
    """
    order = order_services.lock_order(order.pk)
    if order.buyer_id != buyer.pk:
        raise ClaimNotAllowed(_("Only the buyer can open a dispute on this order."))
    window = check_can_open(order=order, buyer=buyer, now=now)
    if not claim.items or any(quantity <= 0 for _item, quantity in claim.items):
        raise ClaimNotAllowed(_("Choose at least one item and how many are affected."), field="items")
    for item, quantity in claim.items:
        if item.order_id != order.pk or quantity > item.quantity:
            raise ClaimNotAllowed(_("Choose items and quantities from this order."), field="items")
    _check_reason(order=order, claim=claim, window=window, now=now)
    ceiling = max_refund_for(order, claim.items)
    amount = ceiling if claim.amount is None else claim.amount
    check_amount(amount, ceiling=ceiling, currency=order.currency)
    if claim.reason != R.NOT_RECEIVED and not claim.evidence:
        raise EvidenceRequired(_("Add at least one photo or video that shows the problem."))
    if len(claim.evidence) > policy.MAX_EVIDENCE_FILES:
        raise EvidenceRequired(_("You can attach at most %(n)d files.") % {"n": policy.MAX_EVIDENCE_FILES})

    dispute = Dispute(
        order=order,
        buyer=buyer,
        store=order.store,
        reason=claim.reason,
        item_received=claim.item_received,
        description=claim.description.strip(),
        currency=order.currency,
        ship_to_country=order.ship_to_country,
        max_refund=ceiling,
        requested_amount=amount,
        requested_return=claim.with_return,
        opened_at=now,
    )
    dispute.start_clock(Dispute.State.AWAITING_SELLER, now)
    dispute.save()
    DisputedItem.objects.bulk_create(
        DisputedItem(dispute=dispute, line_item=item, quantity=quantity) for item, quantity in claim.items
    )
    Proposal.objects.create(
        dispute=dispute,
        party=Party.BUYER,
        author=buyer,
        kind=Proposal.Kind.REQUEST,
        amount=amount,
        with_return=claim.with_return,
        note=dispute.description,
        created_at=now,
    )
    order_services.hold_for_dispute(order=order, now=now)
    # "Your move: confirm receipt or open a dispute" is answered: the order's notices stop asking.
    settle_calls_to_action(recipient=buyer, url=reverse("orders:detail", args=[order.number]), now=now)
    # The files are written before the events: writing the "opened" event adds to the site's
    # weekly tally, whose row every other opening then waits for until this one commits.
    evidence = (
        save_evidence(dispute=dispute, user=buyer, party=Party.BUYER, files=claim.evidence, now=now)
        if claim.evidence
        else []
    )
    event = events.dispute_opened(dispute=dispute, actor=buyer, at=now)
    if evidence:
        events.evidence_added(
            dispute=dispute, actor=buyer, party=Party.BUYER, evidence=evidence, note="", at=now
        )
    notify(event)
    return dispute
