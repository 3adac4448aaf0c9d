"""The refund ledger: what was refunded on an order, and writing a refund whose payment is
queued (paying it through the provider is :mod:`orders.refunds`)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from orders import events, policy, selectors, tasks
from orders.models import MONEY, Order, Refund
from orders.services.common import RefundExceedsPaid
from portal import querying
from portal.outbox.services import enqueue_after_commit


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
