"""A deadline is authoritative when anyone looks, not when the sweep happens to run: with the clock
stopped, a seller who opens a dispute after their 15 days sees what the deadline did and no
button to act; the buyer sees the same outcome on the same page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from disputes.models import Dispute
from tests.factories import OrderFactory, open_dispute_for, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def overdue_dispute(buyer, store, real_now):
    """A 'not received' dispute the seller left unanswered for 15 days and 2 hours; no sweep ran."""
    order = shipped_order(buyer=buyer, store=store, paid_at=real_now - timedelta(days=30))
    return open_dispute_for(order, at=real_now - timedelta(days=15, hours=2))


def test_the_late_seller_sees_the_outcome_and_no_action(
    live_server, browser_for, seller, buyer, overdue_dispute, journey
):
    steps = journey("deadline-passed")
    url = f"{live_server.url}/disputes/{overdue_dispute.pk}/"

    page = browser_for(seller)
    page.goto(url)

    passed = page.get_by_test_id("deadline-passed")
    expect(passed).to_contain_text("The deadline passed on")
    expect(passed).to_contain_text("the buyer's request was accepted as asked")
    expect(page.locator(".countdown")).to_have_count(0)
    for action in ("Accept", "Counter-offer", "Reject"):
        expect(page.get_by_role("button", name=action)).to_have_count(0)
    steps.page(page, "seller after the deadline")

    # Looking changed nothing: the page showed what is due; the sweep (or an action) applies it.
    overdue_dispute.refresh_from_db()
    assert overdue_dispute.state == Dispute.State.AWAITING_SELLER

    page = browser_for(buyer)
    page.goto(url)
    expect(page.get_by_test_id("deadline-passed")).to_contain_text(
        "the buyer's request was accepted as asked"
    )
    steps.page(page, "buyer after the deadline")


def test_the_late_seller_cannot_ship_and_is_told_why(
    live_server, browser_for, seller, buyer, store, real_now, journey
):
    order = OrderFactory(buyer=buyer, store=store, paid_at=real_now - timedelta(days=7, hours=1))

    page = browser_for(seller)
    page.goto(f"{live_server.url}/orders/{order.number}/")

    expect(page.get_by_test_id("deadline-passed")).to_contain_text("handling time ended on")
    expect(page.get_by_test_id("deadline-passed")).to_contain_text("the order was cancelled")
    expect(page.get_by_role("button", name="Mark as shipped")).to_have_count(0)
    expect(page.locator(".countdown")).to_have_count(0)
    journey("handling-time-passed").page(page, "seller after the handling time")
