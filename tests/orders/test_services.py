"""Every write use case of the orders side, every transition and every deadline edge."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from orders import policy, refunds, selectors, services
from orders.models import (
    Carrier,
    FreeReturnCountry,
    Order,
    OrderEvent,
    Refund,
    Shipment,
    Store,
)
from orders.payments import FakePaymentProvider
from orders.services import ActionNotAllowed, DeadlinePassed, ExtensionNotAllowed, RefundExceedsPaid
from portal.notifications.models import Notification
from tests.factories import (
    completed_order,
    confirm,
    deliver,
    delivered_order,
    ship,
    shipped_order,
)

pytestmark = pytest.mark.django_db

S = Order.State
T = OrderEvent.Type
SECOND = timedelta(seconds=1)

EXPRESS = [Carrier.DHL, Carrier.TNT, Carrier.UPS, Carrier.FEDEX]
EMS = [Carrier.EMS, Carrier.SF_EXPRESS]
POSTAL = [Carrier.CHINA_POST, Carrier.HONGKONG_POST, Carrier.OTHER_POST]


def event_types(order: Order) -> list[str]:
    return list(order.events.order_by("created_at", "id").values_list("type", flat=True))


def issue(order: Order, amount: str, *, now, reason: str = Refund.Reason.DISPUTE) -> Refund:
    """Issue a refund the way a dispute does: holding the order's lock."""
    with transaction.atomic():
        return services.issue_refund(
            order=services.lock_order(order.pk), amount=Decimal(amount), reason=reason, now=now
        )


def hold(order: Order, *, now) -> Order:
    with transaction.atomic():
        return services.hold_for_dispute(order=services.lock_order(order.pk), now=now)


def release(order: Order, *, now, finished: bool) -> Order:
    with transaction.atomic():
        return services.release_from_dispute(order=services.lock_order(order.pk), now=now, finished=finished)


# --- ship_order --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("carrier", "days"),
    [(carrier, 23) for carrier in EXPRESS] + [(carrier, 27) for carrier in EMS] + [(c, 39) for c in POSTAL],
)
def test_shipping_protects_the_buyer_for_as_long_as_the_carrier_class_allows(
    order, seller, now, carrier, days
):
    shipped_at = now + timedelta(days=2)

    services.ship_order(
        order=order, seller=seller, carrier=carrier, tracking_number="LX123456789CN", now=shipped_at
    )

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.shipped_at == shipped_at
    assert order.protection_ends_at == shipped_at + timedelta(days=days)
    assert order.deadline_at == order.protection_ends_at
    assert order.deadline_kind == Order.DeadlineKind.AUTO_CONFIRM


def test_shipping_records_the_parcel_and_writes_it_on_the_timeline(order, seller, now):
    services.ship_order(
        order=order, seller=seller, carrier=Carrier.EMS, tracking_number="  EE123456789CN ", now=now
    )

    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number, shipment.shipped_at) == (
        Carrier.EMS,
        "EE123456789CN",
        now,
    )
    event = order.events.get(type=T.SHIPPED)
    assert event.actor == seller
    assert event.created_at == now
    assert event.note == "EMS EE123456789CN"
    assert event.data == {"carrier": "ems", "tracking_number": "EE123456789CN"}


def test_shipping_tells_the_buyer_in_app_and_by_email(
    order, seller, buyer, now, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ship(order, at=now + timedelta(days=1))

    notification = Notification.objects.get(recipient=buyer, kind="order.shipped")
    assert order.number in notification.title
    assert [message.to for message in mailoutbox] == [[buyer.email]]
    assert mailoutbox[0].subject == f"Order {order.number} has shipped"
    assert not Notification.objects.filter(recipient=seller).exists()


@pytest.mark.parametrize("stranger", ["buyer", "other_seller"])
def test_only_the_stores_owner_can_ship_an_order(request, order, now, stranger):
    actor = request.getfixturevalue(stranger)

    with pytest.raises(ActionNotAllowed):
        services.ship_order(
            order=order, seller=actor, carrier=Carrier.DHL, tracking_number="LX123456789CN", now=now
        )

    order.refresh_from_db()
    assert order.state == S.PAID
    assert order.shipped_at is None
    assert not Shipment.objects.filter(order=order).exists()
    assert not order.events.exists()


def test_an_order_cannot_be_shipped_twice(order, seller, now):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ActionNotAllowed):
        services.ship_order(
            order=order, seller=seller, carrier=Carrier.UPS, tracking_number="1Z999AA10123456784", now=now
        )

    assert Shipment.objects.get(order=order).carrier == Carrier.DHL
    assert event_types(order) == [T.SHIPPED]


