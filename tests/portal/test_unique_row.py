"""``portal.querying.unique_row``: the row a unique key names, read without ``first()``'s
``ORDER BY pk LIMIT 1`` (which doubled PostgreSQL's planning of the dispute pages' gatekeeper)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import MultipleObjectsReturned
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.permissions import get_dispute_for_user
from orders.models import Order
from portal.querying import unique_row
from tests.factories import OrderFactory, delivered_order, open_dispute_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_the_row_a_unique_key_names_or_none():
    order = OrderFactory()

    assert unique_row(Order.objects.filter(number=order.number)) == order
    assert unique_row(Order.objects.filter(number="AE-NOSUCH")) is None


def test_a_filter_that_matches_two_rows_is_refused_not_cut_to_one():
    first, second = OrderFactory(), OrderFactory()

    with pytest.raises(MultipleObjectsReturned):
        unique_row(Order.objects.filter(pk__in=[first.pk, second.pk]))


def test_the_dispute_gatekeeper_reads_its_row_without_a_sort_or_a_limit():
    order = delivered_order(paid_at=NOW)
    dispute = open_dispute_for(order, at=NOW + timedelta(days=6))

    with CaptureQueriesContext(connection) as captured:
        found = get_dispute_for_user(order.buyer, dispute.pk)

    assert found == dispute
    assert found.order == order and found.buyer == order.buyer
    (query,) = captured.captured_queries
    outer = query["sql"].upper().rsplit(" WHERE ", 1)[1]  # after the subqueries' own LIMIT 1
    assert outer.endswith(f"= {dispute.pk}")  # the key, and no ORDER BY or LIMIT after it
