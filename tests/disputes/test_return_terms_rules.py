"""Every return rule reads the terms the order was bought under, never the store's policy of
today (issue 13, item 3): one test per rule changes the policy after purchase, and a new order
shows the new policy does apply to orders placed after the change."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Dispute
from orders import services as order_services
from orders.models import Order, Store
from tests.factories import OrderFactory, confirm, deliver, evidence_files, open_dispute_for, ship

pytestmark = pytest.mark.django_db

R = Dispute.Reason
DAY = timedelta(days=1)


def set_policy(store: Store, **changes) -> None:
    order_services.update_return_policy(
        store=store, seller=store.owner, changes=changes, free_return_countries=[]
    )


def received(store: Store, buyer, *, paid_at: datetime, items=None, currency: str = "USD") -> Order:
    """Paid at ``paid_at`` under the store's policy of that moment, delivered 4 days later and
    confirmed the next day: disputes may be opened until 16 days after delivery."""
    order = OrderFactory(buyer=buyer, store=store, paid_at=paid_at, items=items, currency=currency)
    return confirm(deliver(ship(order, at=paid_at + DAY), at=paid_at + 4 * DAY), at=paid_at + 5 * DAY)


def change_of_mind(order: Order, *, at: datetime, with_return: bool = True, items=None) -> Dispute:
    return open_dispute_for(order, at=at, reason=R.CHANGED_MIND, with_return=with_return, items=items)


# --- the change-of-mind window ----------------------------------------------------------------------
def test_a_shorter_window_set_after_purchase_does_not_shorten_the_orders(store, buyer, now):
    set_policy(store, return_window_days=30)
    order = received(store, buyer, paid_at=now)
    set_policy(store, return_window_days=14)
    day_15 = order.delivered_at + 15 * DAY

    assert change_of_mind(order, at=day_15).is_open

    newer = received(store, buyer, paid_at=now)
    with pytest.raises(services.ClaimNotAllowed, match="14-day return window"):
        change_of_mind(newer, at=newer.delivered_at + 15 * DAY)


# --- a store that stops accepting returns -----------------------------------------------------------
def test_a_store_that_stops_accepting_returns_still_takes_back_what_it_sold_accepting_them(store, buyer, now):
    order = received(store, buyer, paid_at=now)
    set_policy(store, accepts_returns=False)

    assert change_of_mind(order, at=order.delivered_at + 2 * DAY).is_open

    newer = received(store, buyer, paid_at=now)
    with pytest.raises(services.ClaimNotAllowed, match="does not accept returns"):
        change_of_mind(newer, at=newer.delivered_at + 2 * DAY)


def test_a_store_that_starts_accepting_returns_does_not_open_them_for_older_orders(store, buyer, now):
    set_policy(store, accepts_returns=False)
    order = received(store, buyer, paid_at=now)
    set_policy(store, accepts_returns=True)

    with pytest.raises(services.ClaimNotAllowed, match="does not accept returns"):
        change_of_mind(order, at=order.delivered_at + 2 * DAY)


# --- non-returnable categories ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "policy_field"),
    [("is_used", "returns_used_items"), ("is_personalised", "returns_personalised_items")],
)
def test_used_and_personalised_items_follow_the_terms_of_purchase(store, buyer, now, flag, policy_field):
    set_policy(store, **{policy_field: True})
    order = received(store, buyer, paid_at=now)
    order.items.filter(title="Wireless earbuds").update(**{flag: True})
    set_policy(store, **{policy_field: False})

    assert change_of_mind(order, at=order.delivered_at + 2 * DAY).is_open

    newer = received(store, buyer, paid_at=now)
    newer.items.filter(title="Wireless earbuds").update(**{flag: True})
    with pytest.raises(services.ClaimNotAllowed, match="cannot be returned for a change of mind"):
        change_of_mind(newer, at=newer.delivered_at + 2 * DAY)


# --- refund without return --------------------------------------------------------------------------
CHEAP = [("USB cable", 2, Decimal("8.00")), ("Phone case", 1, Decimal("30.00"))]


def test_a_change_of_mind_on_items_under_the_threshold_needs_no_return(store, buyer, now):
    order = received(store, buyer, paid_at=now, items=CHEAP)
    cable = order.items.get(title="USB cable")

    dispute = change_of_mind(order, at=order.delivered_at + 2 * DAY, with_return=False, items=[(cable, 2)])

    assert dispute.is_open and dispute.requested_return is False
    assert dispute.requested_amount == Decimal("16.00")


def test_an_item_at_or_above_the_threshold_is_still_sent_back(store, buyer, now):
    order = received(store, buyer, paid_at=now, items=CHEAP)

    with pytest.raises(services.ClaimNotAllowed) as refused:
        change_of_mind(order, at=order.delivered_at + 2 * DAY, with_return=False)

    assert refused.value.field == "with_return"
    assert "Only items under 10.00 USD are refunded without a return." in str(refused.value)


def test_the_threshold_is_in_the_orders_currency(store, buyer, now):
    """500 RUB is under the rouble threshold (1000 RUB); 15 USD is not under the dollar one."""
    in_roubles = received(store, buyer, paid_at=now, currency="RUB", items=[("Cable", 1, Decimal("500.00"))])
    in_dollars = received(store, buyer, paid_at=now, currency="USD", items=[("Cable", 1, Decimal("15.00"))])

    assert change_of_mind(in_roubles, at=in_roubles.delivered_at + 2 * DAY, with_return=False).is_open
    with pytest.raises(services.ClaimNotAllowed, match=r"under 10\.00 USD"):
        change_of_mind(in_dollars, at=in_dollars.delivered_at + 2 * DAY, with_return=False)


def test_a_lower_threshold_set_after_purchase_does_not_apply_to_the_order(store, buyer, now):
    order = received(store, buyer, paid_at=now, items=CHEAP)
    set_policy(store, refund_without_return_threshold=Decimal("5.00"), refund_without_return_currency="USD")
    cable = order.items.get(title="USB cable")

    assert change_of_mind(
        order, at=order.delivered_at + 2 * DAY, with_return=False, items=[(cable, 1)]
    ).is_open

    newer = received(store, buyer, paid_at=now, items=CHEAP)
    with pytest.raises(services.ClaimNotAllowed, match=r"under 5\.00 USD"):
        change_of_mind(
            newer,
            at=newer.delivered_at + 2 * DAY,
            with_return=False,
            items=[(newer.items.get(title="USB cable"), 1)],
        )


def test_the_buyer_may_drop_the_return_of_items_under_the_threshold(store, buyer, seller, now):
    order = received(store, buyer, paid_at=now, items=CHEAP)
    cable = order.items.get(title="USB cable")
    dispute = change_of_mind(order, at=order.delivered_at + 2 * DAY, items=[(cable, 2)])
    services.reject_request(
        dispute=dispute, seller=seller, note="Send it back first", evidence=[], now=now + 7 * DAY
    )
    set_policy(store, refund_without_return_threshold=Decimal("1.00"), refund_without_return_currency="USD")

    dispute = services.modify_request(
        dispute=dispute, buyer=buyer, amount=Decimal("16.00"), with_return=False, note="", now=now + 8 * DAY
    )

    dispute.refresh_from_db()
    assert (dispute.requested_amount, dispute.requested_return) == (Decimal("16.00"), False)


# --- who pays return shipping, on the mediator's case page ------------------------------------------
@pytest.fixture
def clock(time_machine, now):
    time_machine.move_to(now + 12 * DAY, tick=False)
    return now + 12 * DAY


def test_the_case_page_shows_the_terms_the_order_was_bought_under(
    client, store, buyer, seller, mediator, now, clock
):
    set_policy(store, return_shipping_paid_by=Store.ReturnShippingPayer.SELLER, return_window_days=30)
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
    dispute = open_dispute_for(order, at=now + 9 * DAY, reason=R.DAMAGED, evidence=evidence_files("dent.jpg"))
    services.reject_request(dispute=dispute, seller=seller, note="No", evidence=[], now=now + 10 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="Please decide", now=now + 11 * DAY)
    set_policy(store, return_shipping_paid_by=Store.ReturnShippingPayer.BUYER, return_window_days=14)
    client.force_login(mediator)

    response = client.get(reverse("admin:disputes_dispute_change", args=[dispute.pk]))

    assert response.status_code == 200
    text = response.text
    assert "accepted within 30 days" in text and "shipping paid by the seller" in text
    assert "The seller pays return shipping." in text
    assert "accepted within 14 days" not in text and "The buyer pays return shipping." not in text
    assert "Wireless earbuds: no free return, free returns do not cover deliveries to US" in text
