"""Buyer and seller talk about an order: a photo, the unread badge, the reply."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

ONE_UNREAD = re.compile(r"^\D*\b1$")


def test_a_message_with_a_photo_shows_as_unread_until_the_seller_opens_it(
    live_server, browser_for, journey, photo, buyer, seller, delivered
):
    shots = journey("e-messaging")
    buyer_page = browser_for(buyer)
    buyer_page.goto(f"{live_server.url}/orders/{delivered.number}/")
    buyer_page.get_by_test_id("contact-link").click()
    expect(buyer_page).to_have_url(f"{live_server.url}/messages/{delivered.number}/")
    expect(buyer_page.get_by_role("heading", level=1)).to_have_text("Conversation with Sam's Gadgets")
    expect(buyer_page.get_by_test_id("chat-reminder")).to_contain_text("Agreements made in chat do not count")
    shots.page(buyer_page, "buyer empty conversation")
    buyer_page.get_by_role("textbox", name="Message").fill(
        "Is the white version coming back? Photo of what I got."
    )
    buyer_page.get_by_label("Photos").set_input_files([photo("what-i-got.jpg", color=(90, 90, 90))])
    buyer_page.get_by_role("button", name="Send").click()

    mine = buyer_page.get_by_test_id("message").last
    expect(mine).to_contain_text("You")
    expect(mine).to_contain_text("Is the white version coming back?")
    expect(mine.get_by_role("img", name="Photo 1 from You")).to_be_visible()
    shots.page(buyer_page, "buyer sent with photo")
    expect(buyer_page.get_by_test_id("message-count")).to_have_count(0)

    seller_page = browser_for(seller)
    seller_page.goto(live_server.url)
    badge = seller_page.get_by_test_id("message-count")
    expect(badge).to_have_text(ONE_UNREAD)
    expect(badge).to_contain_text("Unread messages")
    shots.page(seller_page, "seller sees unread badge")
    seller_page.get_by_role("link", name=re.compile(r"^Messages")).click()
    expect(seller_page.get_by_test_id("unread-count")).to_have_text(ONE_UNREAD)
    shots.page(seller_page, "seller inbox")
    seller_page.get_by_role("link", name=re.compile(f"Order {delivered.number}")).click()
    expect(seller_page.get_by_test_id("unread-divider")).to_be_visible()
    theirs = seller_page.get_by_test_id("message").last
    expect(theirs).to_contain_text("Is the white version coming back?")
    picture = theirs.get_by_role("img", name=re.compile(r"^Photo 1 from"))
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0, "the photo's thumbnail did not load"
    shots.page(seller_page, "seller reads")

    seller_page.reload()
    expect(seller_page.get_by_test_id("message-count")).to_have_count(0)
    expect(seller_page.get_by_test_id("unread-divider")).to_have_count(0)
    seller_page.get_by_role("textbox", name="Message").fill("Yes, next week. I can swap it for you.")
    seller_page.get_by_role("button", name="Send").click()
    expect(seller_page.get_by_test_id("message").last).to_contain_text("Yes, next week.")

    buyer_page.goto(f"{live_server.url}/orders/")
    expect(buyer_page.get_by_test_id("message-count")).to_have_text(ONE_UNREAD)
    buyer_page.get_by_role("link", name=re.compile(r"^Messages")).click()
    buyer_page.get_by_role("link", name=re.compile(f"Order {delivered.number}")).click()
    reply = buyer_page.get_by_test_id("message").last
    expect(reply).to_contain_text("Sam's Gadgets")
    expect(reply).to_contain_text("Yes, next week.")
    shots.page(buyer_page, "buyer reads reply")
