"""The return terms of an order: the store's policy copied onto the order when it is paid.

Kept apart from ``orders.services`` (which records the order and calls :func:`capture_return_terms`)
because the copy is one rule with its own money resolution, shared by checkout, the scale seeder's
backfill and the tests' factories.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

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
    *, order_id: int, currency: str, store: Store, cap: tuple[Decimal, str] | None, captured_at: datetime
) -> ReturnTerms:
    return ReturnTerms(
        order_id=order_id,
        accepts_returns=store.accepts_returns,
        return_window_days=store.return_window_days,
        return_shipping_paid_by=store.return_shipping_paid_by,
        refund_without_return_below=refund_without_return_threshold(store, currency),
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
    terms = _terms(
        order_id=order.pk, currency=order.currency, store=order.store, cap=programme, captured_at=at
    )
    terms.save(force_insert=True)
    order.return_terms = terms
    return terms


def backfill_return_terms(*, at: datetime, batch_size: int = 5000) -> int:
    """Give every order without terms a copy of its store's current policy; how many were given.

    For orders written without :func:`capture_return_terms` (the scale seeder's bulk load). The
    stores and their programmes are read once: there are few of them next to their orders.
    """
    stores = {store.pk: store for store in Store.objects.all()}
    caps = {
        (store_id, country): (cap, currency)
        for store_id, country, cap, currency in FreeReturnCountry.objects.values_list(
            "store_id", "country", "max_item_value", "currency"
        )
    }
    pending = Order.objects.filter(return_terms__isnull=True).order_by("id")
    written, last = 0, 0
    while True:
        batch = list(
            pending.filter(id__gt=last).values_list("id", "currency", "store_id", "ship_to_country")[
                :batch_size
            ]
        )
        if not batch:
            return written
        with transaction.atomic():
            ReturnTerms.objects.bulk_create(
                _terms(
                    order_id=order_id,
                    currency=currency,
                    store=stores[store_id],
                    cap=caps.get((store_id, country)),
                    captured_at=at,
                )
                for order_id, currency, store_id, country in batch
            )
        written += len(batch)
        last = batch[-1][0]
