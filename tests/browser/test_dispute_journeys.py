"""The dispute journeys, as buyers and sellers click through them in Chromium."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import Page, expect

from disputes.models import Dispute
from portal import deadlines
from tests.browser.support import confirm_in_modal
from tests.factories import open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)


def state_badge(page: Page):
    """The state badge beside the page's title."""
    return page.locator("h1 ~ .state-badge")


def refund_badge(page: Page):
    return page.get_by_test_id("refund-status")


def action_form(page: Page, name: str):
    """One of the dispute page's action forms, unfolded from its <details>."""
    details = page.locator(f"details[data-action={name}]")
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    return details


def assert_thumbnails_shown(page: Page, count: int, party: str) -> None:
    """``count`` evidence thumbnails from ``party`` are on the page, and their images loaded."""
    images = page.locator(f"img.evidence-thumb[alt*='{party}']")
    expect(images).to_have_count(count)
    for index in range(count):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, "an evidence thumbnail did not load"


def test_not_as_described_with_photos_settled_by_an_accepted_counter_offer(
    live_server, browser_for, journey, photo, buyer, seller, delivered
):
    shots = journey("a-counter-offer-accepted")
    buyer_page = browser_for(buyer, via_form=True)
    shots.page(buyer_page, "buyer orders")

    buyer_page.get_by_role("link", name=f"Order {delivered.number}").click()
    expect(buyer_page.get_by_role("heading", level=1)).to_have_text(f"Order {delivered.number}")
    shots.page(buyer_page, "buyer order")
    buyer_page.get_by_role("link", name="Open dispute").click()
    expect(buyer_page.get_by_role("heading", level=1)).to_contain_text("Open a dispute")
    shots.page(buyer_page, "open dispute form")

    buyer_page.get_by_label("Yes", exact=True).check()
    buyer_page.get_by_label("What is wrong?").select_option(label="Not as described")
    buyer_page.get_by_label("Describe the problem").fill("The earbuds are grey, the listing showed white.")
    buyer_page.get_by_label("Photos and videos").set_input_files([photo("front.jpg"), photo("box.png")])
    buyer_page.get_by_role("button", name="Open dispute").click()

    expect(buyer_page.get_by_role("alert").filter(has_text="Dispute opened")).to_be_visible()
    expect(state_badge(buyer_page)).to_have_text("Awaiting the seller's response")
    expect(buyer_page.get_by_text("Not as described").first).to_be_visible()
    assert_thumbnails_shown(buyer_page, 2, "from the Buyer")
    dispute = Dispute.objects.get(order=delivered)
    shots.page(buyer_page, "buyer dispute opened")

    seller_page = browser_for(seller)
    seller_page.goto(live_server.url)
    seller_page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Disputes", exact=True
    ).click()
    expect(seller_page.get_by_role("heading", level=1)).to_have_text("Disputes")
    shots.page(seller_page, "seller disputes")
    seller_page.get_by_role("link", name=dispute.reference).click()
    expect(state_badge(seller_page)).to_have_text("Awaiting the seller's response")
    assert_thumbnails_shown(seller_page, 2, "from the Buyer")
    shots.page(seller_page, "seller dispute")
    offer = action_form(seller_page, "counter_offer")
    offer.get_by_label("Refund amount").fill("25.00")
    offer.get_by_label("Note").fill("The colour varies between batches; half back for the trouble.")
    offer.get_by_role("button", name="Send counter-offer").click()
    expect(seller_page.get_by_role("alert").filter(has_text="Counter-offer sent")).to_be_visible()
    expect(state_badge(seller_page)).to_have_text("Awaiting the buyer's response")
    shots.page(seller_page, "seller offer sent")

    buyer_page.reload()
    expect(buyer_page.get_by_text("The seller offers 25.00 USD")).to_be_visible()
    expect(buyer_page.get_by_text("without a return")).to_be_visible()
    shots.page(buyer_page, "buyer sees offer")
    buyer_page.get_by_role("button", name="Accept the offer of 25.00 USD").click()
    confirm_in_modal(buyer_page, "Yes, accept 25.00 USD")
    expect(buyer_page.get_by_role("alert").filter(has_text="Offer accepted")).to_be_visible()
    expect(state_badge(buyer_page)).to_have_text("Resolved for the buyer")
    expect(
        buyer_page.get_by_role("heading", name="Resolved for the buyer: a refund of 25.00 USD.")
    ).to_be_visible()
    # Test settings run Celery eagerly: the refund job pays as the acceptance commits.
    expect(refund_badge(buyer_page)).to_have_text("Paid")
    shots.page(buyer_page, "buyer refund paid")
    buyer_page.get_by_role("link", name=f"Order {delivered.number}").click()
    expect(refund_badge(buyer_page)).to_have_text("Paid")
    expect(buyer_page.get_by_role("row", name="Refunded")).to_contain_text("25.00 USD")
    shots.page(buyer_page, "buyer order refunded")

    seller_page.reload()
    expect(state_badge(seller_page)).to_have_text("Resolved for the buyer")
    expect(refund_badge(seller_page)).to_have_text("Paid")
    shots.page(seller_page, "seller refund paid")
    seller_page.get_by_role("link", name=f"Order {delivered.number}").click()
    expect(refund_badge(seller_page)).to_have_text("Paid")
    shots.page(seller_page, "seller order refunded")


