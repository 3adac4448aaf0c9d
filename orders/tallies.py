"""What the orders app counts as it acts (``portal.tallies``): the orders paid per store.

Kept per rolling window of ``WINDOW_WEEKS`` weeks rather than per week, because the statistics
page ranks every store by disputes per order paid over its window: one row per store to read
(the window's), not one per store and week. A paid order adds to the ``WINDOW_WEEKS`` windows
holding its week, in the transaction that records it (``services.checkout``).
"""

from collections import Counter
from datetime import UTC

from django.db.models import Count
from django.db.models.functions import TruncWeek

from portal.tallies import services as tallies

#: Orders paid per store over the window ending with the period's week.
PAID = "orders.paid.window"


def order_paid(order) -> list[tallies.Increment]:
    """What recording a paid order adds."""
    return tallies.in_windows(PAID, order.store_id, order.paid_at)


def rebuild(apps) -> None:
    """Make the orders' tallies what the orders say: one aggregate of the orders by store and
    week, spread over the windows in Python (thousands of rows, not millions). ``apps`` is a
    migration's app registry or ``django.apps.apps``."""
    order_model = apps.get_model("orders", "Order")
    counts: Counter = Counter()
    weekly = (
        order_model.objects.annotate(week=TruncWeek("paid_at", tzinfo=UTC))
        .values("store_id", "week")
        .annotate(n=Count("pk"))
        .values_list("store_id", "week", "n")
        .order_by()
    )
    for store_id, week, n in weekly:
        for last in tallies.windows_holding(week.date()):
            counts[PAID, store_id, last, 0] += n
    tallies.replace([PAID], counts, model=apps.get_model("tallies", "Tally"))
