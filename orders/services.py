"""Every write use case of the orders side: shipping, delivery, confirmation, protection
extensions, the clock's automatic steps, and the refund ledger. Paying a refund through the
provider is :mod:`orders.refunds`.

Services take ``now`` from the caller, lock the order row, re-check, drive the FSM
transition, write the timeline event and queue side effects after commit.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from orders import events, policy, refunds, selectors, tasks
from orders.models import MONEY, FreeReturnCountry, LineItem, Order, OrderEvent, Refund, Shipment, Store
from orders.terms import capture_return_terms
from portal import deadlines, querying, reminders
from portal.accounts.models import User
from portal.notifications.tasks import notify_after_commit
from portal.outbox.services import enqueue_after_commit

logger = logging.getLogger(__name__)


class OrderError(Exception):
    """A rule said no. ``str(error)`` is a sentence for the person who tried."""


class ActionNotAllowed(OrderError):
    pass


class ExtensionNotAllowed(OrderError):
    pass


class RefundExceedsPaid(OrderError):
    pass


def lock_order(pk: int) -> Order:
    """Re-read the order under a row lock (inside the caller's transaction)."""
    return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=pk)


def _notify(event: OrderEvent) -> None:
    notify_after_commit(event)


def _check(order: Order, transition, user: User | None, message: str) -> None:
    if not can_proceed(transition) or (user is not None and not has_transition_perm(transition, user)):
        raise ActionNotAllowed(message)


class DeadlinePassed(OrderError):
    """The action came after the order's deadline, which the clock has now applied."""


def apply_deadline_if_due(order_id: int, now: datetime) -> str:
    """Apply the order's next automatic step if it is due at ``now``, as the sweep would, and
    commit it; return the sentence that names it ("" when nothing was due)."""
    with transaction.atomic():
        order = lock_order(order_id)
        if not order.deadline_due(now):
            return ""
        sentence = selectors.passed_deadline_sentence(order)
        apply_order_deadline(order, now)
    return sentence


#: Every service that acts on an order: a deadline already due is applied first, and an action it
#: made too late is refused naming that deadline and its outcome.
acts_on_order = deadlines.deadline_first(
    catch_up=apply_deadline_if_due, subject="order", refusals=OrderError, passed=DeadlinePassed
)


# --- checkout hands over a paid order ----------------------------------------------------------
@dataclass(frozen=True)
class CheckoutLine:
    title: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    is_personalised: bool = False
    is_used: bool = False


@dataclass(frozen=True)
class PaidOrder:
    """What the marketplace's checkout hands over once the buyer has paid."""

    number: str
    buyer: User
    store: Store
    currency: str
    lines: list[CheckoutLine]
    paid_at: datetime
    payment_method: str = Order.PaymentMethod.CARD
    #: The provider's id of the payment (Stripe: ``pi_...`` or ``ch_...``): refunds go back to it.
    payment_reference: str = ""
    ship_to_country: str = ""
    ship_to_address: str = ""
    #: Shipping and fees on top of the lines; the total paid is the lines plus this.
    extra_charges: Decimal = Decimal("0.00")


@transaction.atomic
def record_paid_order(*, paid: PaidOrder) -> Order:
    """Take over a paid order from checkout and start the seller's handling clock.

    :raises OrderError: no lines, a duplicate order number, or a total that is not positive
    """
    if not paid.lines or any(line.quantity <= 0 or line.unit_price < 0 for line in paid.lines):
        raise OrderError(_("An order needs at least one line with a positive quantity and a price."))
    if Order.objects.filter(number=paid.number).exists():
        raise OrderError(_("Order %(number)s is already recorded.") % {"number": paid.number})
    total = (
        sum((line.unit_price * line.quantity for line in paid.lines), Decimal("0.00")) + paid.extra_charges
    )
    if total <= 0:
        raise OrderError(_("An order's total must be positive."))
    order = Order(
        number=paid.number,
        buyer=paid.buyer,
        store=paid.store,
        currency=paid.currency.upper(),
        total_paid=total,
        payment_method=paid.payment_method,
        payment_reference=paid.payment_reference.strip(),
        ship_to_country=paid.ship_to_country.upper(),
        ship_to_address=paid.ship_to_address,
        paid_at=paid.paid_at,
        handling_due_at=paid.paid_at + policy.HANDLING_TIME,
    )
    order.reschedule()
    order.save()
    LineItem.objects.bulk_create(
        LineItem(
            order=order,
            title=line.title,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            is_personalised=line.is_personalised,
            is_used=line.is_used,
        )
        for line in paid.lines
    )
    # The policy in force at purchase governs the order; the seller's later changes do not.
    capture_return_terms(order=order, at=paid.paid_at)
    events.order_placed(order=order, at=paid.paid_at)
    return order


