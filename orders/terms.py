"""The return terms of an order: the store's policy copied onto the order when it is paid.

Kept apart from ``orders.services`` (which records the order and calls :func:`capture_return_terms`)
because the copy is one rule with its own money resolution, shared by checkout, the scale seeder's
backfill and the tests' factories.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery

from orders import policy
from orders.models import FreeReturnCountry, Order, ReturnTerms, Store

NO_THRESHOLD = Decimal("0.00")


def refund_without_return_threshold(store: Store, currency: str) -> Decimal:
    """The store's "refund without return" threshold for an order paid in ``currency``.

    The store's own threshold where it is stated in that currency, else the marketplace default
    for that currency, else none: an amount in one currency never stands for another.
    """
    own = store.refund_without_return_threshold
    if own is not None and store.refund_without_return_currency == currency:
        return own
    return policy.REFUND_WITHOUT_RETURN_THRESHOLDS.get(currency, NO_THRESHOLD)


def _terms(
    *, order: Order, store: Store, cap: tuple[Decimal, str] | None, captured_at: datetime
) -> ReturnTerms:
    return ReturnTerms(
        order=order,
        accepts_returns=store.accepts_returns,
        return_window_days=store.return_window_days,
        return_shipping_paid_by=store.return_shipping_paid_by,
        refund_without_return_below=refund_without_return_threshold(store, order.currency),
        returns_personalised_items=store.returns_personalised_items,
        returns_used_items=store.returns_used_items,
        free_return_cap=cap[0] if cap else None,
        free_return_currency=cap[1] if cap else "",
        captured_at=captured_at,
    )


def capture_return_terms(*, order: Order, at: datetime) -> ReturnTerms:
    """Copy the store's return policy as it stands now onto ``order`` (once, at payment)."""
    programme = (
        FreeReturnCountry.objects.filter(store_id=order.store_id, country=order.ship_to_country)
        .values_list("max_item_value", "currency")
        .first()
    )
    terms = _terms(order=order, store=order.store, cap=programme, captured_at=at)
    terms.save(force_insert=True)
    order.return_terms = terms
    return terms


def backfill_return_terms(*, at: datetime, batch_size: int = 2000) -> int:
    """Give every order without terms a copy of its store's current policy; how many were given.

    For orders written without :func:`capture_return_terms` (the scale seeder's bulk load).
    """
    programme = FreeReturnCountry.objects.filter(
        store_id=OuterRef("store_id"), country=OuterRef("ship_to_country")
    )
    pending = (
        Order.objects.filter(return_terms__isnull=True)
        .select_related("store")
        .annotate(
            cap=Subquery(programme.values("max_item_value")[:1]),
            cap_currency=Subquery(programme.values("currency")[:1]),
        )
        .order_by("id")
    )
    written, last = 0, 0
    while True:
        batch = list(pending.filter(id__gt=last)[:batch_size])
        if not batch:
            return written
        with transaction.atomic():
            ReturnTerms.objects.bulk_create(
                _terms(
                    order=order,
                    store=order.store,
                    cap=(order.cap, order.cap_currency) if order.cap is not None else None,
                    captured_at=at,
                )
                for order in batch
            )
        written += len(batch)
        last = batch[-1].id
