"""Every order event that concerns someone: an in-app notification and an e-mail to each person it
concerns (never to whoever acted), with what happened, who acts next and by when, and a link."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from orders import refunds
from orders import services as order_services
from orders.models import Order, Refund
from orders.notifications import ORDER_NOTICES
from portal import deadlines
from portal.notifications.models import Notification
from tests.factories import confirm, mediator_user, ship
from tests.notifications.conftest import html_of, mails_to

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _shipped(order: Order, now: datetime) -> Order:
    return ship(order, at=now + DAY)


def _extension_asked(order: Order, now: datetime) -> Order:
    return order_services.request_protection_extension(
        order=_shipped(order, now), buyer=order.buyer, note="Stuck in customs", now=now + 10 * DAY
    )


def _refund_pending(order: Order, now: datetime) -> Refund:
    # The sweep cancels the unshipped order; its refund job is not run yet (no commit here).
    deadlines.enforce_all(now=order.handling_due_at)
    return order.refunds.get()


def _refund_failed(order: Order, now: datetime) -> Refund:
    """The provider refuses the refund for good."""
    from unittest import mock

    from tests.factories import FlakyPaymentProvider

    refund = _refund_pending(order, now)
    provider = FlakyPaymentProvider(refusals_left=1)
    with mock.patch("orders.refunds.get_provider", lambda: provider):
        refunds.pay_refund(refund_id=refund.pk, now=order.handling_due_at + DAY)
    return refund


@dataclass(frozen=True)
class OrderCase:
    """How to bring an order to the event (``final`` runs with its jobs), who hears of it with
    which subject, and which order deadline the recipient who must act is given."""

    final: Callable[[Order, datetime, Callable], object]
    told: dict[str, str]
    act_by: str = ""


CASES = {
    "shipped": OrderCase(
        final=lambda order, now, sweep: _shipped(order, now),
        told={"buyer": "Order {number} has shipped"},
    ),
    "delivered": OrderCase(
        final=lambda order, now, sweep: order_services.mark_order_delivered(
            order=_shipped(order, now), actor=None, now=now + 5 * DAY
        ),
        told={"buyer": "Order {number} was delivered", "seller": "Order {number} was delivered"},
        act_by="protection_ends_at",
    ),
    "delivery_reported": OrderCase(
        final=lambda order, now, sweep: order_services.report_delivery(
            order=_shipped(order, now), seller=order.store.owner, now=now + 2 * DAY
        ),
        told={"buyer": "Order {number}: the seller says it was delivered"},
        act_by="protection_ends_at",
    ),
    "delivery_recorded": OrderCase(
        final=lambda order, now, sweep: order_services.mark_order_delivered(
            order=_shipped(order, now),
            actor=mediator_user(username="mia_mediator"),
            now=now + 5 * DAY,
            reason="The carrier's proof of delivery, signed by the buyer",
        ),
        told={"buyer": "Order {number} was delivered", "seller": "Order {number} was delivered"},
        act_by="protection_ends_at",
    ),
    "confirmed": OrderCase(
        final=lambda order, now, sweep: confirm(_shipped(order, now), at=now + 6 * DAY),
        told={"seller": "Order {number}: receipt confirmed"},
    ),
    "auto_confirmed": OrderCase(
        final=lambda order, now, sweep: sweep(_shipped(order, now).protection_ends_at),
        told={
            "buyer": "Order {number} was confirmed automatically",
            "seller": "Order {number} was confirmed automatically",
        },
    ),
    "settled": OrderCase(
        final=lambda order, now, sweep: sweep(
            confirm(_shipped(order, now), at=now + 6 * DAY).dispute_window_ends_at
        ),
        told={"seller": "Payment released for order {number}"},
    ),
    "auto_cancelled": OrderCase(
        final=lambda order, now, sweep: sweep(order.handling_due_at),
        told={"buyer": "Order {number} was cancelled and refunded", "seller": "Order {number} was cancelled"},
    ),
    "extension_requested": OrderCase(
        final=lambda order, now, sweep: _extension_asked(order, now),
        told={"seller": "Order {number}: the buyer asks for more protection time"},
        act_by="protection_ends_at",
    ),
    "extension_granted": OrderCase(
        final=lambda order, now, sweep: order_services.grant_protection_extension(
            order=_extension_asked(order, now), seller=order.store.owner, days=10, now=now + 11 * DAY
        ),
        told={"buyer": "Order {number}: protection extended"},
    ),
    "extension_declined": OrderCase(
        final=lambda order, now, sweep: order_services.decline_protection_extension(
            order=_extension_asked(order, now), seller=order.store.owner, now=now + 11 * DAY
        ),
        told={"buyer": "Order {number}: extension declined"},
        act_by="protection_ends_at",
    ),
    "refund_paid": OrderCase(
        final=lambda order, now, sweep: refunds.pay_refund(
            refund_id=_refund_pending(order, now).pk, now=order.handling_due_at + DAY
        ),
        told={"buyer": "Refund paid on order {number}"},
    ),
    "refund_failed": OrderCase(
        final=lambda order, now, sweep: _refund_failed(order, now),
        told={"buyer": "Refund on order {number} is delayed"},
    ),
    "ship_by_reminder": OrderCase(
        final=lambda order, now, sweep: sweep(order.handling_due_at - DAY),
        told={"seller": "Reminder: ship order {number}"},
        act_by="handling_due_at",
    ),
    "protection_reminder": OrderCase(
        final=lambda order, now, sweep: sweep(_shipped(order, now).protection_ends_at - DAY),
        told={"buyer": "Reminder: buyer protection on order {number} ends soon"},
        act_by="protection_ends_at",
    ),
}


def test_every_order_event_with_a_message_has_a_case_here():
    assert set(CASES) == set(ORDER_NOTICES)


def _order_link(order: Order) -> str:
    return settings.SITE_URL + reverse("orders:detail", kwargs={"number": order.number})


@pytest.mark.parametrize("event_type", CASES)
def test_an_order_event_emails_each_person_it_concerns_with_a_link_and_the_deadline(
    event_type, order, buyer, seller, now, jobs, sweep, mailoutbox
):
    case = CASES[event_type]
    with jobs():
        case.final(order, now, sweep)

    order.refresh_from_db()
    people = {"buyer": buyer, "seller": seller}
    told = {people[role] for role in case.told}
    notified = Notification.objects.filter(kind=f"order.{event_type}")
    assert {n.recipient for n in notified} == told
    for role, subject in case.told.items():
        person = people[role]
        (mail,) = [
            m for m in mails_to(mailoutbox, person) if m.subject == subject.format(number=order.number)
        ]
        assert _order_link(order) in mail.body and f'href="{_order_link(order)}"' in html_of(mail)
        notification = notified.get(recipient=person)
        assert notification.title == mail.subject and notification.emailed_at is not None
        assert notification.url == reverse("orders:detail", kwargs={"number": order.number})
        if case.act_by and notification.act_by:
            deadline = getattr(order, case.act_by)
            assert notification.act_by == deadline and notification.essential
            assert f"By {deadline:%-d %b %Y, %H:%M} UTC" in mail.body
            assert "WHAT YOU NEED TO DO" in mail.body and "WHAT HAPPENS OTHERWISE" in mail.body
    if case.act_by:
        assert any(n.act_by for n in notified), "someone must be told to act by the deadline"


def test_nobody_is_emailed_about_their_own_action(order, buyer, seller, now, jobs, mailoutbox):
    with jobs():
        ship(order, at=now + DAY)
    with jobs():
        confirm(order, at=now + 3 * DAY)

    assert [m.subject for m in mails_to(mailoutbox, seller)] == [f"Order {order.number}: receipt confirmed"]
    assert [m.subject for m in mails_to(mailoutbox, buyer)] == [f"Order {order.number} has shipped"]


def test_the_buyer_of_a_delivered_order_is_told_what_to_do_by_when_and_what_happens_otherwise(
    order, buyer, now, jobs, mailoutbox
):
    order = _shipped(order, now)
    with jobs():
        order = order_services.mark_order_delivered(order=order, actor=None, now=now + 5 * DAY)

    (mail,) = mails_to(mailoutbox, buyer)
    ends = order.protection_ends_at
    assert mail.body.index("WHAT HAPPENED") < mail.body.index("WHAT YOU NEED TO DO")
    assert f"By {ends:%-d %b %Y, %H:%M} UTC: Check the item, then confirm receipt" in mail.body
    assert "confirmed automatically and the payment goes to the seller" in mail.body
    assert "This is a deadline notice" in mail.body
    html = html_of(mail)
    assert "What you need to do" in html and f"By {ends:%-d %b %Y, %H:%M} UTC" in html


def test_a_shipping_notice_carries_the_carrier_the_tracking_number_and_the_end_of_protection(
    order, buyer, now, jobs, mailoutbox
):
    with jobs():
        order = _shipped(order, now)

    (mail,) = mails_to(mailoutbox, buyer)
    assert "shipped your order with DHL, tracking number LX123456789CN" in mail.body
    assert f"You are protected until {order.protection_ends_at:%-d %b %Y, %H:%M} UTC" in mail.body
