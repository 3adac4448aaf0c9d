"""The long lists page by keyset as a person walks them: "Older" and "Oldest" from the newest
page, "Newer" and "Newest" back, the filter kept on every link, at a phone's width too."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.browser.support import assert_accessible, browser_errors, horizontal_overflow
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)

#: Where the pages are saved for a person to look at (``LIST_SHOTS=/tmp/lists-shots``).
SHOTS = os.environ.get("LIST_SHOTS", "")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_buyer_walks_the_orders_from_newest_to_oldest_and_back(
    browser_for, live_server, buyer, store, real_now, width
):
    orders = [
        OrderFactory(buyer=buyer, store=store, paid_at=real_now - timedelta(days=day)) for day in range(45)
    ]
    Order.objects.filter(pk__in=[order.pk for order in orders[::2]]).update(state=Order.State.COMPLETED)
    page = browser_for(buyer, viewport={"width": width, "height": 900})
    rows = page.locator("a.order-row")

    page.goto(f"{live_server.url}/orders/")
    expect(rows.first).to_contain_text(orders[0].number)
    pagination = page.get_by_role("navigation", name="Pages")
    expect(pagination.get_by_role("link", name="Newer")).to_have_count(0)
    shoot(page, f"buyer-orders-newest-{width}")
    assert horizontal_overflow(page) == 0
    assert_accessible(page)

    pagination.get_by_role("link", name="Older").click()
    expect(rows.first).to_contain_text(orders[20].number)
    pagination.get_by_role("link", name="Oldest").click()
    expect(rows.last).to_contain_text(orders[-1].number)
    expect(pagination.get_by_role("link", name="Older")).to_have_count(0)
    shoot(page, f"buyer-orders-oldest-{width}")
    pagination.get_by_role("link", name="Newer").click()
    expect(rows.first).to_contain_text(orders[5].number)
    pagination.get_by_role("link", name="Newest").click()
    expect(rows.first).to_contain_text(orders[0].number)

    # The filter stays on every page link.
    page.get_by_role("link", name="Completed", exact=True).click()
    pagination.get_by_role("link", name="Older").click()
    expect(rows.first).to_contain_text(orders[40].number)
    assert "status=completed" in page.url
    assert not browser_errors(page)


def test_a_seller_sees_capped_tab_counts_and_pages_a_tab(
    browser_for, live_server, seller, store, buyer, real_now
):
    for hour in range(25):
        OrderFactory(buyer=buyer, store=store, paid_at=real_now - timedelta(hours=hour))
    page = browser_for(seller)

    page.goto(f"{live_server.url}/seller/orders/")
    expect(page.get_by_role("link", name="To ship 25")).to_be_visible()
    pagination = page.get_by_role("navigation", name="Pages")
    pagination.get_by_role("link", name="Next").click()
    expect(page.locator("tbody tr")).to_have_count(5)
    shoot(page, "seller-to-ship-next")
    assert "tab=to_ship" in page.url
    assert_accessible(page)
