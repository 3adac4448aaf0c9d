"""Every outcome the clock applies to an order names its rule, the deadline it enforced and the
event that started it: in the event, on the order page's timeline and in the e-mail."""

from datetime import timedelta

import pytest
from django.urls import reverse

from orders import events
from orders.models import Order, OrderEvent
from portal import formatting
from portal.deadlines import enforce_all
from tests.factories import OrderFactory, completed_order, shipped_order

pytestmark = pytest.mark.django_db
T = OrderEvent.Type


@pytest.fixture
def sweep(django_capture_on_commit_callbacks, celery_eager):
    def run(at):
        with django_capture_on_commit_callbacks(execute=True):
            enforce_all(now=at)

    return run


def explanation(rule: str, deadline, started: OrderEvent) -> str:
    return (
        f"Rule: {rule}. Deadline: {formatting.moment(deadline)}. "
        f"The deadline started with “{started.get_type_display()}” "
        f"on {formatting.moment(started.created_at)}."
    )


def shown_everywhere(client, order: Order, text: str, mailoutbox, subject: str) -> None:
    client.force_login(order.buyer)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert text in page, text
    mails = [m for m in mailoutbox if m.subject == subject]
    assert mails and all(text in " ".join(m.body.split()) for m in mails)


def test_an_auto_cancel_names_the_handling_rule_and_the_payment_that_started_it(
    client, buyer, store, now, sweep, mailoutbox
):
    order = OrderFactory(buyer=buyer, store=store, paid_at=now)
    placed = events.order_placed(order=order, at=now)

    sweep(order.handling_due_at)

    event = order.events.get(type=T.AUTO_CANCELLED)
    assert event.data["started_by"] == {"event": placed.pk, "type": "placed", "at": now.isoformat()}
    text = explanation(
        "the seller ships within 7 days of payment, or the order is cancelled and refunded",
        order.handling_due_at,
        placed,
    )
    shown_everywhere(client, order, text, mailoutbox, f"Order {order.number} was cancelled and refunded")


def test_an_auto_confirm_names_the_protection_rule_and_the_shipment_that_started_it(
    client, now, sweep, mailoutbox
):
    order = shipped_order(paid_at=now)
    shipped = order.events.get(type=T.SHIPPED)
    deadline = order.protection_ends_at

    sweep(deadline)

    event = order.events.get(type=T.AUTO_CONFIRMED)
    assert event.data["started_by"]["event"] == shipped.pk
    text = explanation(
        "when buyer protection ends with no dispute open, receipt is confirmed automatically",
        deadline,
        shipped,
    )
    shown_everywhere(client, order, text, mailoutbox, f"Order {order.number} was confirmed automatically")


def test_a_settlement_names_the_dispute_window_rule_and_the_confirmation_that_started_it(
    client, now, sweep, mailoutbox
):
    order = completed_order(paid_at=now, confirmed_after=timedelta(days=5))
    confirmed = order.events.get(type=T.CONFIRMED)
    deadline = order.dispute_window_ends_at

    sweep(deadline)

    event = order.events.get(type=T.SETTLED)
    assert event.data["started_by"]["event"] == confirmed.pk
    assert event.data["deadline"] == deadline.isoformat()
    text = explanation(
        "15 days after receipt is confirmed, with no dispute open, the payment is released to the seller",
        deadline,
        confirmed,
    )
    shown_everywhere(client, order, text, mailoutbox, f"Payment released for order {order.number}")


def test_an_event_a_person_caused_has_no_clock_explanation(now):
    from orders.automatic import explain

    order = completed_order(paid_at=now)
    assert explain(order.events.get(type=T.CONFIRMED)) == ""
