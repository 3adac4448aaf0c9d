"""Give every existing order the return terms it is governed by from now on, and state each
store's own refund-without-return threshold with its currency.

Orders paid before this migration had no copy of the policy they were bought under; the closest
truthful copy is their store's policy as it stands now, with ``captured_at`` saying when it was
read (the order page says "as it stood on <date>").

A store threshold of exactly 10.00, the old default, becomes "the marketplace default in each
currency" (10.00 USD, 1000.00 RUB...): that is what it meant. Any other amount was meant in
the store's own currency: it is kept in the currency most of the store's orders were paid in
(USD for a store without orders).
"""

from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_DEFAULT = Decimal("10.00")
#: ``orders.policy.REFUND_WITHOUT_RETURN_THRESHOLDS`` when this migration was written.
THRESHOLDS = getattr(
    settings,
    "ORDERS_REFUND_WITHOUT_RETURN_THRESHOLDS",
    {
        "USD": Decimal("10.00"),
        "EUR": Decimal("10.00"),
        "GBP": Decimal("10.00"),
        "PLN": Decimal("40.00"),
        "RUB": Decimal("1000.00"),
        "CNY": Decimal("70.00"),
    },
)
BATCH = 2000


def state_store_thresholds(apps, schema_editor):
    Store = apps.get_model("orders", "Store")
    Order = apps.get_model("orders", "Order")
    Store.objects.filter(refund_without_return_threshold=OLD_DEFAULT).update(
        refund_without_return_threshold=None, refund_without_return_currency=""
    )
    for store in Store.objects.filter(refund_without_return_threshold__isnull=False).only("id"):
        currencies = Counter(Order.objects.filter(store_id=store.id).values_list("currency", flat=True))
        currency = currencies.most_common(1)[0][0] if currencies else "USD"
        Store.objects.filter(id=store.id).update(refund_without_return_currency=currency)


def snapshot_return_terms(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    ReturnTerms = apps.get_model("orders", "ReturnTerms")
    FreeReturnCountry = apps.get_model("orders", "FreeReturnCountry")
    caps = {
        (store_id, country): (cap, currency)
        for store_id, country, cap, currency in FreeReturnCountry.objects.values_list(
            "store_id", "country", "max_item_value", "currency"
        )
    }
    now = timezone.now()
    fields = [
        "id",
        "currency",
        "ship_to_country",
        "store_id",
        "store__accepts_returns",
        "store__return_window_days",
        "store__return_shipping_paid_by",
        "store__refund_without_return_threshold",
        "store__refund_without_return_currency",
        "store__returns_personalised_items",
        "store__returns_used_items",
    ]
    last = 0
    while True:
        rows = list(
            Order.objects.filter(id__gt=last, return_terms__isnull=True)
            .order_by("id")
            .values(*fields)[:BATCH]
        )
        if not rows:
            return
        terms = []
        for row in rows:
            own = row["store__refund_without_return_threshold"]
            if own is not None and row["store__refund_without_return_currency"] == row["currency"]:
                threshold = own
            else:
                threshold = THRESHOLDS.get(row["currency"], Decimal("0.00"))
            cap = caps.get((row["store_id"], row["ship_to_country"]))
            terms.append(
                ReturnTerms(
                    order_id=row["id"],
                    accepts_returns=row["store__accepts_returns"],
                    return_window_days=row["store__return_window_days"],
                    return_shipping_paid_by=row["store__return_shipping_paid_by"],
                    refund_without_return_below=threshold,
                    returns_personalised_items=row["store__returns_personalised_items"],
                    returns_used_items=row["store__returns_used_items"],
                    free_return_cap=cap[0] if cap else None,
                    free_return_currency=cap[1] if cap else "",
                    captured_at=now,
                )
            )
        ReturnTerms.objects.bulk_create(terms)
        last = rows[-1]["id"]


def forget_return_terms(apps, schema_editor):
    apps.get_model("orders", "ReturnTerms").objects.all().delete()


def restore_single_threshold(apps, schema_editor):
    apps.get_model("orders", "Store").objects.filter(refund_without_return_threshold__isnull=True).update(
        refund_without_return_threshold=OLD_DEFAULT
    )
    apps.get_model("orders", "Store").objects.update(refund_without_return_currency="")


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_return_terms")]

    operations = [
        migrations.RunPython(state_store_thresholds, restore_single_threshold),
        migrations.RunPython(snapshot_return_terms, forget_return_terms),
    ]
