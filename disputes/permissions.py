"""The only gate to disputes and their evidence: "not yours" is a 404, like "does not exist";
and who may open a dispute on an order, and when."""

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disputes import policy
from disputes.errors import BuyerBlacklisted, DisputeAlreadyOpen, DisputeWindowClosed, NothingLeftToRefund
from disputes.models import BuyerStanding, Dispute, Evidence
from disputes.roles import Party, is_dispute_party, party_of
from disputes.roles import is_dispute_buyer as is_dispute_buyer  # the pages ask the gate who views
from orders.models import Order
from orders.selectors import refunded_total
from portal import querying
from portal.accounts.models import User
from portal.accounts.roles import is_mediator


def can_view_dispute(dispute: Dispute, user: User) -> bool:
    """The buyer, the order's seller and mediators; nobody else."""
    return is_dispute_party(dispute, user) or is_mediator(user)


def get_dispute_for_user(user: User, pk: int) -> Dispute:
    """The dispute if ``user`` may see it; 404 otherwise."""
    # Joined here once for every dispute page and action: the page prefetches onto this instance.
    # The buyer's standing and the appeal (both one-to-one, often absent) are joined too. What the
    # page of an open dispute never shows is left out, because PostgreSQL plans every join and
    # Django compiles every subquery of this query on every view of every dispute page (issue 17):
    # the store's owner (only the dossier names them, ``dossier_for``) took 1.6 ms a view, and what
    # the order refunded and whether it has another open dispute (only a finished dispute's "what
    # now" asks, ``page_wording.next_steps``, from what the page loads anyway) 2.8 ms, of the
    # query's 10 ms at 1M orders.
    dispute = querying.unique_row(
        Dispute.objects.select_related(
            "order",
            "order__shipment",
            "store",
            "buyer",
            "buyer__standing",
            "appeal",
        ).filter(pk=pk)
    )
    if dispute is None or not can_view_dispute(dispute, user):
        raise Http404("No such dispute.")
    return dispute


def get_evidence_for_user(user: User, public_id) -> Evidence:
    """Evidence only ever reaches the dispute's buyer, its seller and mediators; 404 otherwise."""
    evidence = querying.unique_row(
        Evidence.objects.select_related("dispute__store").filter(public_id=public_id)
    )
    if evidence is None or not can_view_dispute(evidence.dispute, user):
        raise Http404("No such file.")
    return evidence


def can_view_originals(user: User) -> bool:
    """Originals (with their metadata) are for mediators; parties see the cleaned copy."""
    return is_mediator(user)


def viewer_party(dispute: Dispute, user: User) -> str:
    """The viewer's side (:func:`disputes.roles.party_of`), or the mediator's."""
    party = party_of(dispute, user)
    if not party and is_mediator(user):
        return Party.MEDIATOR
    return party


def can_add_evidence(dispute: Dispute, user: User) -> bool:
    """Either party may add evidence while the dispute is open."""
    return dispute.is_open and viewer_party(dispute, user) in (Party.BUYER, Party.SELLER)


def can_extend_deadline(dispute: Dispute, user: User) -> bool:
    """The party a deadline protects may give the other party more time, once per deadline."""
    return (
        dispute.is_open
        and not dispute.deadline_extended
        and dispute.deadline_protects in (Party.BUYER, Party.SELLER)
        and dispute.deadline_protects == viewer_party(dispute, user)
    )


def available_dispute_actions(dispute: Dispute, user: User) -> set[str]:
    """Names of the transitions ``user`` may take on ``dispute`` now (never the clock's)."""
    # Skip the clock's and the mediator's transitions before asking about permissions: the
    # mediator's (disputes.roles.is_decider…) would load the user's permissions from the database.
    return {
        transition.name
        for transition in dispute.get_available_state_transitions()
        if not transition.custom.get("automatic")
        and transition.custom.get("party") != Party.MEDIATOR
        and transition.has_perm(dispute, user)
    }


