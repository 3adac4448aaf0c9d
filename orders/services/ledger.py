"""The refund ledger: what was refunded on an order, and writing a refund whose payment is
queued (paying it through the provider is :mod:`orders.refunds`)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from orders import events, policy, selectors, tasks
from orders.models import MONEY, Order, Refund
from orders.services.common import RefundExceedsPaid
from portal import querying
from portal.outbox.services import enqueue_many_after_commit


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


@dataclass(frozen=True)
class RefundDue:
    """A refund to write: ``order`` is locked by the caller; ``dispute`` is the one paying it."""

    order: Order
    amount: Decimal
    reason: str
    dispute: object = None
    note: str = ""


def issue_refund(
    *, order: Order, amount: Decimal, reason: str, now: datetime, dispute=None, note: str = ""
) -> Refund:
    """Write a refund to the ledger and queue its payment (caller holds the order lock).

    :raises RefundExceedsPaid: the order's refunds would exceed what the buyer paid
    """
    return issue_refunds(
        [RefundDue(order=order, amount=amount, reason=reason, dispute=dispute, note=note)], now=now
    )[0]


def issue_refunds(due: list[RefundDue], *, now: datetime) -> list[Refund]:
    """:func:`issue_refund` for several orders at once (the sweep closes dozens of disputes in a
    transaction): the refunds, their timeline events and their payment jobs are one INSERT each.

    :raises RefundExceedsPaid: one of the refunds would exceed what its buyer paid; none is written
    """
    refunds = []
    for item in due:
        order, amount = item.order, item.amount
        if amount <= 0 or amount > refundable_amount(order):
            raise RefundExceedsPaid(
                _("A refund of %(amount)s %(currency)s would exceed what is left to refund on this order.")
                % {"amount": amount, "currency": order.currency}
            )
        # Keep selectors.refunded_total() right for this instance (and the next refund of the
        # list): the running sum follows, a prefetch is stale.
        if getattr(order, "refunded_so_far", None) is not None:
            order.refunded_so_far += amount
        getattr(order, "_prefetched_objects_cache", {}).pop("refunds", None)
        refunds.append(
            Refund(
                order=order,
                dispute=item.dispute,
                amount=amount,
                currency=order.currency,
                reason=item.reason,
                note=item.note,
                created_at=now,
                next_attempt_at=now + policy.REFUND_RETRY_DELAY,
            )
        )
    if not refunds:
        return []
    refunds = Refund.objects.bulk_create(refunds)
    events.refunds_issued(refunds, at=now)
    enqueue_many_after_commit(tasks.pay_refund, [{"refund_id": refund.pk} for refund in refunds])
    return refunds