def test_the_seller_can_ship_one_second_before_the_handling_time_ends(order, seller):
    at = order.handling_due_at - SECOND

    services.ship_order(
        order=order, seller=seller, carrier=Carrier.DHL, tracking_number="LX123456789CN", now=at
    )

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.shipped_at == at


@pytest.mark.parametrize("offset", [timedelta(0), SECOND], ids=["at-the-deadline", "1s-after"])
def test_the_seller_cannot_ship_once_the_handling_time_is_over_even_before_the_sweep_runs(
    order, seller, offset
):
    with pytest.raises(DeadlinePassed, match=r"handling time ended on .*: the order was cancelled"):
        services.ship_order(
            order=order,
            seller=seller,
            carrier=Carrier.DHL,
            tracking_number="LX123456789CN",
            now=order.handling_due_at + offset,
        )

    # The late seller meets the outcome the sweep would have applied: cancelled and refunded.
    order.refresh_from_db()
    assert order.state == S.CANCELLED
    assert order.events.filter(type=T.AUTO_CANCELLED).count() == 1
    assert [r.amount for r in order.refunds.all()] == [order.total_paid]
    assert not Shipment.objects.filter(order=order).exists()


# --- mark_order_delivered ----------------------------------------------------------------------
def test_delivery_shrinks_the_remaining_protection_to_5_days(order, now):
    ship(order, at=now + timedelta(days=1))
    delivered_at = now + timedelta(days=4)

    services.mark_order_delivered(order=order, actor=None, now=delivered_at)

    order.refresh_from_db()
    assert order.state == S.DELIVERED
    assert order.delivered_at == delivered_at
    assert order.protection_ends_at == delivered_at + timedelta(days=5)
    assert (order.deadline_at, order.deadline_kind) == (
        delivered_at + timedelta(days=5),
        Order.DeadlineKind.AUTO_CONFIRM,
    )
    assert Shipment.objects.get(order=order).delivered_at == delivered_at
    event = order.events.get(type=T.DELIVERED)
    assert (event.actor, event.created_at) == (None, delivered_at)


def test_delivery_keeps_protection_that_was_already_shorter_than_5_days(order, now):
    ship(order, at=now + timedelta(days=1))
    protection_ends_at = now + timedelta(days=24)

    services.mark_order_delivered(order=order, actor=None, now=protection_ends_at - timedelta(days=2))

    order.refresh_from_db()
    assert order.state == S.DELIVERED
    assert order.protection_ends_at == protection_ends_at
    assert order.deadline_at == protection_ends_at


@pytest.mark.parametrize(
    ("offset", "shrinks_by"),
    [(-SECOND, SECOND), (timedelta(0), timedelta(0)), (SECOND, timedelta(0))],
    ids=["1s-before-5-days-left", "exactly-5-days-left", "1s-after-5-days-left"],
)
def test_delivery_when_about_5_days_of_protection_are_left(order, now, offset, shrinks_by):
    ship(order, at=now + timedelta(days=1))
    protection_ends_at = now + timedelta(days=24)

    services.mark_order_delivered(
        order=order, actor=None, now=protection_ends_at - timedelta(days=5) + offset
    )

    order.refresh_from_db()
    assert order.protection_ends_at == protection_ends_at - shrinks_by


@pytest.mark.parametrize("stranger", ["seller", "buyer", "other_seller", "other_buyer", "staff_non_mediator"])
def test_only_the_carrier_or_a_mediator_can_record_a_delivery(request, order, now, stranger):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ActionNotAllowed):
        services.mark_order_delivered(
            order=order,
            actor=request.getfixturevalue(stranger),
            now=now + timedelta(days=3),
            reason="Arrived",
        )

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.delivered_at is None
    assert order.protection_ends_at == now + timedelta(days=24)


def test_an_unshipped_order_cannot_be_delivered(order, now):
    with pytest.raises(ActionNotAllowed):
        services.mark_order_delivered(order=order, actor=None, now=now + timedelta(days=1))

    order.refresh_from_db()
    assert order.state == S.PAID
    assert order.delivered_at is None


