"""A conversation carries its order's buyer and store, so a person's conversations (the inbox,
the unread count in every page's navigation) are found through an index, for both sides."""

import pytest

from messaging import selectors
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_the_first_message_records_the_orders_buyer_and_store(order, buyer, seller, store, send):
    message = send(order, buyer, "Where is my parcel?")

    conversation = message.conversation
    assert (conversation.buyer_id, conversation.store_id) == (buyer.pk, store.pk)


def test_each_side_finds_only_its_own_conversations(order, buyer, seller, other_buyer, send):
    send(order, seller, "Shipped today.")
    elsewhere = OrderFactory(buyer=other_buyer)
    send(elsewhere, other_buyer, "Hello?")

    assert [c.order for c in selectors.inbox_for_user(user=buyer)] == [order]
    assert {c.order for c in selectors.inbox_for_user(user=seller)} == {order}
    assert selectors.unread_messages(buyer).count() == 1
    assert selectors.unread_messages(seller).count() == 0
    assert selectors.unread_messages(elsewhere.store.owner).count() == 1


def test_a_seller_who_also_buys_sees_both_sides_once(order, seller, store, send):
    as_buyer = OrderFactory(buyer=seller)
    send(order, order.buyer, "A question")
    send(as_buyer, as_buyer.store.owner, "Your order shipped")

    assert {c.order for c in selectors.inbox_for_user(user=seller)} == {order, as_buyer}
    assert selectors.unread_messages(seller).count() == 2