# --- seller ------------------------------------------------------------------------------------
@acts_on_order
def ship_order(*, order: Order, seller: User, carrier: str, tracking_number: str, now: datetime) -> Order:
    """Record the parcel and start delivery protection for its carrier.

    :raises ActionNotAllowed: the order is not awaiting shipment, its handling time is over, or
        this is not the seller
    """
    order = lock_order(order.pk)
    _check(order, order.ship, seller, _("This order cannot be marked as shipped now."))
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
    _notify(events.order_shipped(order=order, actor=seller, at=now))
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
    _check(order, order.report_delivered, seller, _("You cannot report this order delivered now."))
    if now >= order.protection_ends_at:
        raise ActionNotAllowed(_("Protection on this order has already ended."))
    order.report_delivered(at=now)
    order.save()
    _notify(events.delivery_reported(order=order, actor=seller, at=now))
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
    _check(order, order.mark_delivered, actor, _("This order cannot be recorded as delivered now."))
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
    _notify(event)
    return order


# --- buyer -------------------------------------------------------------------------------------
@acts_on_order
def confirm_receipt(*, order: Order, buyer: User, now: datetime) -> Order:
    """The buyer confirms the parcel arrived; escrow is released when the dispute window closes.

    :raises ActionNotAllowed: nothing to confirm, a dispute is open, or this is not the buyer
    """
    order = lock_order(order.pk)
    _check(order, order.confirm_receipt, buyer, _("You cannot confirm receipt of this order now."))
    order.confirm_receipt(at=now)
    order.reschedule()
    order.save()
    _notify(events.order_confirmed(order=order, actor=buyer, at=now))
    return order


def can_request_extension(order: Order, now: datetime) -> bool:
    """Whether the buyer may ask the seller for more protection time right now."""
    return (
        order.state in (Order.State.SHIPPED, Order.State.DELIVERED)
        and not order.on_hold
        and order.extension_requested_at is None
        and order.extensions_granted < policy.MAX_PROTECTION_EXTENSIONS
        and order.protection_ends_at is not None
        and now < order.protection_ends_at
    )


@acts_on_order
def request_protection_extension(*, order: Order, buyer: User, note: str, now: datetime) -> Order:
    """Ask the seller to extend delivery protection (e.g. the parcel is late).

    :raises ExtensionNotAllowed: not the buyer, already asked or extended, or protection is over
    """
    order = lock_order(order.pk)
    if order.buyer_id != buyer.pk or not can_request_extension(order, now):
        raise ExtensionNotAllowed(_("You cannot ask for a protection extension on this order now."))
    order.extension_requested_at = now
    order.extension_request_note = note.strip()
    order.save(update_fields=["extension_requested_at", "extension_request_note"])
    _notify(events.extension_requested(order=order, actor=buyer, at=now))
    return order


def can_answer_extension(order: Order, user: User) -> bool:
    """Whether ``user`` is the seller and has a buyer's extension request to grant or decline."""
    return (
        order.store.owner_id == user.pk
        and order.extension_requested_at is not None
        and order.state in (Order.State.SHIPPED, Order.State.DELIVERED)
    )


def _pending_extension(order: Order, seller: User) -> None:
    if order.store.owner_id != seller.pk or order.extension_requested_at is None:
        raise ExtensionNotAllowed(_("There is no extension request to answer on this order."))
    if order.state not in (Order.State.SHIPPED, Order.State.DELIVERED):
        raise ExtensionNotAllowed(_("Protection on this order has already ended."))


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
    _notify(events.extension_granted(order=order, actor=seller, at=now, days=days))
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
    _notify(events.extension_declined(order=order, actor=seller, at=now))
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


def release_from_dispute(
    *, order: Order, now: datetime, finished: bool, refunded: Decimal = Decimal("0.00")
) -> Order:
    """Restart the order's clock when its dispute closes (caller holds the order lock).

    ``finished`` means the dispute was decided (a refund, or the seller won), not withdrawn;
    ``refunded`` is what it refunded. Nothing left to pay: the order closes as refunded. A
    partial refund: the rest stays in escrow
    through a new dispute window, in which the buyer may dispute what is left, and is released
    to the seller when it closes. The seller won: what was paid is released now. A withdrawn
    dispute leaves the order where its clock says.
    """
    order.on_hold = False
    if finished:
        remaining = order.total_paid - selectors.refunded_total(order)
        if remaining <= 0:
            order.close_refunded(at=now)
            order.reschedule()
            order.save()
            events.order_refunded(order=order, at=now)
            return order
        if refunded > 0:
            order.keep_in_escrow(at=now)
            order.reschedule()
            order.save()
            events.order_resumed(order=order, at=now)
            return order
        if order.state in (Order.State.SHIPPED, Order.State.DELIVERED):
            order.auto_confirm(at=now)
            events.order_confirmed(order=order, actor=None, at=now)
        if order.state == Order.State.COMPLETED:
            order.settle(at=now, amount=remaining)
            order.reschedule()
            order.save()
            _notify(events.order_settled(order=order, at=now))
            return order
    order.reschedule()
    order.save()
    events.order_resumed(order=order, at=now)
    return order


