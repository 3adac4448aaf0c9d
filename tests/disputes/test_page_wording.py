"""The words match the state (issue 15.3) and a finished dispute is never a dead end (15.4): each
test puts a dispute in one state through the real services and reads what the page says."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Dispute
from portal.notifications.models import Notification
from tests.disputes.test_admin import escalated_dispute
from tests.factories import deliver, image_upload, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def dispute_page(client, user, dispute: Dispute) -> str:
    return page(client, user, reverse("disputes:detail", args=[dispute.pk]))


def order_page(client, user, order) -> str:
    return page(client, user, reverse("orders:detail", args=[order.number]))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").split())


def partly_refunded(order, mediator, now) -> Dispute:
    """A case on the 60.00 USD ``order``, escalated on day 10, in which the mediator refunds
    20.00 on day 11."""
    dispute = escalated_dispute(order, at=now + 10 * DAY)
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision="partial_refund",
        amount=Decimal("20.00"),
        note="Half.",
        now=now + 11 * DAY,
    )
    return dispute


@pytest.fixture
def delivered(order, now):
    ship(order, at=now)
    return deliver(order, at=now + DAY)


@pytest.fixture
def damaged(delivered, now):
    """A "damaged" claim for 40.00 USD without a return, opened on day 3 and awaiting the seller."""
    return open_dispute_for(delivered, at=now + 2 * DAY, reason="damaged", amount=Decimal("40.00"))


@pytest.fixture
def on_day_4(time_machine, now):
    time_machine.move_to(now + 3 * DAY, tick=False)


# --- 15.3: after a rejection there is no offer to accept ------------------------------------------------
def test_after_the_seller_rejects_the_buyer_is_not_told_to_accept_an_offer(
    client, buyer, seller, damaged, now, on_day_4
):
    services.reject_request(
        dispute=damaged, seller=seller, note="It left us intact.", evidence=[], now=now + 2 * DAY
    )

    words = text(dispute_page(client, buyer, damaged))

    assert "You must change the request, escalate to a mediator, or withdraw." in words
    assert "accept the offer" not in words.lower()


def test_after_a_counter_offer_the_buyer_is_told_to_accept_it_or_not(
    client, buyer, seller, damaged, now, on_day_4
):
    services.counter_offer(
        dispute=damaged,
        seller=seller,
        amount=Decimal("15.00"),
        with_return=False,
        note="",
        evidence=[],
        now=now + 2 * DAY,
    )

    words = text(dispute_page(client, buyer, damaged))

    assert "You must accept the offer, change the request, escalate, or withdraw." in words


def test_the_sellers_rejection_message_does_not_promise_an_offer(client, seller, damaged, on_day_4):
    client.force_login(seller)

    response = client.post(
        reverse("disputes:reject_request", args=[damaged.pk]), {"note": "It left us intact."}, follow=True
    )

    assert "The buyer can now change the request, escalate or withdraw." in response.content.decode()


# --- 15.3: which request is current ---------------------------------------------------------------------
def test_the_request_is_current_only_while_it_is_the_open_one(client, buyer, seller, damaged, now, on_day_4):
    before = text(dispute_page(client, buyer, damaged))
    services.counter_offer(
        dispute=damaged,
        seller=seller,
        amount=Decimal("15.00"),
        with_return=False,
        note="",
        evidence=[],
        now=now + 2 * DAY,
    )
    after_offer = text(dispute_page(client, buyer, damaged))
    services.withdraw_dispute(dispute=damaged, buyer=buyer, now=now + 2 * DAY)
    after_withdrawal = text(dispute_page(client, buyer, damaged))

    assert "Current request 40.00 USD" in before
    assert "Current request" not in after_offer and "Last request 40.00 USD" in after_offer
    assert "The seller answered it" in after_offer
    assert "Current request" not in after_withdrawal and "Last request 40.00 USD" in after_withdrawal


# --- 15.3: a mediator's rejection -----------------------------------------------------------------------
@pytest.fixture
def rejected_by_mediator(order, now, mediator, time_machine):
    dispute = escalated_dispute(order, at=now + 10 * DAY)
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision="reject",
        amount=None,
        note="Tracking shows it.",
        now=now + 11 * DAY,
    )
    time_machine.move_to(now + 12 * DAY, tick=False)
    return dispute


def test_a_mediators_rejection_reads_as_no_refund_decided_not_agreed(client, buyer, rejected_by_mediator):
    words = text(dispute_page(client, buyer, rejected_by_mediator))

    assert "Mediator's decision · Mediator · no refund decided by the mediator" in words
    assert re.search(r"(?<![\d.])0\.00 USD", words) is None
    assert "agreed" not in words


def test_a_mediators_partial_refund_is_decided_terms_not_agreed_ones(
    client, buyer, order, now, mediator, time_machine
):
    dispute = partly_refunded(order, mediator, now)
    time_machine.move_to(now + 12 * DAY, tick=False)

    words = text(dispute_page(client, buyer, dispute))

    assert "20.00 USD, without return decided by the mediator" in words
    assert "Decided terms (final): 20.00 USD" in words
    assert "Agreed terms" not in words


# --- 15.3 and 15.4: after a dispute ends, the order page and the dispute page say what is next -------
def test_after_a_partial_refund_both_pages_say_until_when_and_for_how_much_another_dispute_can_be_opened(
    client, buyer, seller, order, now, mediator, time_machine
):
    dispute = partly_refunded(order, mediator, now)
    time_machine.move_to(now + 12 * DAY, tick=False)
    order.refresh_from_db()
    until = order.dispute_window_ends_at
    assert until is not None and until > now + 12 * DAY
    when = f"{until.day} {until:%b %Y}, {until:%H:%M}"

    buyer_order = text(order_page(client, buyer, order))
    seller_order = text(order_page(client, seller, order))
    buyer_dispute = text(dispute_page(client, buyer, dispute))
    seller_dispute = text(dispute_page(client, seller, dispute))

    assert f"You can open another dispute until {when}, for up to 40.00 USD." in buyer_order
    assert f"The buyer can open another dispute until {when}, for up to 40.00 USD." in seller_order
    assert "This case is closed. It ended with the refund above." in buyer_dispute
    assert f"You can open another dispute on this order until {when}, for up to 40.00 USD." in buyer_dispute
    assert "Open another dispute" in buyer_dispute
    assert f"The buyer can open another dispute on this order until {when}" in seller_dispute


def test_when_no_other_dispute_can_be_opened_the_pages_say_so_and_why(
    client, buyer, seller, order, rejected_by_mediator
):
    buyer_order = text(order_page(client, buyer, order))
    buyer_dispute = text(dispute_page(client, buyer, rejected_by_mediator))
    seller_dispute = text(dispute_page(client, seller, rejected_by_mediator))

    assert (
        "You cannot open another dispute on this order. The dispute window for this order has closed."
        in buyer_order
    )
    assert "This case is closed. It ended without a refund." in buyer_dispute
    assert (
        "You cannot open another dispute on this order. The dispute window for this order has closed."
        in buyer_dispute
    )
    assert "The buyer cannot open another dispute on this order." in seller_dispute
    assert "Open another dispute" not in buyer_dispute


def test_a_finished_dispute_offers_each_party_the_conversation(
    client, buyer, seller, order, rejected_by_mediator
):
    conversation = reverse("messaging:conversation", args=[order.number])

    buyer_html = dispute_page(client, buyer, rejected_by_mediator)
    seller_html = dispute_page(client, seller, rejected_by_mediator)

    assert f'<a href="{conversation}">Message the seller</a>' in buyer_html
    assert f'<a href="{conversation}">Message the buyer</a>' in seller_html
    assert 'data-testid="next-steps"' in buyer_html and 'data-testid="next-steps"' in seller_html


def test_an_open_dispute_has_no_next_steps_box_but_the_seller_can_message_the_buyer(
    client, seller, damaged, on_day_4
):
    html = dispute_page(client, seller, damaged)

    assert 'data-testid="next-steps"' not in html
    link = re.search(r'<a class="[^"]*" href="([^"]+)" data-testid="message-link">✉ ([^<]+)</a>', html)
    assert link.groups() == (
        reverse("messaging:conversation", args=[damaged.order.number]),
        "Message the buyer",
    )


def test_a_request_the_seller_accepted_is_the_agreed_request(client, buyer, seller, damaged, now, on_day_4):
    services.accept_request(dispute=damaged, seller=seller, now=now + 2 * DAY)

    words = text(dispute_page(client, buyer, damaged))

    assert "Agreed request 40.00 USD" in words
    assert "Current request" not in words and "Last request" not in words


# --- 15.3: notifications stop asking once a dispute is open ---------------------------------------------
def test_opening_a_dispute_stops_the_orders_notifications_asking_to_confirm_or_dispute(
    client, buyer, order, now, time_machine, django_capture_on_commit_callbacks
):
    ship(order, at=now)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(order, at=now + DAY)
    asking = Notification.objects.get(recipient=buyer, kind="order.delivered")
    assert asking.act_by is not None
    time_machine.move_to(now + 2 * DAY, tick=False)
    before = text(page(client, buyer, reverse("notifications:list")))

    with django_capture_on_commit_callbacks(execute=True):
        open_dispute_for(order, at=now + 2 * DAY, reason="damaged")
    after = text(page(client, buyer, reverse("notifications:list")))

    assert "Your move, by" in before and "Action needed" in before
    assert "Your move, by" not in after and "Action needed" not in after
    assert "No longer needed since" in after
    asking.refresh_from_db()
    assert asking.settled_at == now + 2 * DAY


# --- 15.3: the dispute form -----------------------------------------------------------------------------
def open_form(order, **overrides) -> dict:
    data = {
        "item_received": "yes",
        "reason": Dispute.Reason.DAMAGED,
        "refund_type": "full",
        "amount": "",
        "description": "The screen is cracked.",
        **{f"item_{item.pk}": item.quantity for item in order.items.all()},
    }
    data.update(overrides)
    return data


def test_the_form_groups_the_reasons_by_the_received_answer(client, buyer, delivered, on_day_4):
    html = page(client, buyer, reverse("disputes:open", args=[delivered.number]))

    arrived = html[
        html.index('<optgroup label="If the item arrived">') : html.index(
            '<optgroup label="If it did not arrive">'
        )
    ]
    assert 'value="damaged"' in arrived and 'value="not_received"' not in arrived
    assert 'data-reasons-if-not-received="not_received"' in html
    assert "js/dispute_form.js" in html


def test_a_reason_that_needs_the_item_is_refused_when_the_buyer_says_it_did_not_arrive(
    client, buyer, delivered, on_day_4
):
    client.force_login(buyer)
    data = open_form(
        delivered, item_received="no", reason=Dispute.Reason.DAMAGED, evidence=[image_upload("dent.jpg")]
    )

    response = client.post(reverse("disputes:open", args=[delivered.number]), data)

    assert response.status_code == 400
    assert "You said the item did not arrive" in text(str(response.context["form"].errors["reason"]))
    assert not Dispute.objects.filter(order=delivered).exists()


def test_errors_are_summarised_at_the_top_with_links_and_a_note_to_choose_files_again(
    client, buyer, delivered, on_day_4
):
    client.force_login(buyer)
    data = open_form(delivered, refund_type="partial", description="")

    html = client.post(reverse("disputes:open", args=[delivered.number]), data).content.decode()

    start = html.index('data-testid="error-summary"')
    summary = html[start : html.index("<form", start)]
    assert '<a href="#id_amount" class="alert-link">Amount</a>: Enter the amount you ask for.' in summary
    assert '<a href="#id_description" class="alert-link">Describe the problem</a>' in summary
    assert "choose your photos and videos again" in summary


def test_the_amount_field_is_marked_for_a_partial_refund_only(client, buyer, delivered, on_day_4):
    html = page(client, buyer, reverse("disputes:open", args=[delivered.number]))

    assert "Only for a partial refund." in html
    assert 'name="amount"' in html and "data-dispute-form" in html


# --- 15.3: the seller's over-limit message --------------------------------------------------------------
def test_a_counter_offer_over_the_limit_speaks_to_the_seller(client, seller, damaged, on_day_4):
    client.force_login(seller)

    response = client.post(
        reverse("disputes:counter_offer", args=[damaged.pk]),
        {"amount": "99.00", "with_return": "", "note": ""},
    )

    error = text(str(response.context["action_forms"]["counter_offer"].errors["amount"]))
    assert "The most you can offer is 60.00 USD (what the buyer paid for these items, less refunds)." in error
    assert "ask for" not in error


def test_a_finished_disputes_page_lists_its_own_refund_and_counts_every_refund_of_the_order(
    client, buyer, seller, order, now, mediator, time_machine
):
    first = partly_refunded(order, mediator, now)
    order.refresh_from_db()
    second = open_dispute_for(order, at=now + 12 * DAY, amount=Decimal("10.00"))
    services.accept_request(dispute=second, seller=seller, now=now + 13 * DAY)
    time_machine.move_to(now + 14 * DAY, tick=False)

    first_page = text(dispute_page(client, buyer, first))
    second_page = text(dispute_page(client, buyer, second))

    assert "Refund: 20.00 USD" in first_page and "Refund: 10.00 USD" not in first_page
    assert "Refund: 10.00 USD" in second_page and "Refund: 20.00 USD" not in second_page
    # What is left to dispute counts both disputes' refunds: 60.00 paid, 30.00 refunded.
    assert "for up to 30.00 USD." in first_page and "for up to 30.00 USD." in second_page
