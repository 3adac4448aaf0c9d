"""Escrow after a dispute: a partial refund keeps the rest in escrow through a new dispute window
(15 days from the dispute's end), in which the buyer may dispute what is left; the seller is paid
only when that window closes with no dispute open. Full refunds and seller wins settle at once."""

from datetime import timedelta
from decimal import Decimal

import pytest

from disputes import services
from disputes.models import Dispute
from orders.models import Order, Refund
from portal import deadlines
from tests.factories import mediator_user, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def shipped(order, now):
    """A 60.00 USD order shipped a day after payment."""
    return ship(order, at=now + DAY)


@pytest.fixture
def partly_refunded(shipped, now, seller):
    """The seller agreed to refund 25.00 of the 60.00 paid, without a return, on day 10."""
    dispute = open_dispute_for(shipped, at=now + 8 * DAY, amount=Decimal("25.00"))
    services.accept_request(dispute=dispute, seller=seller, now=now + 10 * DAY)
    shipped.refresh_from_db()
    return shipped


def test_a_partial_refund_keeps_the_rest_in_escrow_for_a_new_dispute_window(partly_refunded, now):
    order = partly_refunded
    ended = now + 10 * DAY

    assert order.state == Order.State.COMPLETED
    assert not order.on_hold and not order.confirmed_automatically
    assert order.settled_amount is None
    assert order.dispute_window_ends_at == ended + timedelta(days=15)
    assert (order.deadline_at, order.deadline_kind) == (
        order.dispute_window_ends_at,
        Order.DeadlineKind.SETTLE,
    )
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("25.00")]


def test_the_remainder_is_released_only_when_the_new_window_closes(partly_refunded):
    order = partly_refunded
    closes = order.dispute_window_ends_at

    deadlines.enforce_all(now=closes - SECOND)
    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED

    deadlines.enforce_all(now=closes)
    order.refresh_from_db()
    assert (order.state, order.settled_amount) == (Order.State.SETTLED, Decimal("35.00"))


def test_within_the_window_the_buyer_may_dispute_at_most_what_is_left(partly_refunded, now):
    order = partly_refunded
    at = now + 12 * DAY

    with pytest.raises(services.AmountNotAllowed, match=r"35\.00 USD"):
        open_dispute_for(order, at=at, reason="damaged", amount=Decimal("40.00"))
    second = open_dispute_for(order, at=at, reason="damaged", amount=Decimal("35.00"))

    assert (second.state, second.max_refund) == (Dispute.State.AWAITING_SELLER, Decimal("35.00"))
    order.refresh_from_db()
    assert order.on_hold and order.deadline_at is None


def test_a_second_dispute_refunding_the_rest_closes_the_order_as_refunded(partly_refunded, now, seller):
    second = open_dispute_for(partly_refunded, at=now + 12 * DAY, reason="damaged")

    services.accept_request(dispute=second, seller=seller, now=now + 13 * DAY)

    partly_refunded.refresh_from_db()
    assert partly_refunded.state == Order.State.REFUNDED
    assert sum(r.amount for r in partly_refunded.refunds.all()) == Decimal("60.00")


def test_a_seller_win_in_the_second_dispute_releases_the_rest_at_once(partly_refunded, now, seller, buyer):
    second = open_dispute_for(partly_refunded, at=now + 12 * DAY, reason="damaged")
    services.reject_request(
        dispute=second, seller=seller, note="It was fine", evidence=[], now=now + 13 * DAY
    )
    services.escalate_dispute(dispute=second, user=buyer, note="", now=now + 13 * DAY)

    services.decide_dispute(
        dispute=second,
        mediator=mediator_user(username="mia"),
        decision=services.Decision.REJECT,
        amount=None,
        note="The photos show no damage.",
        now=now + 14 * DAY,
    )

    partly_refunded.refresh_from_db()
    assert (partly_refunded.state, partly_refunded.settled_amount) == (Order.State.SETTLED, Decimal("35.00"))


def test_after_the_window_closes_no_dispute_can_be_opened(partly_refunded):
    closes = partly_refunded.dispute_window_ends_at

    with pytest.raises(services.DisputeWindowClosed, match="released to the seller"):
        open_dispute_for(partly_refunded, at=closes + SECOND, reason="damaged")

    partly_refunded.refresh_from_db()
    assert partly_refunded.state == Order.State.SETTLED


def test_a_full_refund_closes_the_order_at_once(shipped, now, seller):
    dispute = open_dispute_for(shipped, at=now + 8 * DAY)

    services.accept_request(dispute=dispute, seller=seller, now=now + 9 * DAY)

    shipped.refresh_from_db()
    assert (shipped.state, shipped.deadline_at) == (Order.State.REFUNDED, None)


def test_a_seller_win_settles_the_whole_payment_at_once(shipped, now, seller, buyer):
    dispute = open_dispute_for(shipped, at=now + 8 * DAY, with_return=True)
    services.accept_request(dispute=dispute, seller=seller, now=now + 9 * DAY)
    dispute.refresh_from_db()

    deadlines.enforce_all(now=dispute.deadline_at)  # the buyer never ships the return

    shipped.refresh_from_db()
    assert (shipped.state, shipped.settled_amount) == (Order.State.SETTLED, Decimal("60.00"))
