"""Orders, refunds and stores in the mediation console: readable, never writable."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.models import Order, OrderEvent, Refund
from tests.factories import ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunded(order, now, flaky_provider, django_capture_on_commit_callbacks):
    """A shipped order with one paid and one failed refund."""
    order = ship(order, at=now + timedelta(days=1))
    flaky_provider.failures_left = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_refund(order=order, amount=Decimal("5.00"), reason=Refund.Reason.DISPUTE, now=now)
    flaky_provider.refusals_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_refund(order=order, amount=Decimal("7.00"), reason=Refund.Reason.DISPUTE, now=now)
    return order


def test_a_mediator_reads_an_order_with_its_items_shipment_refunds_and_timeline(client, mediator, refunded):
    client.force_login(mediator)

    page = client.get(reverse("admin:orders_order_change", args=[refunded.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    for expected in ("Wireless earbuds", "LX123456789CN", "5.00", "7.00", "Shipped", "Refund issued"):
        assert expected in html, expected
    assert 'name="_save"' not in html


def test_failed_refunds_are_found_by_filtering_the_ledger(client, mediator, refunded):
    client.force_login(mediator)

    failed = client.get(reverse("admin:orders_refund_changelist"), {"status__exact": Refund.Status.FAILED})

    html = failed.content.decode()
    assert "7.00" in html and "5.00" not in html


def test_orders_refunds_stores_and_events_cannot_be_added_changed_or_deleted(client, superuser, refunded):
    client.force_login(superuser)
    refund = refunded.refunds.first()
    checks = [
        client.get(reverse("admin:orders_order_add")),
        client.post(reverse("admin:orders_order_change", args=[refunded.pk]), {"total_paid": "1.00"}),
        client.post(reverse("admin:orders_order_delete", args=[refunded.pk]), {"post": "yes"}),
        client.get(reverse("admin:orders_refund_add")),
        client.post(reverse("admin:orders_refund_change", args=[refund.pk]), {"amount": "60.00"}),
        client.post(reverse("admin:orders_refund_delete", args=[refund.pk]), {"post": "yes"}),
        client.post(reverse("admin:orders_store_delete", args=[refunded.store_id]), {"post": "yes"}),
        client.post(reverse("admin:orders_store_change", args=[refunded.store_id]), {"name": "Renamed"}),
    ]

    assert [response.status_code for response in checks] == [403] * len(checks)
    refunded.refresh_from_db()
    assert refunded.total_paid == Decimal("60.00") and refunded.store.name == "Sam's Gadgets"
    assert Refund.objects.filter(order=refunded).count() == 2
    assert OrderEvent.objects.filter(order=refunded).exists()


def test_a_mediator_sees_stores_read_only(client, mediator, store):
    client.force_login(mediator)

    page = client.get(reverse("admin:orders_store_change", args=[store.pk]))

    assert page.status_code == 200 and "Sam&#x27;s Gadgets" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_the_order_list_searches_by_number_and_buyer(client, mediator, order):
    client.force_login(mediator)
    other = Order.objects.exclude(pk=order.pk).first()

    html = client.get(reverse("admin:orders_order_changelist"), {"q": "bella_buyer"}).content.decode()

    assert order.number in html
    assert other is None or other.number not in html