def test_an_order_cannot_be_delivered_twice(order, now):
    ship(order, at=now + timedelta(days=1))
    deliver(order, at=now + timedelta(days=3))

    with pytest.raises(ActionNotAllowed):
        services.mark_order_delivered(order=order, actor=None, now=now + timedelta(days=4))

    order.refresh_from_db()
    assert order.delivered_at == now + timedelta(days=3)
    assert event_types(order) == [T.SHIPPED, T.DELIVERED]


# --- confirm_receipt ---------------------------------------------------------------------------
@pytest.mark.parametrize("delivered", [False, True], ids=["in-transit", "delivered"])
def test_confirming_receipt_opens_the_15_day_dispute_window_before_settlement(order, buyer, now, delivered):
    ship(order, at=now + timedelta(days=1))
    if delivered:
        deliver(order, at=now + timedelta(days=3))
    confirmed_at = now + timedelta(days=4)

    services.confirm_receipt(order=order, buyer=buyer, now=confirmed_at)

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.confirmed_at == confirmed_at
    assert order.confirmed_automatically is False
    assert order.dispute_window_ends_at == confirmed_at + timedelta(days=15)
    assert (order.deadline_at, order.deadline_kind) == (
        confirmed_at + timedelta(days=15),
        Order.DeadlineKind.SETTLE,
    )
    event = order.events.get(type=T.CONFIRMED)
    assert (event.actor, event.created_at) == (buyer, confirmed_at)


@pytest.mark.parametrize("stranger", ["seller", "other_buyer"])
def test_only_the_buyer_can_confirm_receipt(request, order, now, stranger):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ActionNotAllowed):
        services.confirm_receipt(order=order, buyer=request.getfixturevalue(stranger), now=now)

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.confirmed_at is None


def test_an_unshipped_order_cannot_be_confirmed(order, buyer, now):
    with pytest.raises(ActionNotAllowed):
        services.confirm_receipt(order=order, buyer=buyer, now=now + timedelta(days=1))

    order.refresh_from_db()
    assert order.state == S.PAID


