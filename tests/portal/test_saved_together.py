"""``portal.querying.saved_together``: a group of rows' changes in one UPDATE, with the checks a
row-by-row ``save()`` makes (the state each row had, nothing written when the block fails)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_fsm import ConcurrentTransition

from orders.models import Order
from portal.querying import saved_together
from tests.factories import OrderFactory, ship

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _orders(count: int) -> list[Order]:
    return [OrderFactory(paid_at=NOW - timedelta(hours=n)) for n in range(count)]


def test_each_row_gets_its_own_values_and_shared_ones_in_one_update():
    orders = _orders(3)
    with CaptureQueriesContext(connection) as captured, saved_together(orders):
        for n, order in enumerate(orders):
            order.settled_amount = Decimal("10.00") * n  # each its own
            order.on_hold = True  # the same for all
            if n == 1:
                order.closed_at = NOW  # one row only

    assert len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"]
    assert '"buyer_id"' not in sql.split("WHERE")[0]  # only what the block changed is written
    rows = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "settled_amount"))
    assert [rows[o.pk] for o in orders] == [Decimal("0.00"), Decimal("10.00"), Decimal("20.00")]
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("on_hold", flat=True)) == {
        True
    }
    assert [Order.objects.get(pk=o.pk).closed_at for o in orders] == [None, NOW, None]


def test_transitions_from_different_states_are_saved_and_the_instances_know_their_new_state():
    paid, shipped = _orders(2)
    shipped = ship(shipped, at=NOW)
    with CaptureQueriesContext(connection) as captured, saved_together([paid, shipped]):
        paid.cancel_unshipped(at=NOW)
        shipped.auto_confirm(at=NOW)

    assert len(captured.captured_queries) == 1
    assert Order.objects.get(pk=paid.pk).state == Order.State.CANCELLED
    assert Order.objects.get(pk=shipped.pk).state == Order.State.COMPLETED
    shipped.settle(at=NOW, amount=Decimal("1.00"))
    shipped.save()  # the instance knows it was completed: no ConcurrentTransition


def test_a_row_whose_state_changed_meanwhile_is_refused_and_nothing_is_written():
    orders = [ship(order, at=NOW) for order in _orders(2)]
    Order.objects.filter(pk=orders[1].pk).update(state=Order.State.DELIVERED)  # someone else did
    with pytest.raises(ConcurrentTransition), transaction.atomic(), saved_together(orders):
        for order in orders:
            order.on_hold = True

    assert not Order.objects.filter(pk__in=[order.pk for order in orders], on_hold=True).exists()


def test_nothing_is_written_when_the_block_fails_or_changes_nothing():
    orders = _orders(2)
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(RuntimeError), saved_together(orders):
            orders[0].on_hold = True
            raise RuntimeError
        with saved_together(orders):
            pass
    assert captured.captured_queries == []
    assert not Order.objects.get(pk=orders[0].pk).on_hold


def test_rows_that_share_a_value_are_named_together_in_its_case():
    orders = _orders(40)
    amounts = [Decimal("10.00"), Decimal("20.00"), None]
    with CaptureQueriesContext(connection) as captured, saved_together(orders):
        for n, order in enumerate(orders):
            order.settled_amount = amounts[n % 3]

    (query,) = captured.captured_queries
    assert query["sql"].count(" THEN ") == 3  # one WHEN per distinct value, not one per row
    rows = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "settled_amount"))
    assert [rows[o.pk] for o in orders] == [amounts[n % 3] for n in range(40)]
