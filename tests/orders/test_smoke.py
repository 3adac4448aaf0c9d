from datetime import timedelta

import pytest

from orders.models import Order
from tests.factories import ship


@pytest.mark.django_db
def test_a_shipped_dhl_order_is_protected_for_23_days(order, now):
    order = ship(order, at=now + timedelta(days=1))

    assert order.state == Order.State.SHIPPED
    assert order.protection_ends_at == now + timedelta(days=24)
    assert order.deadline_at == order.protection_ends_at
