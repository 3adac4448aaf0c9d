"""Reusable queries: built once, run with each call's values, refusing what they cannot swap."""

import pytest

from orders.models import Order
from portal import querying
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_a_reusable_query_runs_with_each_calls_values(buyer, other_buyer, store, now):
    mine = OrderFactory(buyer=buyer, store=store, paid_at=now)
    theirs = OrderFactory(buyer=other_buyer, store=store, paid_at=now)
    built = []

    def build(buyer_id: int):
        built.append(buyer_id)
        return Order.objects.filter(buyer_id=buyer_id, on_hold=False).order_by("id")

    reusable = querying.Reusable(build, "buyer_id")

    assert [o.pk for o in Order.objects.raw(*reusable.sql(buyer_id=buyer.pk))] == [mine.pk]
    assert [o.pk for o in Order.objects.raw(*reusable.sql(buyer_id=other_buyer.pk))] == [theirs.pk]
    assert len(built) == 1  # built once, with a stand-in
    assert built[0] not in (buyer.pk, other_buyer.pk)


def test_a_value_the_query_does_not_keep_as_a_parameter_is_refused(buyer):
    reusable = querying.Reusable(lambda buyer_id: Order.objects.filter(on_hold=False), "buyer_id")

    with pytest.raises(ValueError, match="buyer_id did not reach the SQL"):
        reusable.sql(buyer_id=buyer.pk)
