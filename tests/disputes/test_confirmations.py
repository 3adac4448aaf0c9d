"""No irreversible step in one click (issue 15.1): accepting a request or an offer, confirming a
return, withdrawing, confirming receipt and a mediator's decision each run their service only for
a post with ``confirm=1``. The page carries a modal that names the consequence and the amount; a
browser without JavaScript posts without it and gets a review page saying the same, which posts
again with ``confirm=1``."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes import services
from disputes.models import Dispute
from orders.models import Order
from tests.disputes.test_admin import escalated_dispute
from tests.factories import open_dispute_for, ship

pytestmark = pytest.mark.django_db

S = Dispute.State
DAY = timedelta(days=1)


@pytest.fixture
def dispute(order, t0):
    """A "not received" dispute asking 60.00 USD without a return, awaiting the seller."""
    return open_dispute_for(ship(order, at=t0 - 7 * DAY), at=t0, amount=Decimal("60.00"))


def action(name: str, dispute: Dispute) -> str:
    return reverse(f"disputes:{name}", args=[dispute.pk])


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def review_form(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the review page's confirming form."""
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    confirming = [(posts_to, body) for posts_to, body in forms if 'name="confirm" value="1"' in body]
    assert len(confirming) == 1, "the review page has one confirming form"
    posts_to, body = confirming[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', body))
    fields.pop("csrfmiddlewaretoken", None)
    return posts_to, fields


def state_of(dispute: Dispute) -> str:
    dispute.refresh_from_db()
    return dispute.state


def test_the_sellers_accept_without_confirm_shows_the_review_and_changes_nothing(
    client, seller, dispute, clock
):
    client.force_login(seller)

    response = client.post(action("accept_request", dispute))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept the buyer&#x27;s request?" in html
    assert "60.00 USD is refunded to the buyer from this order&#x27;s payment" in html
    assert "Yes, refund 60.00 USD" in html
    assert state_of(dispute) == S.AWAITING_SELLER
    assert not dispute.refunds.exists()
    posts_to, fields = review_form(html)
    assert (posts_to, fields) == (action("accept_request", dispute), {"confirm": "1"})

    confirmed = client.post(posts_to, fields)

    assert flashes(confirmed) == ["You accepted the request. The buyer has been told."]
    assert state_of(dispute) == S.RESOLVED_BUYER
    assert dispute.refunds.get().amount == Decimal("60.00")


def test_accepting_a_request_with_a_return_says_the_item_goes_back_first(client, seller, order, t0, clock):
    dispute = open_dispute_for(ship(order, at=t0 - 7 * DAY), at=t0, with_return=True)
    client.force_login(seller)

    html = client.post(action("accept_request", dispute)).content.decode()

    assert "The buyer sends the item back to the return address" in html
    assert "60.00 USD is refunded to the buyer once you confirm it arrived" in html
    assert state_of(dispute) == S.AWAITING_SELLER


def test_the_buyers_withdraw_without_confirm_names_the_refund_given_up(client, buyer, dispute, clock):
    client.force_login(buyer)

    response = client.post(action("withdraw", dispute))

    html = response.content.decode()
    assert "Withdraw the dispute and give up the refund?" in html
    assert "You give up the refund of 60.00 USD you asked for." in html
    assert "Withdraw and give up 60.00 USD" in html and "btn btn-danger" in html
    assert state_of(dispute) == S.AWAITING_SELLER

    client.post(action("withdraw", dispute), {"confirm": "1"})

    assert state_of(dispute) == S.WITHDRAWN


def test_the_buyers_accept_offer_without_confirm_names_the_offer(client, buyer, seller, dispute, t0, clock):
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("25.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0,
    )
    client.force_login(buyer)

    html = client.post(action("accept_offer", dispute)).content.decode()

    assert "You agree to 25.00 USD without a return." in html
    assert "Yes, accept 25.00 USD" in html
    assert state_of(dispute) == S.AWAITING_BUYER


def test_the_sellers_return_confirmation_names_the_refund(client, seller, order, t0, clock):
    dispute = open_dispute_for(ship(order, at=t0 - 7 * DAY), at=t0, with_return=True)
    services.accept_request(dispute=dispute, seller=seller, now=t0)
    services.ship_return(
        dispute=dispute, buyer=order.buyer, carrier="dhl", tracking_number="JD014600001234", now=t0
    )
    client.force_login(seller)

    html = client.post(action("confirm_return_received", dispute)).content.decode()

    assert "Confirm the return arrived?" in html
    assert "60.00 USD is refunded to the buyer and the dispute closes." in html
    assert state_of(dispute) == S.RETURN_IN_TRANSIT


def test_an_unconfirmed_step_that_is_not_open_to_the_user_is_refused_without_a_review(
    client, buyer, dispute, clock
):
    client.force_login(buyer)

    response = client.post(action("accept_request", dispute))

    assert response.status_code == 302
    assert flashes(response) == ["This step is no longer open. The page shows where the dispute stands."]
    assert state_of(dispute) == S.AWAITING_SELLER


def test_the_dispute_page_carries_a_modal_per_final_step_and_keeps_withdraw_apart(
    client, buyer, seller, dispute, t0, clock
):
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("25.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0,
    )
    client.force_login(buyer)

    response = client.get(reverse("disputes:detail", args=[dispute.pk]))

    html = response.content.decode()
    assert set(response.context["confirmations"]) == {"accept_offer", "withdraw"}
    assert 'data-confirm="#confirm-accept_offer"' in html and 'id="confirm-accept_offer"' in html
    assert 'data-confirm="#confirm-withdraw"' in html and 'id="confirm-withdraw"' in html
    # The modal's own form posts the confirmation; the page's buttons never do.
    assert html.count('name="confirm" value="1"') == 2
    accept_button = re.search(r"<button[^>]*>Accept the offer of 25.00 USD</button>", html).group(0)
    withdraw_button = re.search(
        r"<button[^>]*>Withdraw the dispute and give up the refund</button>", html
    ).group(0)
    assert "btn-success" in accept_button and "btn-success" not in withdraw_button
    # Withdraw is not the twin beside "Accept offer": it sits in its own area, below the others.
    withdraw_area = html.index('data-testid="withdraw-area"')
    assert html.index("Accept the offer of 25.00 USD") < html.index("Change my request") < withdraw_area


def test_the_buyers_confirm_receipt_without_confirm_names_the_payment_and_its_release(
    client, buyer, order, now, time_machine
):
    ship(order, at=now)
    time_machine.move_to(now + 2 * DAY, tick=False)
    client.force_login(buyer)
    url = reverse("orders:confirm", args=[order.number])

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    review = client.post(url).content.decode()

    assert 'data-confirm="#confirm-confirm_receipt"' in page and 'id="confirm-confirm_receipt"' in page
    assert "Confirm that the item arrived?" in review
    assert "The payment of 60.00 USD is released to the seller on 18 Nov 2026, 12:00" in review
    order.refresh_from_db()
    assert order.state == Order.State.SHIPPED

    client.post(url, {"confirm": "1"})

    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED


def test_a_mediators_decision_is_reviewed_with_its_amount_before_it_is_made(
    client, mediator, order, now, time_machine
):
    escalated_at = now + 10 * DAY
    dispute = escalated_dispute(order, at=escalated_at)
    time_machine.move_to(escalated_at + DAY, tick=False)
    client.force_login(mediator)
    url = reverse("admin:disputes_dispute_decide", args=[dispute.pk])
    decision = {"decision": "partial_refund", "amount": "35.00", "note": "Half the set works."}

    review = client.post(url, decision)

    html = review.content.decode()
    assert review.status_code == 200
    assert "35.00 USD is refunded to the buyer and the dispute closes for the buyer." in html
    assert "Half the set works." in html
    assert state_of(dispute) == S.IN_MEDIATION
    posts_to, fields = review_form(html)
    assert posts_to == url
    assert fields == {
        "amount": "35.00",
        "confirm": "1",
        "decision": "partial_refund",
        "note": "Half the set works.",
    }

    client.post(posts_to, fields)

    assert state_of(dispute) == S.RESOLVED_BUYER
    assert dispute.refund_amount == Decimal("35.00")


def test_a_mediators_rejection_is_reviewed_as_no_refund(client, mediator, order, now, time_machine):
    escalated_at = now + 10 * DAY
    dispute = escalated_dispute(order, at=escalated_at)
    time_machine.move_to(escalated_at + DAY, tick=False)
    client.force_login(mediator)

    html = client.post(
        reverse("admin:disputes_dispute_decide", args=[dispute.pk]),
        {"decision": "reject", "note": "Tracking shows delivery."},
    ).content.decode()

    assert "The claim is rejected: no refund is paid and the dispute closes for the seller." in html
    assert state_of(dispute) == S.IN_MEDIATION
