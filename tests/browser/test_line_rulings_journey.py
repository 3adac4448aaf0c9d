"""A two-line order decided line by line in Chromium: the mediator refunds the phone cases now
and the earbuds after their return; the buyer sends back only the earbuds; the seller confirms;
both see the breakdown and the refunds."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services
from orders.models import Refund
from tests.browser.support import confirm_in_modal
from tests.factories import open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_two_line_order_decided_per_line_returns_only_one_line(
    live_server, browser_for, journey, buyer, seller, mediator, delivered
):
    shots = journey("line-rulings")
    now = timezone.now()
    dispute = open_dispute_for(delivered, at=now, reason="damaged")
    services.reject_request(dispute=dispute, seller=seller, note="Packed well", evidence=[], now=now)
    services.escalate_dispute(dispute=dispute, user=buyer, note="Earbuds cracked, one case scuffed", now=now)
    earbuds, cases = delivered.items.order_by("id")

    admin = browser_for(mediator)
    admin.goto(f"{live_server.url}/admin/disputes/dispute/{dispute.pk}/change/")
    lines = admin.locator("#decide-lines")
    lines.locator("summary").click()
    lines.locator(f"select[name=remedy_{earbuds.pk}]").select_option("refund_after_return")
    lines.locator(f"input[name=amount_{earbuds.pk}]").fill("40.00")
    lines.locator(f"select[name=remedy_{cases.pk}]").select_option("refund")
    lines.locator(f"input[name=amount_{cases.pk}]").fill("25.00")
    lines.get_by_label("Reason").fill("The earbuds come back for a refund; one case was scuffed.")
    lines.get_by_role("button", name="Decide: line by line").click()
    expect(admin.locator("#decide-lines .errorlist")).to_contain_text("this line's total")
    # The refusal is a 400 (the browser logs it as an error): no journey check, only the errors.
    expect(admin.locator("#decide-lines")).to_have_attribute("open", "")
    admin.screenshot(path=shots.folder / "00-refused-line-above-its-total.png", full_page=True)

    # A new window: the one above logged the 400 as a browser error.
    admin = browser_for(mediator)
    admin.goto(f"{live_server.url}/admin/disputes/dispute/{dispute.pk}/change/")
    lines = admin.locator("#decide-lines")
    lines.locator("summary").click()
    lines.locator(f"select[name=remedy_{earbuds.pk}]").select_option("refund_after_return")
    lines.locator(f"input[name=amount_{earbuds.pk}]").fill("40.00")
    lines.locator(f"select[name=remedy_{cases.pk}]").select_option("refund")
    lines.locator(f"input[name=amount_{cases.pk}]").fill("5.00")
    lines.get_by_label("Reason").fill("The earbuds come back for a refund; one case was scuffed.")
    lines.get_by_role("button", name="Decide: line by line").click()
    expect(admin.locator(".messagelist")).to_contain_text("Decided line by line")
    shots.page(admin, "decided line by line")

    url = f"{live_server.url}/disputes/{dispute.pk}/"
    buyer_page = browser_for(buyer)
    buyer_page.goto(url)
    breakdown = buyer_page.get_by_test_id("line-rulings")
    expect(breakdown).to_contain_text("Refund after this line is returned")
    expect(breakdown).to_contain_text("Only these items go back to the seller")
    expect(breakdown).to_contain_text("45.00 USD")
    shots.page(buyer_page, "buyer sees the breakdown")
    ship = buyer_page.locator("details[data-action=ship_return]")
    ship.locator("summary").click()
    ship.get_by_label("Carrier").select_option(label="DHL")
    ship.get_by_label("Tracking number").fill("JD014600001234")
    ship.get_by_role("button", name="I have shipped the return").click()
    expect(buyer_page.get_by_role("alert").filter(has_text="Return recorded")).to_be_visible()

    seller_page = browser_for(seller)
    seller_page.goto(url)
    expect(seller_page.get_by_test_id("line-rulings")).to_contain_text("1 × Wireless earbuds")
    seller_page.get_by_role("button", name=re.compile(r"^The return arrived: refund")).click()
    expect(seller_page.get_by_role("dialog")).to_contain_text("40.00 USD is refunded")
    confirm_in_modal(seller_page, re.compile(r"^Yes, it arrived: refund"))
    expect(seller_page.get_by_role("alert").filter(has_text="Return confirmed")).to_be_visible()
    expect(seller_page.locator("#outcome-heading")).to_have_text(
        "Decided line by line: a refund of 45.00 USD in all."
    )
    shots.page(seller_page, "seller confirmed the returned line")

    buyer_page.reload()
    expect(buyer_page.locator("#outcome-heading")).to_have_text(
        "Decided line by line: a refund of 45.00 USD in all."
    )
    shots.page(buyer_page, "buyer refunded line by line")
    assert sorted(r.amount for r in Refund.objects.filter(dispute=dispute)) == [5, 40]
