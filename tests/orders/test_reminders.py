"""Reminders before every order deadline: the seller 48 h and 24 h before the ship-by deadline,
the buyer 48 h and 24 h before protection ends; each once, in the recipient's language and zone."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from orders.models import Order, OrderEvent
from portal import deadlines
from tests.factories import OrderFactory, ship

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def run(at):
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines.enforce_all(now=at)

    return run


def reminders(order: Order) -> list[OrderEvent]:
    return list(
        order.events.filter(
            type__in=[OrderEvent.Type.SHIP_BY_REMINDER, OrderEvent.Type.PROTECTION_REMINDER]
        ).order_by("id")
    )


def test_the_seller_is_reminded_48_and_24_hours_before_the_ship_by_deadline_once_each(
    order, seller, sweep, mailoutbox
):
    due = order.handling_due_at
    assert order.next_reminder_at == due - 48 * HOUR

    for at in (due - 48 * HOUR - SECOND, due - 48 * HOUR, due - 47 * HOUR, due - 24 * HOUR, due - 2 * HOUR):
        sweep(at)

    order.refresh_from_db()
    assert [e.data["hours_left"] for e in reminders(order)] == [48, 24]
    assert {e.type for e in reminders(order)} == {OrderEvent.Type.SHIP_BY_REMINDER}
    mails = [m for m in mailoutbox if m.subject == f"Reminder: ship order {order.number}"]
    assert [m.to for m in mails] == [[seller.email], [seller.email]]
    assert "must be shipped within 48 hours" in mails[0].body
    assert "cancelled and the buyer is refunded" in mails[0].body
    assert order.next_reminder_at is None


def test_a_reminder_missed_during_an_outage_is_skipped_for_the_latest_one(order, sweep):
    sweep(order.handling_due_at - 3 * HOUR)

    assert [e.data["hours_left"] for e in reminders(order)] == [3]


def test_no_reminder_once_the_order_is_shipped_and_the_buyer_is_reminded_before_protection_ends(
    order, now, buyer, sweep, mailoutbox
):
    buyer.time_zone = "Europe/Moscow"
    buyer.language = "ru"
    buyer.save()
    shipped = ship(order, at=now + HOUR)
    ends = shipped.protection_ends_at
    assert shipped.next_reminder_at == ends - 48 * HOUR

    sweep(order.handling_due_at - 24 * HOUR)  # the ship-by reminders are moot now
    sweep(ends - 48 * HOUR)
    sweep(ends - 24 * HOUR)
    sweep(ends - 24 * HOUR)

    shipped.refresh_from_db()
    events = reminders(shipped)
    assert [(e.type, e.data["hours_left"]) for e in events] == [
        (OrderEvent.Type.PROTECTION_REMINDER, 48),
        (OrderEvent.Type.PROTECTION_REMINDER, 24),
    ]
    mails = [m for m in mailoutbox if m.to == [buyer.email] and shipped.number in m.subject]
    reminder_mails = [m for m in mails if "Напоминание" in m.subject or "Reminder" in m.subject]
    assert len(reminder_mails) == 2
    local = ends.astimezone(ZoneInfo("Europe/Moscow"))
    assert f"{local:%H:%M}" in reminder_mails[0].body


def test_an_extension_gives_the_new_deadline_its_own_reminders(order, now, buyer, seller, sweep):
    from orders import services

    shipped = ship(order, at=now + HOUR)
    first_end = shipped.protection_ends_at
    sweep(first_end - 48 * HOUR)
    services.request_protection_extension(order=shipped, buyer=buyer, note="Late", now=first_end - 40 * HOUR)
    services.grant_protection_extension(order=shipped, seller=seller, days=5, now=first_end - 30 * HOUR)
    shipped.refresh_from_db()

    assert (shipped.reminders_sent, shipped.next_reminder_at) == (0, shipped.protection_ends_at - 48 * HOUR)


def test_an_order_held_by_a_dispute_gets_no_reminder(order, now, sweep):
    from tests.factories import open_dispute_for

    shipped = ship(order, at=now + HOUR)
    open_dispute_for(shipped, at=now + 7 * 24 * HOUR)
    shipped.refresh_from_db()

    assert shipped.next_reminder_at is None
    sweep(shipped.protection_ends_at - 24 * HOUR)
    assert reminders(shipped) == []


def test_paid_orders_from_checkout_start_with_their_first_reminder_scheduled(store, buyer, now):
    order = OrderFactory(store=store, buyer=buyer, paid_at=now)

    assert order.next_reminder_at == order.handling_due_at - 48 * HOUR