# --- opening a dispute -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DisputeWindow:
    """When the buyer may open a dispute on an order."""

    not_received_from: datetime | None
    closes_at: datetime | None


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def _not_received_from(order: Order) -> datetime | None:
    """From when "not received" may be claimed: some days after shipment, or at once when the
    carrier, a mediator or the seller says it arrived. A buyer with nothing in hand is told it
    arrived, so waiting cannot help: they may contradict it straight away (SPEC "Delivery"). The
    seller's report counts too: it does not shorten protection, but a buyer told "delivered" must
    be able to answer at once rather than wait days for the seller's claim to be tested."""
    if order.shipped_at is None:
        return None
    said_delivered = [order.shipped_at + policy.NOT_RECEIVED_AFTER_SHIPMENT]
    if order.delivered_at is not None and order.delivery_source != Order.DeliverySource.BUYER:
        said_delivered.append(order.delivered_at)
    if order.seller_reported_delivered_at is not None:
        said_delivered.append(order.seller_reported_delivered_at)
    return min(said_delivered)


def dispute_window(order: Order) -> DisputeWindow:
    """The order's dispute window, from its timestamps (never from a clock that may lag)."""
    not_received_from = _not_received_from(order)
    if order.state in (Order.State.SHIPPED, Order.State.DELIVERED):
        closes_at = order.protection_ends_at
    elif order.state == Order.State.COMPLETED and not order.confirmed_automatically:
        # Only the buyer's own confirmation opens the post-confirmation window; an order
        # confirmed because protection ended is past its protection (SPEC "Opening").
        closes_at = order.dispute_window_ends_at
    else:
        closes_at = None
    return DisputeWindow(not_received_from=not_received_from, closes_at=closes_at)


#: ``check_can_open``'s default: read the buyer's standing now.
UNKNOWN = object()


def check_can_open(
    *,
    order: Order,
    buyer: User,
    now: datetime,
    standing: BuyerStanding | object | None = UNKNOWN,
    open_dispute: bool | object = UNKNOWN,
) -> DisputeWindow:
    """Refuse if this buyer cannot open any dispute on this order right now.

    ``standing`` is the buyer's standing when the caller loaded it in this request (the dispute
    page's gatekeeper joins it; ``None``: the buyer has none); by default it is read here.
    ``open_dispute`` says whether the order has an open dispute, when the caller asked already (the
    dispute page's gatekeeper does); by default the order's disputes are read here.

    :raises BuyerBlacklisted: a mediator blacklisted the buyer
    :raises DisputeAlreadyOpen: the order already has an open dispute
    :raises NothingLeftToRefund: everything paid for the order has been refunded
    :raises DisputeWindowClosed: the order is not (or no longer) disputable
    """
    if standing is UNKNOWN:
        standing = BuyerStanding.objects.filter(buyer=buyer).first()
    if standing is not None and standing.blacklisted:
        raise BuyerBlacklisted(
            _("You cannot open disputes: a mediator blocked it. Reason given: %(reason)s")
            % {"reason": standing.blacklist_reason or _("none")},
            field=None,
        )
    if open_dispute is UNKNOWN:
        # ``all()``, not a filtered query: the order page has them prefetched already.
        open_dispute = any(dispute.is_open for dispute in order.disputes.all())
    if order.on_hold or open_dispute:
        raise DisputeAlreadyOpen(_("This order already has an open dispute."))
    window = dispute_window(order)
    if order.state == Order.State.PAID:
        raise DisputeWindowClosed(
            _(
                "The seller has not shipped yet. "
                "If it is not shipped by %(date)s, you are refunded automatically."
            )
            % {"date": _when(order.handling_due_at)},
            field=None,
        )
    if order.state == Order.State.REFUNDED or refunded_total(order) >= order.total_paid:
        # Asked before the window: a refunded order's window is closed too, but this is why.
        raise NothingLeftToRefund(
            _("Everything paid for this order has been refunded."),
            field=None,
        )
    if window.closes_at is None or now >= window.closes_at:
        raise DisputeWindowClosed(_("The dispute window for this order has closed."), field=None)
    return window
