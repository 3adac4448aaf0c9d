"""Deliveries recorded at the same moment from several sources: each is decided under the order's
row lock, so an order is delivered once and no write undoes another (PostgreSQL only)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from orders import services
from orders.models import Order, OrderEvent
from orders.tracking import TrackingUpdate, record_tracking_update
from tests.factories import OrderFactory, StoreFactory, UserFactory, ship
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

DAY = timedelta(days=1)
T = OrderEvent.Type


@pytest.fixture
def shipped(now):
    store = StoreFactory(owner=UserFactory(username="rita_seller"))
    return ship(OrderFactory(buyer=UserFactory(username="ron_buyer"), store=store, paid_at=now), at=now + DAY)


@pytest.fixture
def mediator():
    """A mediator; a transactional test starts from the last flush, so the Mediators group and its
    permissions are put back the way the migrations make them."""
    from tests.factories import mediator_user

    importlib.import_module("disputes.migrations.0003_mediators_group").create_group(apps, None)
    importlib.import_module("orders.migrations.0004_order_delivery_sources").grant(apps, None)
    return mediator_user(username="mona_mediator")


def delivered(at):
    return TrackingUpdate(carrier="dhl", tracking_number="LX123456789CN", status="delivered", occurred_at=at)


def test_the_same_carrier_update_twice_at_once_records_one_delivery(shipped, now):
    at = now + 3 * DAY

    results = run_concurrently(
        lambda: record_tracking_update(update=delivered(at), now=at),
        lambda: record_tracking_update(update=delivered(at), now=at),
    )

    assert sorted(results) in (["delivered", "not applied"], ["already delivered", "delivered"]), results
    assert OrderEvent.objects.filter(order=shipped, type=T.DELIVERED).count() == 1
    shipped.refresh_from_db()
    assert shipped.state == Order.State.DELIVERED
    assert shipped.protection_ends_at == at + 5 * DAY


def test_the_sellers_report_and_the_carriers_update_at_once_both_stand(shipped, now):
    at = now + 3 * DAY

    reported, tracked = run_concurrently(
        lambda: services.report_delivery(order=shipped, seller=shipped.store.owner, now=at),
        lambda: record_tracking_update(update=delivered(at), now=at),
    )

    shipped.refresh_from_db()
    assert tracked == "delivered"
    # The report comes first or finds the order delivered and is refused; it never undoes the delivery.
    assert shipped.state == Order.State.DELIVERED
    assert shipped.protection_ends_at == at + 5 * DAY
    if isinstance(reported, Exception):
        assert isinstance(reported, services.ActionNotAllowed), reported
        assert shipped.seller_reported_delivered_at is None
    else:
        assert shipped.seller_reported_delivered_at == at


def test_a_mediator_and_the_carrier_at_once_record_one_delivery(shipped, now, mediator):
    at = now + 3 * DAY

    by_mediator, by_carrier = run_concurrently(
        lambda: services.mark_order_delivered(order=shipped, actor=mediator, now=at, reason="Proof"),
        lambda: record_tracking_update(update=delivered(at), now=at),
    )

    events = OrderEvent.objects.filter(order=shipped, type__in=[T.DELIVERED, T.DELIVERY_RECORDED])
    assert events.count() == 1
    shipped.refresh_from_db()
    assert shipped.delivery_source in (Order.DeliverySource.CARRIER, Order.DeliverySource.MEDIATOR)
    assert isinstance(by_mediator, services.ActionNotAllowed) or by_carrier in (
        "not applied",
        "already delivered",
    )
