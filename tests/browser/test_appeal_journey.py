"""The appeal journey in Chromium: a losing buyer appeals with a new photo, the seller answers,
the mediator who decided cannot take it, a second mediator decides for the buyer and the
difference is refunded; both parties see the decision as final."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services
from tests.factories import mediator_user, open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_losing_buyer_appeals_and_a_second_mediator_decides_for_the_buyer(
    live_server, browser_for, journey, photo, buyer, seller, mediator, delivered
):
    shots = journey("appeal")
    now = timezone.now()
    dispute = open_dispute_for(delivered, at=now, reason="does_not_work")
    services.reject_request(
        dispute=dispute, seller=seller, note="It worked when packed", evidence=[], now=now
    )
    services.escalate_dispute(dispute=dispute, user=buyer, note="It never charged", now=now)
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.REJECT,
        amount=None,
        note="Nothing shows a fault.",
        now=now,
    )
    url = f"{live_server.url}/disputes/{dispute.pk}/"

    buyer_page = browser_for(buyer)
    buyer_page.goto(url)
    offer = buyer_page.locator("details[data-action=file_appeal]")
    expect(offer.locator("summary")).to_contain_text(
        re.compile(r"Appeal this decision \(until \d+ \w+ \d{4}, \d\d:\d\d")
    )
    shots.page(buyer_page, "buyer sees the appeal offer")
    offer.locator("summary").click()
    offer.get_by_label("Why should the decision change?").fill("Here is the charger light staying off.")
    offer.get_by_label("New photos or videos").set_input_files([photo("light-off.png", color=(10, 10, 10))])
    shots.page(buyer_page, "buyer fills the appeal")
    offer.get_by_role("button", name="File the appeal").click()
    expect(buyer_page.get_by_role("alert").filter(has_text="Appeal filed")).to_be_visible()
    expect(buyer_page.get_by_test_id("appeal-state")).to_have_text("Waiting for the other party's answer")
    expect(buyer_page.get_by_test_id("appeal-deadline")).to_contain_text("The seller can answer until")
    shots.page(buyer_page, "buyer sees the appeal waiting")

    seller_page = browser_for(seller)
    seller_page.goto(url)
    expect(seller_page.get_by_test_id("appeal-deadline")).to_contain_text("Your answer is due by")
    answer = seller_page.locator("details[data-action=answer_appeal]")
    answer.get_by_label("Your answer to the appeal").fill("The photo could be of any charger.")
    shots.page(seller_page, "seller answers")
    answer.get_by_role("button", name="Send the answer").click()
    expect(seller_page.get_by_role("alert").filter(has_text="Answer sent")).to_be_visible()
    expect(seller_page.get_by_test_id("appeal-state")).to_have_text("With a second mediator")

    first = browser_for(mediator)
    first.goto(f"{live_server.url}/admin/disputes/appeal/")
    first.locator("#result_list").get_by_role("link", name=re.compile(r"A-\d+")).click()
    expect(first.get_by_test_id("first-mediator")).to_contain_text(
        "a different mediator must take and decide"
    )
    expect(first.get_by_role("button", name="Take this appeal")).to_have_count(0)
    shots.page(first, "the first mediator cannot take it")

    second = mediator_user(username="nick_second", first_name="Nick")
    admin = browser_for(second, via_form=True)
    admin.goto(f"{live_server.url}/admin/disputes/appeal/")
    shots.page(admin, "appeals queue")
    admin.locator("#result_list").get_by_role("link", name=re.compile(r"A-\d+")).click()
    expect(admin.locator("#appeal-evidence").get_by_role("img", name="light-off.png")).to_be_visible()
    admin.get_by_role("button", name="Take this appeal").click()
    expect(admin.locator(".messagelist")).to_contain_text("The appeal is assigned to you.")
    decide = admin.locator("#appeal-actions form").last
    decide.get_by_label("Full refund").check()
    decide.get_by_label("Reason").fill("The new photo shows the charger light off with the earbud in place.")
    shots.page(admin, "second mediator decides")
    decide.get_by_role("button", name="Decide the appeal").click()
    expect(admin.locator(".messagelist")).to_contain_text("Appeal decided (final)")
    expect(admin.get_by_test_id("appeal-decision")).to_contain_text("refunded to the buyer")
    shots.page(admin, "appeal decided")

    for page, who in ((buyer_page, "buyer"), (seller_page, "seller")):
        page.reload()
        expect(page.get_by_test_id("appeal-state")).to_have_text("Decided (final)")
        expect(page.get_by_test_id("appeal-decision")).to_contain_text(
            f"the difference of {delivered.total_paid} USD is refunded to the buyer"
        )
        expect(page.get_by_test_id("appeal-final")).to_contain_text("cannot be appealed again")
        expect(page.locator("#outcome-heading")).to_have_text(
            f"Changed on appeal in the buyer's favour: a refund of {delivered.total_paid} USD in total."
        )
        expect(page.locator("details[data-action=file_appeal]")).to_have_count(0)
        shots.page(page, f"{who} sees the final decision")