def test_seller_silence_past_the_deadline_refunds_the_buyer_automatically(
    live_server, browser_for, journey, buyer, delivered
):
    shots = journey("b-seller-silent")
    dispute = open_dispute_for(delivered, at=timezone.now(), reason="damaged")
    deadline = dispute.deadline_at
    assert deadline - dispute.opened_at == timedelta(days=15)

    buyer_page = browser_for(buyer)
    buyer_page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    expect(buyer_page.get_by_test_id("deadline-sentence")).to_contain_text("the buyer's request is accepted")
    shots.page(buyer_page, "waiting for seller")

    # The beat's sweep, run as if 15 days and a minute had passed with no word from the seller.
    deadlines.enforce_all(now=deadline + timedelta(minutes=1))

    buyer_page.reload()
    expect(state_badge(buyer_page)).to_have_text("Resolved for the buyer")
    expect(
        buyer_page.get_by_role("heading", name="Resolved for the buyer: a refund of 60.00 USD.")
    ).to_be_visible()
    when = dateformat.format(timezone.localtime(deadline, ZoneInfo(buyer.time_zone)), "j M Y, H:i")
    expect(
        buyer_page.get_by_text(f"Decided automatically: the seller did not respond by {when}.")
    ).to_be_visible()
    expect(refund_badge(buyer_page)).to_have_text("Paid")
    shots.page(buyer_page, "decided automatically")
    buyer_page.get_by_role("link", name=f"Order {delivered.number}").click()
    expect(refund_badge(buyer_page)).to_have_text("Paid")
    expect(buyer_page.get_by_role("row", name="Refunded")).to_contain_text("60.00 USD")
    shots.page(buyer_page, "order refunded")


def test_return_journey_refunds_once_the_seller_confirms_the_parcel(
    live_server, browser_for, journey, photo, buyer, seller, delivered
):
    shots = journey("c-return")
    buyer_page = browser_for(buyer)
    buyer_page.goto(f"{live_server.url}/orders/{delivered.number}/dispute/")
    buyer_page.get_by_label("Yes", exact=True).check()
    buyer_page.get_by_label("What is wrong?").select_option(label="Arrived damaged")
    buyer_page.get_by_label("I will send the item back").check()
    buyer_page.get_by_label("Describe the problem").fill("The case is cracked along one side.")
    buyer_page.get_by_label("Photos and videos").set_input_files([photo("crack.jpg")])
    shots.page(buyer_page, "open with return")
    buyer_page.get_by_role("button", name="Open dispute").click()
    expect(state_badge(buyer_page)).to_have_text("Awaiting the seller's response")
    expect(buyer_page.get_by_test_id("deadline-sentence")).to_contain_text("after the item is returned")
    dispute = Dispute.objects.get(order=delivered)

    seller_page = browser_for(seller)
    seller_page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    shots.page(seller_page, "seller sees request")
    seller_page.get_by_role("button", name="Accept: refund 60.00 USD after return").click()
    confirm_in_modal(seller_page, "Yes, refund 60.00 USD")
    expect(seller_page.get_by_role("alert").filter(has_text="You accepted the request")).to_be_visible()
    expect(state_badge(seller_page)).to_have_text("Awaiting return shipment")
    shots.page(seller_page, "seller accepted")

    buyer_page.reload()
    expect(state_badge(buyer_page)).to_have_text("Awaiting return shipment")
    ship = action_form(buyer_page, "ship_return")
    expect(ship.locator("address")).to_contain_text("1 Warehouse Road")
    ship.get_by_label("Carrier").select_option(label="DHL")
    ship.get_by_label("Tracking number").fill("jd0146 0000 1234")
    shots.page(buyer_page, "buyer enters tracking")
    ship.get_by_role("button", name="I have shipped the return").click()
    expect(buyer_page.get_by_role("alert").filter(has_text="Return recorded")).to_be_visible()
    expect(state_badge(buyer_page)).to_have_text("Return in transit")
    expect(buyer_page.locator("code", has_text="JD0146 0000 1234")).to_be_visible()
    shots.page(buyer_page, "return in transit")

    seller_page.reload()
    expect(seller_page.locator("code", has_text="JD0146 0000 1234")).to_be_visible()
    seller_page.get_by_role("button", name="The return arrived: refund 60.00 USD").click()
    confirm_in_modal(seller_page, "Yes, it arrived: refund 60.00 USD")
    expect(seller_page.get_by_role("alert").filter(has_text="Return confirmed")).to_be_visible()
    expect(state_badge(seller_page)).to_have_text("Resolved for the buyer")
    expect(refund_badge(seller_page)).to_have_text("Paid")
    shots.page(seller_page, "seller confirmed")

    buyer_page.reload()
    expect(
        buyer_page.get_by_role("heading", name="Resolved for the buyer: a refund of 60.00 USD.")
    ).to_be_visible()
    expect(refund_badge(buyer_page)).to_have_text("Paid")
    shots.page(buyer_page, "buyer refunded")


