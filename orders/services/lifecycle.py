"""An order's life after checkout: the seller ships, the carrier or a mediator records the
delivery, the buyer confirms or asks for more time, and a dispute holds and releases the clock."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders import events, policy, selectors
from orders.models import FreeReturnCountry, Order, OrderEvent, Shipment, Store
from orders.permissions import can_answer_extension, can_request_extension
from orders.roles import is_order_seller
from orders.services.clock import acts_on_order
from orders.services.common import ActionNotAllowed, ExtensionNotAllowed, check_transition, lock_order, notify
from portal import querying
from portal.accounts.models import User


# --- seller ------------------------------------------------------------------------------------
@acts_on_order
def ship_order(*, order: Order, seller: User, carrier: str, tracking_number: str, now: datetime) -> Order:
    """Record the parcel and start delivery protection for its carrier.

    :raises ActionNotAllowed: the order is not awaiting shipment, its handling time is over, or
        this is not the seller
    """
    order = lock_order(order.pk)
    check_transition(order, order.ship, seller, _("This order cannot be marked as shipped now."))
    if now >= order.handling_due_at:
        # From its handling deadline on the order belongs to the clock: however late the sweep
        # runs, the buyer gets the cancellation and full refund the order page promised.
        raise ActionNotAllowed(
            _("The handling time for this order is over: it is being cancelled and the buyer refunded.")
        )
    order.ship(at=now, carrier=carrier)
    order.reschedule()
    order.save()
    Shipment.objects.create(
        order=order, carrier=carrier, tracking_number=tracking_number.strip(), shipped_at=now
    )
    notify(events.order_shipped(order=order, actor=seller, at=now))
    return order


@acts_on_order
def report_delivery(*, order: Order, seller: User, now: datetime) -> Order:
    """The seller says the parcel arrived: the buyer is asked to confirm receipt, or to say it did
    not come. Protection and the clock stay exactly as they were: only the carrier, the buyer or
    a mediator record a delivery (SPEC "Delivery").

    :raises ActionNotAllowed: not in transit, already reported, protection is over, or this is not
        the seller
    """
    order = lock_order(order.pk)
    check_transition(order, order.report_delivered, seller, _("You cannot report this order delivered now."))
    if now >= order.protection_ends_at:
        raise ActionNotAllowed(_("Protection on this order has already ended."))
    order.report_delivered(at=now)
    order.save()
    notify(events.delivery_reported(order=order, actor=seller, at=now))
    return order


@acts_on_order
def mark_order_delivered(
    *,
    order: Order,
    actor: User | None,
    now: datetime,
    delivered_at: datetime | None = None,
    reason: str = "",
) -> Order:
    """Record that the parcel arrived, from the carrier's tracking (``actor=None``) or by a
    mediator (``actor``, with ``reason``): what remains of protection shrinks to the policy's few
    days unless it was already shorter; it never grows.

    ``delivered_at`` is when the carrier says it arrived (default ``now``), kept between the
    shipment and ``now``. The few days run from ``now``, when the portal learns of it, so a late
    tracking update never ends protection before the buyer could hear of it.

    :raises ActionNotAllowed: the order is not in transit, its protection is over, ``actor`` is
        not a mediator allowed to record deliveries, or a mediator gave no reason
    """
    order = lock_order(order.pk)
    check_transition(order, order.mark_delivered, actor, _("This order cannot be recorded as delivered now."))
    if now >= order.protection_ends_at:
        raise ActionNotAllowed(_("Protection on this order has already ended."))
    reason = reason.strip()
    if actor is not None and not reason:
        raise ActionNotAllowed(_("Say why you record this delivery (what shows it arrived)."))
    at = min(max(delivered_at or now, order.shipped_at), now)
    source = Order.DeliverySource.CARRIER if actor is None else Order.DeliverySource.MEDIATOR
    order.mark_delivered(at=at, recorded_at=now, source=source)
    order.reschedule()
    order.save()
    Shipment.objects.filter(order=order).update(delivered_at=at)
    if actor is None:
        event = events.order_delivered(order=order, at=now)
    else:
        event = events.delivery_recorded(order=order, actor=actor, at=now, reason=reason)
    notify(event)
    return order


# --- buyer -------------------------------------------------------------------------------------
@acts_on_order
def confirm_receipt(*, order: Order, buyer: User, now: datetime) -> Order:
    """The buyer confirms the parcel arrived; escrow is released when the dispute window closes.

    :raises ActionNotAllowed: nothing to confirm, a dispute is open, or this is not the buyer
    """
    order = lock_order(order.pk)
    check_transition(order, order.confirm_receipt, buyer, _("You cannot confirm receipt of this order now."))
    order.confirm_receipt(at=now)
    order.reschedule()
    order.save()
    notify(events.order_confirmed(order=order, actor=buyer, at=now))
    return order


@acts_on_order
def request_protection_extension(*, order: Order, buyer: User, note: str, now: datetime) -> Order:
    """Ask the seller to extend delivery protection (e.g. the parcel is late).

    :raises ExtensionNotAllowed: not the buyer, already asked or extended, or protection is over
    """
    order = lock_order(order.pk)
    if not can_request_extension(order, buyer, now):
        raise ExtensionNotAllowed(_("You cannot ask for a protection extension on this order now."))
    order.extension_requested_at = now
    order.extension_request_note = note.strip()
    order.save(update_fields=["extension_requested_at", "extension_request_note"])
    notify(events.extension_requested(order=order, actor=buyer, at=now))
    return order


def _pending_extension(order: Order, seller: User) -> None:
    if can_answer_extension(order, seller):
        return
    if is_order_seller(order, seller) and order.extension_requested_at is not None:
        raise ExtensionNotAllowed(_("Protection on this order has already ended."))
    raise ExtensionNotAllowed(_("There is no extension request to answer on this order."))


@acts_on_order
def grant_protection_extension(*, order: Order, seller: User, days: int, now: datetime) -> Order:
    """The seller extends protection by ``days`` (within the policy's maximum).

    :raises ExtensionNotAllowed: no pending request, not the seller, or too many days
    """
    order = lock_order(order.pk)
    _pending_extension(order, seller)
    if not 1 <= days <= policy.MAX_PROTECTION_EXTENSION.days:
        raise ExtensionNotAllowed(
            _("Choose between 1 and %(max)d days.") % {"max": policy.MAX_PROTECTION_EXTENSION.days}
        )
    order.protection_ends_at = max(order.protection_ends_at, now) + timedelta(days=days)
    order.extensions_granted += 1
    order.extension_requested_at = None
    order.reschedule()
    order.save()
    notify(events.extension_granted(order=order, actor=seller, at=now, days=days))
    return order


@acts_on_order
def decline_protection_extension(*, order: Order, seller: User, now: datetime) -> Order:
    """The seller says no to the buyer's extension request.

    :raises ExtensionNotAllowed: no pending request, or not the seller
    """
    order = lock_order(order.pk)
    _pending_extension(order, seller)
    order.extension_requested_at = None
    order.save(update_fields=["extension_requested_at"])
    notify(events.extension_declined(order=order, actor=seller, at=now))
    return order


@transaction.atomic
def update_return_policy(
    *, store: Store, seller: User, changes: dict, free_return_countries: list[str]
) -> Store:
    """Save the seller's return policy (validated by the form) and free-return programme.

    :raises ActionNotAllowed: ``seller`` does not own the store
    """
    if store.owner_id != seller.pk:
        raise ActionNotAllowed(_("Only the store's owner can change its return policy."))
    for name, value in changes.items():
        setattr(store, name, value)
    store.full_clean()
    store.save()
    store.free_return_countries.exclude(country__in=free_return_countries).delete()
    joined = set(store.free_return_countries.values_list("country", flat=True))
    FreeReturnCountry.objects.bulk_create(
        FreeReturnCountry(store=store, country=country, max_item_value=cap, currency=currency)
        for country, (cap, currency) in policy.FREE_RETURN_PROGRAMME.items()
        if country in free_return_countries and country not in joined
    )
    return store


# --- disputes hold the clock -------------------------------------------------------------------
def hold_for_dispute(*, order: Order, now: datetime) -> Order:
    """Pause the order's clock while a dispute is open (caller holds the order lock)."""
    order.on_hold = True
    order.reschedule()
    order.save()
    events.order_held(order=order, at=now)
    return order


@dataclass(frozen=True)
class Release:
    """An order whose dispute closed: ``finished`` (decided, not withdrawn) and what it refunded."""

    order: Order
    finished: bool
    refunded: Decimal = Decimal("0.00")


def release_from_dispute(
    *, order: Order, now: datetime, finished: bool, refunded: Decimal = Decimal("0.00")
) -> Order:
    """Restart the order's clock when its dispute closes (caller holds the order lock).

    ``finished`` means the dispute was decided (a refund, or the seller won), not withdrawn;
    ``refunded`` is what it refunded. Nothing left to pay: the order closes as refunded. A
    partial refund: the rest stays in escrow through a new dispute window, in which the buyer
    may dispute what is left, and is released to the seller when it closes. The seller won: what
    was paid is released now. A withdrawn dispute leaves the order where its clock says.
    """
    release_from_disputes([Release(order=order, finished=finished, refunded=refunded)], now=now)
    return order


def release_from_disputes(releases: list[Release], *, now: datetime) -> None:
    """:func:`release_from_dispute` for several orders (caller holds their locks; the sweep
    closes dozens of disputes in a transaction): each order's transitions, then the orders moved
    the same way in one UPDATE and the timeline events of all of them together."""
    with querying.saved_together([release.order for release in releases]):
        steps = [(release.order, _release(release, now)) for release in releases]
    written = events.clock_steps(steps, at=now)
    notify(*(event for event in written if event.type == OrderEvent.Type.SETTLED))


def _release(release: Release, now: datetime) -> list[str]:
    """Move one order on from its closed dispute; return the types of its events."""
    T = OrderEvent.Type
    order = release.order
    order.on_hold = False
    steps = [T.RESUMED]
    if release.finished:
        remaining = order.total_paid - selectors.refunded_total(order)
        if remaining <= 0:
            order.close_refunded(at=now)
            steps = [T.REFUNDED]
        elif release.refunded > 0:
            order.keep_in_escrow(at=now)
        else:
            steps = []
            if order.state in (Order.State.SHIPPED, Order.State.DELIVERED):
                order.auto_confirm(at=now)
                steps.append(T.AUTO_CONFIRMED)
            if order.state == Order.State.COMPLETED:
                order.settle(at=now, amount=remaining)
                steps.append(T.SETTLED)
            else:
                steps.append(T.RESUMED)
    order.reschedule()
    return steps