def test_receipt_cannot_be_confirmed_twice(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    confirm(order, at=now + timedelta(days=3))

    with pytest.raises(ActionNotAllowed):
        services.confirm_receipt(order=order, buyer=buyer, now=now + timedelta(days=4))

    order.refresh_from_db()
    assert order.confirmed_at == now + timedelta(days=3)


def test_receipt_cannot_be_confirmed_while_a_dispute_holds_the_order(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    hold(order, now=now + timedelta(days=2))

    with pytest.raises(ActionNotAllowed):
        services.confirm_receipt(order=order, buyer=buyer, now=now + timedelta(days=3))

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.on_hold


# --- request_protection_extension --------------------------------------------------------------
def test_the_buyer_can_ask_for_a_protection_extension(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    asked_at = now + timedelta(days=20)

    services.request_protection_extension(
        order=order, buyer=buyer, note="  Tracking has not moved for two weeks. ", now=asked_at
    )

    order.refresh_from_db()
    assert order.extension_requested_at == asked_at
    assert order.extension_request_note == "Tracking has not moved for two weeks."
    assert order.protection_ends_at == now + timedelta(days=24)
    event = order.events.get(type=T.EXTENSION_REQUESTED)
    assert (event.actor, event.note) == (buyer, "Tracking has not moved for two weeks.")


def test_asking_for_an_extension_emails_the_seller(
    order, buyer, seller, now, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    ship(order, at=now + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        services.request_protection_extension(order=order, buyer=buyer, note="Late", now=now)

    assert [message.to for message in mailoutbox] == [[seller.email]]
    assert "more protection time" in mailoutbox[0].subject


def test_the_buyer_can_ask_one_second_before_protection_ends(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    protection_ends_at = now + timedelta(days=24)

    services.request_protection_extension(order=order, buyer=buyer, note="", now=protection_ends_at - SECOND)

    order.refresh_from_db()
    assert order.extension_requested_at == protection_ends_at - SECOND


@pytest.mark.parametrize("offset", [timedelta(0), SECOND], ids=["at-the-deadline", "1s-after"])
def test_the_buyer_cannot_ask_once_protection_has_ended(order, buyer, now, offset):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(DeadlinePassed, match="receipt was confirmed automatically"):
        services.request_protection_extension(
            order=order, buyer=buyer, note="", now=now + timedelta(days=24) + offset
        )

    order.refresh_from_db()
    assert order.extension_requested_at is None
    assert (order.state, order.confirmed_automatically) == (S.COMPLETED, True)
    assert not order.events.filter(type=T.EXTENSION_REQUESTED).exists()


@pytest.mark.parametrize("stranger", ["seller", "other_buyer"])
def test_only_the_buyer_can_ask_for_an_extension(request, order, now, stranger):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ExtensionNotAllowed):
        services.request_protection_extension(
            order=order, buyer=request.getfixturevalue(stranger), note="", now=now + timedelta(days=2)
        )

    order.refresh_from_db()
    assert order.extension_requested_at is None
    assert not order.events.filter(type=T.EXTENSION_REQUESTED).exists()


def test_the_buyer_cannot_ask_again_while_a_request_is_pending(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    services.request_protection_extension(order=order, buyer=buyer, note="first", now=now + timedelta(days=2))

    with pytest.raises(ExtensionNotAllowed):
        services.request_protection_extension(
            order=order, buyer=buyer, note="second", now=now + timedelta(days=3)
        )

    order.refresh_from_db()
    assert order.extension_request_note == "first"
    assert order.events.filter(type=T.EXTENSION_REQUESTED).count() == 1


def test_protection_is_extended_only_once(order, buyer, seller, now):
    ship(order, at=now + timedelta(days=1))
    services.request_protection_extension(order=order, buyer=buyer, note="", now=now + timedelta(days=2))
    services.grant_protection_extension(order=order, seller=seller, days=10, now=now + timedelta(days=3))

    with pytest.raises(ExtensionNotAllowed):
        services.request_protection_extension(order=order, buyer=buyer, note="", now=now + timedelta(days=4))

    order.refresh_from_db()
    assert order.extensions_granted == 1
    assert order.extension_requested_at is None


@pytest.mark.parametrize("stage", ["paid", "completed", "on_hold"])
def test_an_extension_can_only_be_asked_for_while_protection_runs(order, buyer, now, stage):
    if stage != "paid":
        ship(order, at=now + timedelta(days=1))
    if stage == "completed":
        confirm(order, at=now + timedelta(days=2))
    if stage == "on_hold":
        hold(order, now=now + timedelta(days=2))

    with pytest.raises(ExtensionNotAllowed):
        services.request_protection_extension(order=order, buyer=buyer, note="", now=now + timedelta(days=3))

    order.refresh_from_db()
    assert order.extension_requested_at is None


# --- grant / decline ---------------------------------------------------------------------------
@pytest.fixture
def extension_requested(order, buyer, now):
    ship(order, at=now + timedelta(days=1))
    return services.request_protection_extension(
        order=order, buyer=buyer, note="Parcel stuck in customs", now=now + timedelta(days=20)
    )


@pytest.mark.parametrize("days", [1, 15, 30])
def test_the_seller_extends_protection_by_the_days_granted(extension_requested, seller, now, days):
    order = extension_requested

    services.grant_protection_extension(order=order, seller=seller, days=days, now=now + timedelta(days=21))

    order.refresh_from_db()
    assert order.protection_ends_at == now + timedelta(days=24 + days)
    assert (order.deadline_at, order.deadline_kind) == (
        now + timedelta(days=24 + days),
        Order.DeadlineKind.AUTO_CONFIRM,
    )
    assert order.extensions_granted == 1
    assert order.extension_requested_at is None
    event = order.events.get(type=T.EXTENSION_GRANTED)
    assert event.actor == seller
    assert event.data["days"] == days


@pytest.mark.parametrize("days", [-1, 0, 31])
def test_the_seller_cannot_grant_fewer_than_1_or_more_than_30_days(extension_requested, seller, now, days):
    order = extension_requested

    with pytest.raises(ExtensionNotAllowed, match="between 1 and 30"):
        services.grant_protection_extension(
            order=order, seller=seller, days=days, now=now + timedelta(days=21)
        )

    order.refresh_from_db()
    assert order.protection_ends_at == now + timedelta(days=24)
    assert order.extensions_granted == 0
    assert order.extension_requested_at is not None


def test_an_extension_granted_after_protection_lapsed_is_too_late(extension_requested, seller, now):
    """Protection that ended is not revived by a grant that arrives before the sweep: receipt was
    confirmed automatically at the deadline, and the seller is told so."""
    order = extension_requested
    granted_at = now + timedelta(days=24) + timedelta(hours=1)

    with pytest.raises(DeadlinePassed, match="Buyer protection ended on"):
        services.grant_protection_extension(order=order, seller=seller, days=5, now=granted_at)

    order.refresh_from_db()
    assert (order.state, order.confirmed_automatically) == (S.COMPLETED, True)
    assert order.extensions_granted == 0


@pytest.mark.parametrize("stranger", ["buyer", "other_seller"])
def test_only_the_seller_can_grant_an_extension(request, extension_requested, now, stranger):
    order = extension_requested

    with pytest.raises(ExtensionNotAllowed):
        services.grant_protection_extension(
            order=order, seller=request.getfixturevalue(stranger), days=10, now=now + timedelta(days=21)
        )

    order.refresh_from_db()
    assert order.protection_ends_at == now + timedelta(days=24)
    assert order.extensions_granted == 0


def test_the_seller_cannot_grant_an_extension_nobody_asked_for(order, seller, now):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ExtensionNotAllowed):
        services.grant_protection_extension(order=order, seller=seller, days=10, now=now + timedelta(days=2))

    order.refresh_from_db()
    assert order.protection_ends_at == now + timedelta(days=24)


def test_the_seller_cannot_grant_the_same_request_twice(extension_requested, seller, now):
    order = extension_requested
    services.grant_protection_extension(order=order, seller=seller, days=10, now=now + timedelta(days=21))

    with pytest.raises(ExtensionNotAllowed):
        services.grant_protection_extension(order=order, seller=seller, days=10, now=now + timedelta(days=22))

    order.refresh_from_db()
    assert order.protection_ends_at == now + timedelta(days=34)
    assert order.extensions_granted == 1


def test_an_extension_cannot_be_granted_once_the_buyer_has_confirmed(extension_requested, buyer, seller, now):
    order = extension_requested
    confirm(order, at=now + timedelta(days=21))

    with pytest.raises(ExtensionNotAllowed, match="no extension request"):
        services.grant_protection_extension(order=order, seller=seller, days=10, now=now + timedelta(days=22))

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.deadline_kind == Order.DeadlineKind.SETTLE
    assert order.extensions_granted == 0


def test_the_seller_can_decline_an_extension(extension_requested, seller, now):
    order = extension_requested

    services.decline_protection_extension(order=order, seller=seller, now=now + timedelta(days=21))

    order.refresh_from_db()
    assert order.extension_requested_at is None
    assert order.extensions_granted == 0
    assert order.protection_ends_at == now + timedelta(days=24)
    assert order.events.get(type=T.EXTENSION_DECLINED).actor == seller


@pytest.mark.parametrize("stranger", ["buyer", "other_seller"])
def test_only_the_seller_can_decline_an_extension(request, extension_requested, now, stranger):
    order = extension_requested

    with pytest.raises(ExtensionNotAllowed):
        services.decline_protection_extension(
            order=order, seller=request.getfixturevalue(stranger), now=now + timedelta(days=21)
        )

    order.refresh_from_db()
    assert order.extension_requested_at == now + timedelta(days=20)


def test_the_seller_cannot_decline_an_extension_nobody_asked_for(order, seller, now):
    ship(order, at=now + timedelta(days=1))

    with pytest.raises(ExtensionNotAllowed):
        services.decline_protection_extension(order=order, seller=seller, now=now + timedelta(days=2))

    assert not order.events.filter(type=T.EXTENSION_DECLINED).exists()


# --- update_return_policy ----------------------------------------------------------------------
def test_the_owner_saves_the_return_policy_and_joins_the_free_return_programme(store, seller):
    services.update_return_policy(
        store=store,
        seller=seller,
        changes={
            "accepts_returns": True,
            "return_window_days": 30,
            "return_shipping_paid_by": Store.ReturnShippingPayer.SELLER,
            "refund_without_return_threshold": Decimal("5.00"),
            "refund_without_return_currency": "USD",
            "returns_used_items": True,
        },
        free_return_countries=["US", "RU"],
    )

    store.refresh_from_db()
    assert store.return_window_days == 30
    assert store.return_shipping_paid_by == Store.ReturnShippingPayer.SELLER
    assert (store.refund_without_return_threshold, store.refund_without_return_currency) == (
        Decimal("5.00"),
        "USD",
    )
    assert store.returns_used_items is True
    programme = {p.country: (p.max_item_value, p.currency) for p in store.free_return_countries.all()}
    assert programme == {"US": (Decimal("50.00"), "USD"), "RU": (Decimal("3000.00"), "RUB")}


def test_leaving_a_country_out_removes_it_from_the_programme_and_keeps_the_rest(store, seller):
    services.update_return_policy(store=store, seller=seller, changes={}, free_return_countries=["US", "FR"])
    us = store.free_return_countries.get(country="US")

    services.update_return_policy(store=store, seller=seller, changes={}, free_return_countries=["US", "ES"])

    assert set(store.free_return_countries.values_list("country", flat=True)) == {"US", "ES"}
    assert store.free_return_countries.get(country="US").pk == us.pk


def test_only_the_stores_owner_can_change_its_return_policy(store, other_seller):
    with pytest.raises(ActionNotAllowed):
        services.update_return_policy(
            store=store, seller=other_seller, changes={"accepts_returns": False}, free_return_countries=["US"]
        )

    store.refresh_from_db()
    assert store.accepts_returns is True
    assert not FreeReturnCountry.objects.filter(store=store).exists()


@pytest.mark.parametrize("days", [14, 30])
def test_a_return_window_of_14_to_30_days_is_accepted(store, seller, days):
    services.update_return_policy(
        store=store, seller=seller, changes={"return_window_days": days}, free_return_countries=[]
    )

    store.refresh_from_db()
    assert store.return_window_days == days


@pytest.mark.parametrize("days", [13, 31])
def test_a_return_window_outside_14_to_30_days_is_refused(store, seller, days):
    with pytest.raises(ValidationError):
        services.update_return_policy(
            store=store, seller=seller, changes={"return_window_days": days}, free_return_countries=[]
        )

    store.refresh_from_db()
    assert store.return_window_days == policy.RETURN_WINDOW_DEFAULT_DAYS


# --- issue_refund ------------------------------------------------------------------------------
def test_issuing_a_refund_writes_a_pending_ledger_entry_and_a_timeline_event(now):
    order = shipped_order(paid_at=now)

    refund = issue(order, "25.00", now=now + timedelta(days=3))

    assert refund.order == order
    assert (refund.amount, refund.currency) == (Decimal("25.00"), "USD")
    assert refund.reason == Refund.Reason.DISPUTE
    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 0
    assert refund.created_at == now + timedelta(days=3)
    assert refund.next_attempt_at == now + timedelta(days=3) + policy.REFUND_RETRY_DELAY
    event = order.events.get(type=T.REFUND_ISSUED)
    assert event.data == {"refund": refund.pk, "amount": "25.00", "currency": "USD"}
    assert selectors.refunded_total(order) == Decimal("25.00")
    assert services.refundable_amount(order) == Decimal("35.00")


def test_a_refund_is_paid_by_its_job_once_the_transaction_commits(
    now, celery_eager, django_capture_on_commit_callbacks
):
    order = shipped_order(paid_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        refund = issue(order, "25.00", now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert refund.next_attempt_at is None
    assert refund.provider_reference == f"fake-{refund.idempotency_key.hex[:16]}"
    assert order.events.get(type=T.REFUND_PAID).data["amount"] == "25.00"


def test_refunds_may_add_up_to_exactly_what_was_paid(now):
    order = shipped_order(paid_at=now)
    issue(order, "40.00", now=now)

    issue(order, "20.00", now=now)

    assert selectors.refunded_total(order) == Decimal("60.00")
    assert services.refundable_amount(order) == Decimal("0.00")


@pytest.mark.parametrize("amount", ["20.01", "60.00", "1000.00"])
def test_a_refund_never_exceeds_what_was_paid_minus_what_was_refunded(now, amount):
    order = shipped_order(paid_at=now)
    issue(order, "40.00", now=now)

    with pytest.raises(RefundExceedsPaid):
        issue(order, amount, now=now)

    assert list(order.refunds.values_list("amount", flat=True)) == [Decimal("40.00")]


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_refund_must_be_positive(now, amount):
    order = shipped_order(paid_at=now)

    with pytest.raises(RefundExceedsPaid):
        issue(order, amount, now=now)

    assert not order.refunds.exists()
    assert not order.events.filter(type=T.REFUND_ISSUED).exists()


def test_a_failed_refund_does_not_count_against_what_can_still_be_refunded(now, flaky_provider):
    order = shipped_order(paid_at=now)
    failed = issue(order, "60.00", now=now)
    flaky_provider.refusals_left = 1
    refunds.pay_refund(refund_id=failed.pk, now=now)

    retry = issue(order, "60.00", now=now + timedelta(hours=1))

    failed.refresh_from_db()
    assert failed.status == Refund.Status.FAILED
    assert retry.amount == Decimal("60.00")
    assert selectors.refunded_total(order) == Decimal("60.00")


def test_the_refunded_total_reads_the_same_from_prefetched_refunds_and_from_a_locked_sum(now, flaky_provider):
    order = shipped_order(paid_at=now)
    failed = issue(order, "50.00", now=now)
    flaky_provider.refusals_left = 1
    refunds.pay_refund(refund_id=failed.pk, now=now)
    issue(order, "20.00", now=now)

    def prefetched():
        return Order.objects.prefetch_related("refunds").get(pk=order.pk)

    def summed():  # as the sweep locks orders
        return Order.objects.annotate(refunded_so_far=services.refunded_sum()).get(pk=order.pk)

    assert selectors.refunded_total(prefetched()) == selectors.refunded_total(summed()) == Decimal("20.00")
    for read, expected in ((prefetched, "25.00"), (summed, "30.00")):
        instance = read()
        with transaction.atomic():
            services.issue_refund(
                order=instance, amount=Decimal("5.00"), reason=Refund.Reason.DISPUTE, now=now
            )
        # The instance a refund went through knows it, as the database does.
        assert selectors.refunded_total(instance) == Decimal(expected)
        assert selectors.refunded_total(Order.objects.get(pk=order.pk)) == Decimal(expected)


# --- pay_refund --------------------------------------------------------------------------------
def test_paying_a_refund_pays_it_through_the_provider(now):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    paid_at = now + timedelta(minutes=1)

    refunds.pay_refund(refund_id=refund.pk, now=paid_at)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert refund.paid_at == paid_at
    assert refund.attempts == 1
    assert refund.next_attempt_at is None
    reference = f"fake-{refund.idempotency_key.hex[:16]}"
    assert refund.provider_reference == reference
    event = order.events.get(type=T.REFUND_PAID)
    assert event.data == {"refund": refund.pk, "amount": "25.00", "reference": reference}


def test_paying_a_refund_twice_pays_it_once(now, flaky_provider):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)

    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(minutes=1))
    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(minutes=2))

    refund.refresh_from_db()
    assert flaky_provider.calls == 1
    assert refund.attempts == 1
    assert refund.paid_at == now + timedelta(minutes=1)
    assert order.events.filter(type=T.REFUND_PAID).count() == 1


def test_a_duplicate_job_message_pays_nothing_more(now, celery_eager, flaky_provider):
    from orders.tasks import pay_refund

    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)

    pay_refund.delay(refund_id=refund.pk)
    pay_refund.delay(refund_id=refund.pk)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert flaky_provider.calls == 1
    assert order.events.filter(type=T.REFUND_PAID).count() == 1


def test_the_provider_never_pays_one_idempotency_key_twice(now):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    provider = FakePaymentProvider()
    call = {
        "idempotency_key": refund.idempotency_key,
        "order_number": order.number,
        "amount": refund.amount,
        "currency": refund.currency,
    }

    first, second = provider.refund(**call), provider.refund(**call)

    assert first == second
    assert first.reference == f"fake-{refund.idempotency_key.hex[:16]}"


def test_a_provider_error_keeps_the_refund_pending_and_retries_with_growing_delays(now, flaky_provider):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    flaky_provider.failures_left = 2

    refunds.pay_refund(refund_id=refund.pk, now=now)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 1
    assert refund.failure_reason == "provider unavailable"
    assert refund.next_attempt_at == now + policy.REFUND_RETRY_DELAY

    later = now + timedelta(minutes=5)
    refunds.pay_refund(refund_id=refund.pk, now=later)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 2
    assert refund.next_attempt_at == later + 2 * policy.REFUND_RETRY_DELAY
    assert refund.provider_reference == ""

    refunds.pay_refund(refund_id=refund.pk, now=later + timedelta(minutes=10))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert refund.attempts == 3
    assert refund.failure_reason == ""
    assert refund.provider_reference == f"fake-{refund.idempotency_key.hex[:16]}"
    assert flaky_provider.calls == 3


def test_a_provider_down_past_refund_max_attempts_keeps_the_refund_pending_and_never_fails_it(
    now, flaky_provider
):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    flaky_provider.failures_left = policy.REFUND_MAX_ATTEMPTS + 1

    for attempt in range(1, policy.REFUND_MAX_ATTEMPTS + 2):
        refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(hours=attempt))
        refund.refresh_from_db()
        assert refund.status == Refund.Status.PENDING
    assert refund.attempts == policy.REFUND_MAX_ATTEMPTS + 1
    assert not order.events.filter(type=T.REFUND_FAILED).exists()

    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(days=1))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert flaky_provider.calls == policy.REFUND_MAX_ATTEMPTS + 2


def test_a_refund_the_provider_refuses_is_marked_failed_at_once(now, flaky_provider):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    flaky_provider.refusals_left = 1

    refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert refund.attempts == 1
    assert refund.next_attempt_at is None
    assert refund.failure_reason == "card closed"
    assert order.events.get(type=T.REFUND_FAILED).data == {
        "refund": refund.pk,
        "amount": "25.00",
        "currency": "USD",
    }
    assert refund.provider_reference == ""


def test_a_failed_refund_is_not_paid_by_a_late_job(now, flaky_provider):
    order = shipped_order(paid_at=now)
    refund = issue(order, "25.00", now=now)
    flaky_provider.refusals_left = 1
    refunds.pay_refund(refund_id=refund.pk, now=now)

    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(hours=1))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert flaky_provider.calls == 1
    assert refund.provider_reference == ""