def test_escalated_dispute_decided_by_a_mediator_after_asking_the_buyer_for_evidence(
    live_server, browser_for, journey, photo, buyer, seller, mediator, delivered
):
    shots = journey("d-mediation")
    dispute = open_dispute_for(delivered, at=timezone.now(), reason="does_not_work")

    seller_page = browser_for(seller)
    seller_page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    reject = action_form(seller_page, "reject_request")
    reject.get_by_label("Why do you reject the request?").fill("Both earbuds worked when we packed them.")
    reject.get_by_role("button", name="Reject request").click()
    expect(state_badge(seller_page)).to_have_text("Awaiting the buyer's response")

    buyer_page = browser_for(buyer)
    buyer_page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    escalate = action_form(buyer_page, "escalate")
    escalate.get_by_label("Note").fill("The left earbud never charges.")
    shots.page(buyer_page, "buyer escalates")
    escalate.get_by_role("button", name="Escalate to a mediator").click()
    expect(buyer_page.get_by_role("alert").filter(has_text="Escalated")).to_be_visible()
    expect(state_badge(buyer_page)).to_have_text("In mediation")
    shots.page(buyer_page, "buyer in mediation")

    admin = browser_for(mediator, via_form=True)
    expect(admin).to_have_url(f"{live_server.url}/admin/")
    shots.page(admin, "admin home")
    admin.get_by_role("link", name="The queue: disputes in mediation").click()
    expect(admin).to_have_url(re.compile(r"/admin/disputes/dispute/"))
    shots.page(admin, "queue")
    admin.locator("#result_list").get_by_role("link", name=re.compile(re.escape(delivered.number))).click()
    expect(admin.locator("#case-summary")).to_contain_text("In mediation")
    shots.page(admin, "case")
    admin.get_by_role("button", name="Assign to me").click()
    expect(admin.locator("#case-summary")).to_contain_text("Maria")
    admin.locator("#request-evidence > summary").click()
    request_form = admin.locator("#request-evidence form")
    request_form.get_by_label("the buyer").check()
    request_form.get_by_label("What is needed").fill("A short video of the left earbud on its charger.")
    shots.page(admin, "requesting evidence")
    request_form.get_by_role("button", name="Send the request").click()
    expect(admin.locator(".messagelist")).to_contain_text("Evidence requested from the buyer")
    shots.page(admin, "evidence requested")

    buyer_page.reload()
    expect(state_badge(buyer_page)).to_have_text("In mediation: evidence requested")
    request_box = buyer_page.get_by_role("region", name="The mediator asks the buyer for evidence")
    expect(request_box).to_contain_text("A short video of the left earbud on its charger.")
    provide = action_form(buyer_page, "provide_evidence")
    provide.get_by_label("Photos and videos").set_input_files([photo("charger.png", color=(20, 120, 20))])
    provide.get_by_label("Note").fill("No video camera; here is a photo: the light stays off.")
    shots.page(buyer_page, "buyer sends evidence")
    provide.get_by_role("button", name="Send to the mediator").click()
    expect(buyer_page.get_by_role("alert").filter(has_text="The mediator has been told")).to_be_visible()
    expect(state_badge(buyer_page)).to_have_text("In mediation")
    assert_thumbnails_shown(buyer_page, 2, "from the Buyer")

    admin.reload()
    new_photo = admin.locator("#case-evidence").get_by_role("img", name="charger.png")
    new_photo.scroll_into_view_if_needed()
    expect(new_photo).to_be_visible()
    admin.locator("#decide-partial_refund > summary").click()
    decide = admin.locator("#decide-partial_refund form")
    decide.get_by_label("Amount to refund").fill("35.00")
    reason = "The photo shows the left earbud not charging; the right one and the case are fine."
    decide.get_by_label("Reason").fill(reason)
    shots.page(admin, "deciding")
    decide.get_by_role("button", name="Decide: Partial refund").click()
    expect(admin.get_by_test_id("confirm-consequence")).to_contain_text("35.00 USD is refunded to the buyer")
    admin.get_by_role("button", name="Confirm the decision").click()
    expect(admin.locator(".messagelist")).to_contain_text("Decided: Partial refund")
    shots.page(admin, "decided")

    for page, who in ((buyer_page, "buyer"), (seller_page, "seller")):
        page.reload()
        expect(state_badge(page)).to_have_text("Resolved for the buyer")
        expect(page.get_by_role("heading", name="The mediator's decision")).to_be_visible()
        expect(page.get_by_test_id("decision-note")).to_have_text(reason)
        expect(refund_badge(page)).to_have_text("Paid")
        expect(page.get_by_text("35.00 USD").first).to_be_visible()
        shots.page(page, f"{who} sees decision")
