"""Who may see what (404 for strangers), phone layout, and the open-dispute form by keyboard alone."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from disputes import services as dispute_services
from disputes.models import Dispute
from tests.browser.support import assert_accessible, horizontal_overflow, overflowing_elements, tab_to
from tests.factories import delivered_order, open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def strangers_dispute(other_buyer, other_store, real_now):
    """Someone else's order, from someone else's store, disputed with a photo."""
    order = delivered_order(
        paid_at=real_now - timedelta(days=10),
        shipped_after=timedelta(days=1),
        delivered_after=timedelta(days=8),
        buyer=other_buyer,
        store=other_store,
    )
    return open_dispute_for(
        order, at=real_now, reason="damaged", description="Oscar's private description of his parcel."
    )


def private_urls(dispute: Dispute) -> dict[str, str]:
    order, evidence = dispute.order, dispute.evidence.get()
    return {
        "order": f"/orders/{order.number}/",
        "open dispute": f"/orders/{order.number}/dispute/",
        "dispute": f"/disputes/{dispute.pk}/",
        "evidence": f"/evidence/{evidence.public_id}/display/",
        "evidence thumbnail": f"/evidence/{evidence.public_id}/thumb/",
        "conversation": f"/messages/{order.number}/",
    }


def test_another_users_order_dispute_and_evidence_are_404_for_buyers_and_sellers(
    live_server, browser_for, journey, buyer, seller, other_buyer, strangers_dispute
):
    shots = journey("f-not-yours-404")
    owner_page = browser_for(other_buyer)
    for what, url in private_urls(strangers_dispute).items():
        if what == "open dispute":
            continue  # already open: the owner is told so, which is not what this checks
        assert owner_page.goto(live_server.url + url).status == 200, f"the owner cannot open the {what}"

    for person in (buyer, seller):
        page = browser_for(person)
        for what, url in private_urls(strangers_dispute).items():
            response = page.goto(live_server.url + url)
            assert response.status == 404, f"{person.username} got {response.status} for {what} {url}"
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.IGNORECASE))
            expect(page.locator("body")).not_to_contain_text("Oscar")
            assert_accessible(page)
        shots.page(page, f"{person.username} sees not found")


def test_order_and_dispute_pages_fit_a_phone_screen(
    live_server, browser_for, journey, buyer, seller, delivered, real_now
):
    shots = journey("g-phone-390")
    dispute = open_dispute_for(
        delivered,
        at=real_now,
        reason="not_as_described",
        description=(
            "Listing https://marketplace.example/listing/white-earbuds-model-x200-with-charging-case-2026 "
            "showed white earbuds; these are grey."
        ),
    )
    second_order = delivered_order(
        paid_at=real_now - timedelta(days=10),
        shipped_after=timedelta(days=1),
        delivered_after=timedelta(days=8),
        buyer=buyer,
        store=delivered.store,
    )

    def check(page: Page, name: str) -> None:
        for details in page.locator("details").all():
            details.evaluate("element => { element.open = true; }")
        overflow = horizontal_overflow(page)
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px: {overflowing_elements(page)}"
        shots.page(page, name)

    seller_page = browser_for(seller, viewport=PHONE)
    for name, url in [
        ("seller orders", "/seller/orders/?tab=disputed"),
        ("seller order", f"/orders/{delivered.number}/"),
        ("seller disputes", "/seller/disputes/"),
        ("seller dispute", f"/disputes/{dispute.pk}/"),
    ]:
        seller_page.goto(live_server.url + url)
        check(seller_page, name)

    dispute_services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=True,
        note="Send them back and I refund 20.",
        evidence=[],
        now=timezone.now(),
    )
    buyer_page = browser_for(buyer, viewport=PHONE)
    for name, url in [
        ("buyer orders", "/orders/"),
        ("buyer order", f"/orders/{delivered.number}/"),
        ("buyer dispute with offer", f"/disputes/{dispute.pk}/"),
        ("buyer open dispute form", f"/orders/{second_order.number}/dispute/"),
        ("buyer conversation", f"/messages/{delivered.number}/"),
    ]:
        buyer_page.goto(live_server.url + url)
        check(buyer_page, name)
    expect(buyer_page.get_by_role("button", name="Toggle navigation")).to_be_visible()


def test_the_open_dispute_form_can_be_completed_with_the_keyboard_alone(
    live_server, browser_for, journey, photo, buyer, delivered
):
    shots = journey("keyboard-open-dispute")
    page = browser_for(buyer)
    page.goto(f"{live_server.url}/orders/{delivered.number}/dispute/")
    shots.page(page, "form")
    keyboard = page.keyboard

    tab_to(page, "#id_item_received_0")
    keyboard.press("Space")
    expect(page.get_by_label("Yes", exact=True)).to_be_checked()
    tab_to(page, "#id_reason")
    keyboard.type("Not as")
    expect(page.get_by_label("What is wrong?")).to_have_value("not_as_described")
    tab_to(page, "#id_refund_type_0")
    keyboard.press("ArrowDown")
    expect(page.get_by_label("Partial refund")).to_be_checked()
    tab_to(page, "#id_amount")
    keyboard.type("30.00")
    tab_to(page, "#id_description")
    keyboard.type("The earbuds are grey, the listing showed white.")
    tab_to(page, "#id_evidence")
    with page.expect_file_chooser() as chooser:
        keyboard.press("Space")
    chooser.value.set_files([photo("keyboard.jpg")])
    tab_to(page, "input[type=submit][value='Open dispute']")
    shots.page(page, "filled by keyboard")
    with page.expect_navigation():
        keyboard.press("Enter")

    expect(page.get_by_role("alert").filter(has_text="Dispute opened")).to_be_visible()
    expect(page.locator("h1 ~ .state-badge")).to_have_text("Awaiting the seller's response")
    dispute = Dispute.objects.get(order=delivered)
    assert (dispute.reason, dispute.requested_amount) == ("not_as_described", Decimal("30.00"))
    assert dispute.evidence.count() == 1
    shots.page(page, "dispute opened")