# --- hold_for_dispute / release_from_dispute ---------------------------------------------------
@pytest.mark.parametrize("stage", ["shipped", "delivered", "completed"])
def test_a_dispute_pauses_the_orders_clock(now, stage):
    order = {"shipped": shipped_order, "delivered": delivered_order, "completed": completed_order}[stage](
        paid_at=now
    )
    state = order.state

    hold(order, now=now + timedelta(days=6))

    order.refresh_from_db()
    assert order.on_hold is True
    assert order.state == state
    assert (order.deadline_at, order.deadline_kind) == (None, "")
    assert order.events.get(type=T.HELD).created_at == now + timedelta(days=6)


def test_a_withdrawn_dispute_restarts_the_clock_where_it_stood(now):
    order = shipped_order(paid_at=now)
    hold(order, now=now + timedelta(days=6))

    release(order, now=now + timedelta(days=8), finished=False)

    order.refresh_from_db()
    assert order.on_hold is False
    assert order.state == S.SHIPPED
    assert (order.deadline_at, order.deadline_kind) == (
        now + timedelta(days=24),
        Order.DeadlineKind.AUTO_CONFIRM,
    )
    assert order.events.filter(type=T.RESUMED).count() == 1


@pytest.mark.parametrize("stage", ["shipped", "delivered", "completed"])
def test_a_dispute_won_by_the_seller_releases_the_whole_payment_at_once(now, stage):
    order = {"shipped": shipped_order, "delivered": delivered_order, "completed": completed_order}[stage](
        paid_at=now
    )
    hold(order, now=now + timedelta(days=6))
    closed_at = now + timedelta(days=9)

    release(order, now=closed_at, finished=True)

    order.refresh_from_db()
    assert order.on_hold is False
    assert order.state == S.SETTLED
    assert order.settled_amount == Decimal("60.00")
    assert order.closed_at == closed_at
    assert (order.deadline_at, order.deadline_kind) == (None, "")
    assert order.events.filter(type=T.SETTLED).count() == 1


def test_a_partial_refund_settles_what_is_left_with_the_seller(now):
    order = shipped_order(paid_at=now)
    hold(order, now=now + timedelta(days=6))
    issue(order, "15.00", now=now + timedelta(days=9))

    release(order, now=now + timedelta(days=9), finished=True)

    order.refresh_from_db()
    assert order.state == S.SETTLED
    assert order.settled_amount == Decimal("45.00")
    assert order.confirmed_automatically is True
    assert event_types(order)[-3:] == [T.REFUND_ISSUED, T.AUTO_CONFIRMED, T.SETTLED]


def test_a_full_refund_closes_the_order_as_refunded(now):
    order = delivered_order(paid_at=now)
    hold(order, now=now + timedelta(days=6))
    issue(order, "60.00", now=now + timedelta(days=9))

    release(order, now=now + timedelta(days=9), finished=True)

    order.refresh_from_db()
    assert order.on_hold is False
    assert order.state == S.REFUNDED
    assert order.settled_amount == Decimal("0.00")
    assert order.closed_at == now + timedelta(days=9)
    assert (order.deadline_at, order.deadline_kind) == (None, "")
    assert order.events.filter(type=T.REFUNDED).count() == 1
    assert not order.events.filter(type=T.SETTLED).exists()