# --- refunds -----------------------------------------------------------------------------------
def refunded_sum(order_ref: str = "pk") -> Coalesce:
    """:func:`orders.selectors.refunded_total` as an expression, for the order that ``order_ref`` names."""
    return querying.aggregate_per_row(
        Refund.objects.filter(order=OuterRef(order_ref)).exclude(status=Refund.Status.FAILED),
        Sum("amount"),
        per="order",
        default=Decimal("0.00"),
        output_field=DecimalField(**MONEY),
    )


def refundable_amount(order: Order) -> Decimal:
    return order.total_paid - selectors.refunded_total(order)


def issue_refund(
    *, order: Order, amount: Decimal, reason: str, now: datetime, dispute=None, note: str = ""
) -> Refund:
    """Write a refund to the ledger and queue its payment (caller holds the order lock).

    :raises RefundExceedsPaid: the order's refunds would exceed what the buyer paid
    """
    if amount <= 0 or amount > refundable_amount(order):
        raise RefundExceedsPaid(
            _("A refund of %(amount)s %(currency)s would exceed what is left to refund on this order.")
            % {"amount": amount, "currency": order.currency}
        )
    # Keep selectors.refunded_total() right for this instance: the running sum follows, a prefetch is stale.
    if getattr(order, "refunded_so_far", None) is not None:
        order.refunded_so_far += amount
    getattr(order, "_prefetched_objects_cache", {}).pop("refunds", None)
    refund = Refund.objects.create(
        order=order,
        dispute=dispute,
        amount=amount,
        currency=order.currency,
        reason=reason,
        note=note,
        created_at=now,
        next_attempt_at=now + policy.REFUND_RETRY_DELAY,
    )
    events.refund_issued(order=order, refund=refund, at=now)
    enqueue_after_commit(tasks.pay_refund, refund_id=refund.pk)
    return refund


# --- the clock ---------------------------------------------------------------------------------
def apply_order_deadline(order: Order, now: datetime) -> None:
    """Do what the order's due deadline says (caller holds the lock and re-checked it is due)."""
    kind = order.deadline_kind
    if kind == Order.DeadlineKind.AUTO_CANCEL:
        order.cancel_unshipped(at=now)
        order.reschedule()
        order.save()
        event = events.order_auto_cancelled(order=order, at=now)
        issue_refund(order=order, amount=order.total_paid, reason=Refund.Reason.NOT_SHIPPED, now=now)
        _notify(event)
    elif kind == Order.DeadlineKind.AUTO_CONFIRM:
        order.auto_confirm(at=now)
        order.reschedule()
        order.save()
        _notify(events.order_confirmed(order=order, actor=None, at=now))
    elif kind == Order.DeadlineKind.SETTLE:
        order.settle(at=now, amount=order.total_paid - selectors.refunded_total(order))
        order.reschedule()
        order.save()
        _notify(events.order_settled(order=order, at=now))


def _lock_due_orders(pks: list[int], now: datetime) -> list[Order]:
    """Lock those orders still due (skipping any another transaction holds), in deadline order,
    each with what was refunded on it so far."""
    return list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("store")
        .annotate(refunded_so_far=refunded_sum())
        .filter(pk__in=pks, deadline_at__lte=now, on_hold=False)
        .order_by("deadline_at", "pk")
    )


def enforce_order_deadlines(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Apply every due order deadline, then pay every refund whose job did not."""
    applied = deadlines.apply_due(
        queryset=Order.objects.all(),
        now=now,
        apply=apply_order_deadline,
        lock=lambda pks: _lock_due_orders(pks, now),
        batch_size=policy.SWEEP_BATCH_SIZE,
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
    return applied + refunds.pay_due_refunds(now=now, share=share)


def send_due_reminder(order: Order, now: datetime) -> None:
    """Remind whoever must act before the order's deadline (the seller to ship, the buyer before
    protection ends), once per reminder; earlier ones missed during an outage are skipped."""
    steps = policy.REMINDERS_BEFORE
    step = reminders.due_reminder(order.deadline_at, sent=order.reminders_sent, before=steps, now=now)
    order.reminders_sent = len(steps) if step is None else step + 1
    order.schedule_next_reminder()
    order.save(update_fields=["reminders_sent", "next_reminder_at"])
    if step is not None:
        _notify(events.reminder_sent(order=order, at=now))


def _lock_due_reminders(pks: list[int], now: datetime) -> list[Order]:
    return list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("store")
        .filter(pk__in=pks, next_reminder_at__lte=now, on_hold=False)
        .order_by("next_reminder_at", "pk")
    )


def send_order_reminders(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Send every reminder due before an order deadline, each exactly once."""
    return deadlines.apply_due(
        queryset=Order.objects.filter(next_reminder_at__isnull=False),
        now=now,
        apply=send_due_reminder,
        lock=lambda pks: _lock_due_reminders(pks, now),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="next_reminder_at",
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
