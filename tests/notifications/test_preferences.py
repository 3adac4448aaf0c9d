"""A user can turn off non-essential e-mails, never deadline notices; the in-app list keeps all."""

from datetime import timedelta

import pytest

from orders import services as order_services
from portal.notifications.models import Notification
from tests.factories import ship
from tests.notifications.conftest import mails_to

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_a_buyer_who_turned_off_updates_gets_no_shipping_email_but_still_the_in_app_notice(
    order, buyer, now, jobs, mailoutbox
):
    buyer.email_non_essential = False
    buyer.save()

    with jobs():
        ship(order, at=now + DAY)

    assert mails_to(mailoutbox, buyer) == []
    notification = Notification.objects.get(recipient=buyer, kind="order.shipped")
    assert not notification.essential and notification.emailed_at is None


def test_deadline_notices_are_emailed_even_to_a_buyer_who_turned_off_updates(
    order, buyer, now, jobs, mailoutbox
):
    buyer.email_non_essential = False
    buyer.save()
    order = ship(order, at=now + DAY)

    with jobs():
        order_services.mark_order_delivered(order=order, actor=None, now=now + 5 * DAY)

    (mail,) = mails_to(mailoutbox, buyer)
    assert mail.subject == f"Order {order.number} was delivered"
    assert "This is a deadline notice" in mail.body
    assert Notification.objects.get(recipient=buyer, kind="order.delivered").emailed_at is not None


def test_the_other_side_keeps_getting_updates_when_one_side_opts_out(
    order, buyer, seller, now, jobs, mailoutbox
):
    buyer.email_non_essential = False
    buyer.save()
    order = ship(order, at=now + DAY)

    with jobs():
        order_services.mark_order_delivered(order=order, actor=None, now=now + 5 * DAY)

    assert [m.subject for m in mails_to(mailoutbox, seller)] == [f"Order {order.number} was delivered"]


def test_someone_without_an_email_address_still_gets_the_in_app_notice(order, buyer, now, jobs, mailoutbox):
    buyer.email = ""
    buyer.save()

    with jobs():
        ship(order, at=now + DAY)

    assert mailoutbox == []
    assert Notification.objects.filter(recipient=buyer, kind="order.shipped").exists()
