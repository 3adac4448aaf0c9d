"""Delivery comes from the carrier, the buyer or a mediator; the seller's word never shortens
protection (SPEC "Delivery", issue 13 item 5)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from orders import services
from orders.models import Order, OrderEvent, Shipment
from orders.services import ActionNotAllowed
from portal.accounts.roles import MEDIATORS_GROUP
from portal.notifications.models import Notification
from tests.factories import confirm, deliver, ship

pytestmark = pytest.mark.django_db

S = Order.State
T = OrderEvent.Type
DAY = timedelta(days=1)


@pytest.fixture
def shipped(order, now):
    """Shipped with DHL a day after payment: protected for 23 days, until ``now + 24 days``."""
    return ship(order, at=now + DAY)


# --- the seller reports ------------------------------------------------------------------------
@pytest.mark.parametrize("after", [timedelta(seconds=1), 3 * DAY, 22 * DAY], ids=["1s", "3d", "22d"])
def test_the_seller_reporting_delivery_never_changes_protection(shipped, seller, now, after):
    before = (shipped.protection_ends_at, shipped.deadline_at, shipped.deadline_kind)

    services.report_delivery(order=shipped, seller=seller, now=shipped.shipped_at + after)

    shipped.refresh_from_db()
    assert (shipped.protection_ends_at, shipped.deadline_at, shipped.deadline_kind) == before
    assert shipped.protection_ends_at == now + 24 * DAY
    assert shipped.state == S.SHIPPED
    assert shipped.delivered_at is None and shipped.delivery_source == ""
    assert shipped.seller_reported_delivered_at == shipped.shipped_at + after
    event = shipped.events.get(type=T.DELIVERY_REPORTED)
    assert (event.actor, event.created_at) == (seller, shipped.shipped_at + after)


def test_the_buyer_is_told_the_seller_says_it_arrived_and_what_to_do(
    shipped, seller, buyer, now, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_delivery(order=shipped, seller=seller, now=now + 2 * DAY)

    notice = Notification.objects.get(recipient=buyer, kind="order.delivery_reported")
    assert notice.act_by == shipped.protection_ends_at
    assert not Notification.objects.filter(recipient=seller, kind="order.delivery_reported").exists()
    (mail,) = [m for m in mailoutbox if m.to == [buyer.email]]
    assert "says order" in mail.body and "Your protection is unchanged" in mail.body
    assert "Confirm receipt if it arrived, otherwise you can open a “not received” dispute now" in mail.body


@pytest.mark.parametrize("who", ["buyer", "other_seller", "other_buyer", "mediator"])
def test_only_the_seller_reports_delivery(request, shipped, now, who):
    with pytest.raises(ActionNotAllowed):
        services.report_delivery(order=shipped, seller=request.getfixturevalue(who), now=now + 2 * DAY)

    shipped.refresh_from_db()
    assert shipped.seller_reported_delivered_at is None


def test_the_seller_reports_delivery_once(shipped, seller, now):
    services.report_delivery(order=shipped, seller=seller, now=now + 2 * DAY)

    with pytest.raises(ActionNotAllowed):
        services.report_delivery(order=shipped, seller=seller, now=now + 3 * DAY)

    shipped.refresh_from_db()
    assert shipped.seller_reported_delivered_at == now + 2 * DAY
    assert shipped.events.filter(type=T.DELIVERY_REPORTED).count() == 1


def test_an_unshipped_or_delivered_order_cannot_be_reported_delivered(order, seller, now):
    with pytest.raises(ActionNotAllowed):
        services.report_delivery(order=order, seller=seller, now=now + DAY)
    deliver(ship(order, at=now + DAY), at=now + 2 * DAY)

    with pytest.raises(ActionNotAllowed):
        services.report_delivery(order=order, seller=seller, now=now + 3 * DAY)

    order.refresh_from_db()
    assert order.seller_reported_delivered_at is None


def test_a_carrier_delivery_after_the_sellers_report_still_shrinks_protection(shipped, seller, now):
    services.report_delivery(order=shipped, seller=seller, now=now + 2 * DAY)

    deliver(shipped, at=now + 4 * DAY)

    shipped.refresh_from_db()
    assert shipped.state == S.DELIVERED
    assert shipped.delivery_source == Order.DeliverySource.CARRIER
    assert shipped.protection_ends_at == now + 9 * DAY


# --- the carrier -------------------------------------------------------------------------------
def test_the_carriers_time_is_kept_and_the_5_days_run_from_when_the_portal_learns_of_it(shipped, now):
    learnt_at = now + 10 * DAY

    services.mark_order_delivered(order=shipped, actor=None, now=learnt_at, delivered_at=now + 3 * DAY)

    shipped.refresh_from_db()
    assert shipped.delivered_at == now + 3 * DAY
    assert shipped.delivery_source == Order.DeliverySource.CARRIER
    # Not now + 8 days (already past): the buyer gets the 5 days from when the portal knew.
    assert shipped.protection_ends_at == learnt_at + 5 * DAY
    assert Shipment.objects.get(order=shipped).delivered_at == now + 3 * DAY
    event = shipped.events.get(type=T.DELIVERED)
    assert event.actor is None
    assert event.data["source"] == "carrier"
    assert event.data["protection_ends_at"] == (learnt_at + 5 * DAY).isoformat()


@pytest.mark.parametrize(
    ("said", "kept"),
    [(-3 * DAY, 0 * DAY), (5 * DAY, 2 * DAY)],
    ids=["before-shipment-becomes-shipment", "in-the-future-becomes-now"],
)
def test_the_carriers_time_is_kept_between_shipment_and_now(shipped, now, said, kept):
    learnt_at = now + 3 * DAY

    services.mark_order_delivered(order=shipped, actor=None, now=learnt_at, delivered_at=now + said)

    shipped.refresh_from_db()
    assert shipped.delivered_at == now + DAY + kept


def test_delivery_never_lengthens_protection(shipped, now):
    learnt_at = shipped.protection_ends_at - DAY

    services.mark_order_delivered(order=shipped, actor=None, now=learnt_at)

    shipped.refresh_from_db()
    assert shipped.protection_ends_at == now + 24 * DAY


def test_a_delivery_learnt_after_protection_ended_is_refused(shipped, now):
    with pytest.raises(services.DeadlinePassed, match="receipt was confirmed automatically"):
        services.mark_order_delivered(order=shipped, actor=None, now=shipped.protection_ends_at)

    shipped.refresh_from_db()
    assert shipped.delivered_at is None
    assert (shipped.state, shipped.confirmed_automatically) == (S.COMPLETED, True)


# --- the buyer ---------------------------------------------------------------------------------
def test_the_buyer_confirming_receipt_is_a_delivery_source(shipped, now):
    confirm(shipped, at=now + 3 * DAY)

    shipped.refresh_from_db()
    assert shipped.state == S.COMPLETED
    assert shipped.delivered_at == now + 3 * DAY
    assert shipped.delivery_source == Order.DeliverySource.BUYER


def test_confirming_a_carrier_delivered_order_keeps_the_carriers_record(shipped, now):
    deliver(shipped, at=now + 3 * DAY)

    confirm(shipped, at=now + 4 * DAY)

    shipped.refresh_from_db()
    assert (shipped.delivered_at, shipped.delivery_source) == (now + 3 * DAY, Order.DeliverySource.CARRIER)


# --- a mediator --------------------------------------------------------------------------------
def test_a_mediator_records_a_delivery_with_a_reason(shipped, mediator, now):
    services.mark_order_delivered(
        order=shipped, actor=mediator, now=now + 5 * DAY, reason="  Signed proof of delivery from DHL  "
    )

    shipped.refresh_from_db()
    assert shipped.state == S.DELIVERED
    assert shipped.delivery_source == Order.DeliverySource.MEDIATOR
    assert shipped.protection_ends_at == now + 10 * DAY
    event = shipped.events.get(type=T.DELIVERY_RECORDED)
    assert (event.actor, event.note, event.created_at) == (
        mediator,
        "Signed proof of delivery from DHL",
        now + 5 * DAY,
    )


def test_a_mediator_must_say_why(shipped, mediator, now):
    with pytest.raises(ActionNotAllowed, match="Say why"):
        services.mark_order_delivered(order=shipped, actor=mediator, now=now + 5 * DAY, reason="   ")

    shipped.refresh_from_db()
    assert shipped.delivered_at is None


def test_a_mediator_without_the_permission_cannot_record_a_delivery(shipped, mediator, now):
    group = Group.objects.get(name=MEDIATORS_GROUP)
    group.permissions.remove(
        Permission.objects.get(content_type__app_label="orders", codename="record_delivery")
    )
    mediator = type(mediator).objects.get(pk=mediator.pk)  # forget the cached permissions

    with pytest.raises(ActionNotAllowed):
        services.mark_order_delivered(order=shipped, actor=mediator, now=now + 5 * DAY, reason="Proof")

    shipped.refresh_from_db()
    assert shipped.delivered_at is None


# --- the order page ----------------------------------------------------------------------------
@pytest.fixture
def page_clock(time_machine, now):
    time_machine.move_to(now + 3 * DAY, tick=False)
    return time_machine


def test_the_buyer_reads_what_the_seller_says_and_that_protection_still_runs(
    client, shipped, seller, buyer, now, page_clock
):
    services.report_delivery(order=shipped, seller=seller, now=now + 2 * DAY)
    client.force_login(buyer)

    html = client.get(reverse("orders:detail", args=[shipped.number])).content.decode()

    said = (
        "The seller says it was delivered on 3 Nov 2026, 12:00; your protection still runs until 25 Nov 2026"
    )
    assert said in html
    assert "you can open a “not received” dispute now" in html
    assert "Report delivered" not in html


def test_the_seller_sees_report_delivered_until_they_use_it(client, shipped, seller, now, page_clock):
    client.force_login(seller)
    url = reverse("orders:detail", args=[shipped.number])

    before = client.get(url).content.decode()
    client.post(reverse("orders:report_delivered", args=[shipped.number]))
    after = client.get(url).content.decode()

    assert "Report delivered" in before and "Mark as delivered" not in before
    assert "Report delivered" not in after
    reported = (
        "You reported it delivered on 4 Nov 2026, 12:00. The buyer's protection still runs until 25 Nov"
    )
    assert reported in after


# --- the mediation console ---------------------------------------------------------------------
def test_a_mediator_records_a_delivery_from_the_admin_with_a_reason(
    client, shipped, mediator, now, page_clock
):
    client.force_login(mediator)
    change = client.get(reverse("admin:orders_order_change", args=[shipped.pk])).content.decode()
    url = reverse("admin:orders_order_record_delivery", args=[shipped.pk])

    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "DHL proof of delivery, signed B. Buyer", "delivered_at": ""})

    assert url in change
    assert empty.status_code == 400
    assert done.status_code == 302 and done["Location"] == reverse(
        "admin:orders_order_change", args=[shipped.pk]
    )
    shipped.refresh_from_db()
    assert shipped.state == S.DELIVERED
    assert shipped.delivery_source == Order.DeliverySource.MEDIATOR
    assert shipped.protection_ends_at == now + 8 * DAY
    event = shipped.events.get(type=T.DELIVERY_RECORDED)
    assert (event.actor, event.note) == (mediator, "DHL proof of delivery, signed B. Buyer")


def test_the_admin_refuses_a_second_recording_with_the_services_reason(
    client, shipped, mediator, now, page_clock
):
    deliver(shipped, at=now + 2 * DAY)
    client.force_login(mediator)

    response = client.post(
        reverse("admin:orders_order_record_delivery", args=[shipped.pk]), {"reason": "Proof"}
    )

    assert response.status_code == 400
    assert "cannot be recorded as delivered now" in response.content.decode()
    assert not shipped.events.filter(type=T.DELIVERY_RECORDED).exists()


@pytest.mark.parametrize("who", ["staff_non_mediator", "seller"])
def test_only_mediators_reach_the_record_delivery_page(client, request, shipped, who):
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        reverse("admin:orders_order_record_delivery", args=[shipped.pk]), {"reason": "Proof"}
    )

    # The console is for mediators only: anyone else is sent to its login page.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    shipped.refresh_from_db()
    assert shipped.delivered_at is None
