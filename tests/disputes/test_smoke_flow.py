from datetime import timedelta
from decimal import Decimal

import pytest

from disputes import services
from disputes.models import Dispute, DisputeEvent
from orders.models import Order, Refund
from portal import deadlines
from tests.factories import ship


@pytest.mark.django_db
def test_not_received_counter_offer_accepted_refunds_partially(
    order, now, django_capture_on_commit_callbacks
):
    order = ship(order, at=now + timedelta(days=1))
    at = now + timedelta(days=8)
    claim = services.DisputeClaim(
        reason=Dispute.Reason.NOT_RECEIVED,
        item_received=False,
        items=[(item, item.quantity) for item in order.items.all()],
        amount=Decimal("60.00"),
        with_return=False,
        description="Tracking has not moved for a week.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.open_dispute(order=order, buyer=order.buyer, claim=claim, now=at)
    assert dispute.state == Dispute.State.AWAITING_SELLER
    assert dispute.deadline_at == at + timedelta(days=15)
    order.refresh_from_db()
    assert order.on_hold and order.deadline_at is None

    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.counter_offer(
            dispute=dispute,
            seller=order.store.owner,
            amount=Decimal("30.00"),
            with_return=False,
            note="Half now",
            evidence=[],
            now=at + timedelta(days=1),
        )
    assert dispute.state == Dispute.State.AWAITING_BUYER
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.accept_offer(dispute=dispute, buyer=order.buyer, now=at + timedelta(days=2))
    assert dispute.state == Dispute.State.RESOLVED_BUYER
    assert dispute.outcome == Dispute.Outcome.PARTIAL_REFUND
    refund = Refund.objects.get(dispute=dispute)
    assert refund.amount == Decimal("30.00") and refund.status == Refund.Status.PAID
    order.refresh_from_db()
    # The other 30.00 stays in escrow for 15 days from the dispute's end, then goes to the seller.
    assert (order.state, order.settled_amount) == (Order.State.COMPLETED, None)
    assert order.dispute_window_ends_at == at + timedelta(days=2 + 15)
    assert list(dispute.events.exclude(to_state="").values_list("type", flat=True)) == [
        DisputeEvent.Type.OPENED,
        DisputeEvent.Type.COUNTER_OFFERED,
        DisputeEvent.Type.OFFER_ACCEPTED,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.enforce_all(now=order.dispute_window_ends_at)
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED and order.settled_amount == Decimal("30.00")


@pytest.mark.django_db
def test_seller_silence_for_15_days_refunds_the_buyer(
    order, now, django_capture_on_commit_callbacks, mailoutbox
):
    order = ship(order, at=now + timedelta(days=1))
    at = now + timedelta(days=8)
    claim = services.DisputeClaim(
        reason=Dispute.Reason.NOT_RECEIVED,
        item_received=False,
        items=[(item, item.quantity) for item in order.items.all()],
        amount=Decimal("60.00"),
        with_return=False,
        description="Nothing arrived.",
    )
    dispute = services.open_dispute(order=order, buyer=order.buyer, claim=claim, now=at)
    deadline = dispute.deadline_at
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.enforce_all(now=deadline - timedelta(hours=47))
    dispute.refresh_from_db()
    assert dispute.reminders_sent == 1
    with django_capture_on_commit_callbacks(execute=True):
        deadlines.enforce_all(now=deadline - timedelta(seconds=1))
        deadlines.enforce_all(now=deadline)
        deadlines.enforce_all(now=deadline)
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.RESOLVED_BUYER
    assert dispute.events.filter(type=DisputeEvent.Type.AUTO_RESOLVED).count() == 1
    assert dispute.events.filter(type=DisputeEvent.Type.REMINDER_SENT).count() == 2
    assert Refund.objects.get(dispute=dispute).amount == Decimal("60.00")
    order.refresh_from_db()
    assert order.state == Order.State.REFUNDED
    assert any("Decided automatically" in m.body for m in mailoutbox), [m.subject for m in mailoutbox]
