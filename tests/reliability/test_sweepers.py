"""Several sweepers side by side: each takes one buyer's share of the due rows, together they
apply every deadline exactly once, and they never wait for each other's locks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from disputes.models import BuyerStanding, Dispute, DisputeEvent
from orders.models import Order, OrderEvent, Refund
from portal import deadlines
from portal.tasks import enforce_deadlines
from tests.factories import OrderFactory, UserFactory, open_dispute_for, ship
from tests.reliability.conftest import POSTGRES_ONLY

DAY = timedelta(days=1)


def silent_seller_disputes(buyers, store, now, per_buyer: int) -> list[Dispute]:
    """Disputes the sellers never answer, several per buyer: closing each writes the buyer's
    standing, the row two sweepers would fight over if they shared buyers."""
    disputes = []
    for n in range(per_buyer):
        for buyer in buyers:
            order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
            disputes.append(
                open_dispute_for(order, at=now + 8 * DAY + timedelta(minutes=n), amount=Decimal("10.00"))
            )
    return disputes


@pytest.mark.django_db
def test_the_shares_of_a_sweep_cover_every_row_once_and_keep_each_buyer_in_one(store, now):
    buyers = [UserFactory() for _ in range(5)]
    orders = [OrderFactory(buyer=buyer, store=store, paid_at=now) for buyer in buyers for _ in range(2)]
    everything = Order.objects.filter(pk__in=[o.pk for o in orders])

    shares = [
        set(deadlines.Share(part, 3).of(everything, "buyer_id").values_list("pk", flat=True))
        for part in range(3)
    ]

    assert set().union(*shares) == {o.pk for o in orders}
    assert sum(len(share) for share in shares) == len(orders)
    for share in shares:
        buyers_here = {o.buyer_id for o in orders if o.pk in share}
        assert all(o.pk in share for o in orders if o.buyer_id in buyers_here)


@pytest.mark.django_db
def test_with_two_sweepers_the_beat_tick_queues_the_second_share_and_every_deadline_is_applied(
    store, now, time_machine, settings, celery_eager
):
    settings.SWEEPERS = 2
    buyers = [UserFactory() for _ in range(4)]
    orders = [OrderFactory(buyer=buyer, store=store, paid_at=now) for buyer in buyers]
    time_machine.move_to(now + 8 * DAY, tick=False)

    enforce_deadlines()  # the beat's tick: share 0 here, share 1 queued (run at once, eagerly)

    assert {Order.objects.get(pk=o.pk).state for o in orders} == {Order.State.CANCELLED}
    assert OrderEvent.objects.filter(order__in=orders, type=OrderEvent.Type.AUTO_CANCELLED).count() == 4
    assert Refund.objects.filter(order__in=orders).count() == 4


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_sweepers_side_by_side_close_every_dispute_once_without_deadlocks(store, now):
    buyers = [UserFactory() for _ in range(4)]
    disputes = silent_seller_disputes(buyers, store, now, per_buyer=6)
    deadlocks_before = _deadlocks()

    applied = deadlines.enforce_side_by_side(now=now + 30 * DAY, sweepers=3)

    assert applied["disputes"] == len(disputes)
    assert {d.state for d in Dispute.objects.filter(pk__in=[d.pk for d in disputes])} == {
        Dispute.State.RESOLVED_BUYER
    }
    assert DisputeEvent.objects.filter(
        dispute__in=disputes, type=DisputeEvent.Type.AUTO_RESOLVED
    ).count() == len(disputes)
    assert Refund.objects.filter(dispute__in=disputes).count() == len(disputes)
    for buyer in buyers:
        assert BuyerStanding.objects.get(buyer=buyer).wins_in_a_row == 6
    assert _deadlocks() == deadlocks_before
    # A second run finds nothing left to do.
    assert deadlines.enforce_side_by_side(now=now + 30 * DAY, sweepers=3)["disputes"] == 0


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]
