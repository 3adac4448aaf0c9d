"""A fully refunded order offers no dispute, and its pages say why (issue 15, "the words match
the state"): two disputes that together refunded everything leave nothing to claim, even while the
order's post-confirmation window is still open."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.permissions import check_can_open
from orders.selectors import refunded_total
from tests.disputes.test_page_wording import order_page, partly_refunded, text
from tests.factories import open_dispute_for

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
WHY = "Everything paid for this order has been refunded."


@pytest.fixture
def fully_refunded(order, seller, mediator, now, time_machine):
    """A 60.00 USD order: a mediator refunds 20.00, then the seller accepts a second dispute for
    the other 40.00 without a return. The order's window for another dispute is still open."""
    partly_refunded(order, mediator, now)
    order.refresh_from_db()
    second = open_dispute_for(order, at=now + 12 * DAY, reason="damaged", amount=Decimal("40.00"))
    services.accept_request(dispute=second, seller=seller, now=now + 13 * DAY)
    time_machine.move_to(now + 14 * DAY, tick=False)
    order.refresh_from_db()
    assert refunded_total(order) == order.total_paid == Decimal("60.00")
    return order


def test_a_fully_refunded_order_cannot_be_disputed_and_says_why(buyer, fully_refunded, now):
    with pytest.raises(services.NothingLeftToRefund, match="has been refunded"):
        check_can_open(order=fully_refunded, buyer=buyer, now=now + 14 * DAY)


def test_the_order_page_offers_no_dispute_and_says_why(client, buyer, seller, fully_refunded):
    buyer_page = order_page(client, buyer, fully_refunded)
    words = text(buyer_page)

    assert reverse("disputes:open", args=[fully_refunded.number]) not in buyer_page
    assert "Open dispute" not in words
    assert "What you can do now" not in words  # nothing to do: no empty card promising something
    assert f"You cannot open another dispute on this order. {WHY}" in words
    assert "The buyer cannot open another dispute on this order." in text(
        order_page(client, seller, fully_refunded)
    )


def test_the_dispute_form_refuses_with_the_reason(client, buyer, fully_refunded):
    client.force_login(buyer)
    url = reverse("disputes:open", args=[fully_refunded.number])

    words = text(client.get(url).content.decode())

    assert WHY in words
    assert "Submit dispute" not in words
