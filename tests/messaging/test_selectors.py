from datetime import timedelta

import pytest
from django.urls import reverse

from messaging import policy, selectors, services
from messaging.models import Party
from tests.factories import OrderFactory, StoreFactory
from tests.messaging.conftest import photo

#: Session, user, the navigation bar (seller?, notifications, messages), the page's count and rows
#: (7 today), plus one spare for the navigation bar.
INBOX_QUERY_BUDGET = 8
#: Session, user, order, conversation, messages, photos, read state, whether anything is unread,
#: the read receipt (the conversation's row locked, the receipt's UPDATE, the unread counts'
#: UPDATE, in a transaction: a savepoint and its release inside the test's) and the navigation
#: bar: 16 today.
CONVERSATION_QUERY_BUDGET = 16
#: The same page with nothing unread writes no receipt: 5 fewer.
CONVERSATION_READ_QUERY_BUDGET = 11


@pytest.mark.django_db
def test_the_inbox_row_carries_the_latest_message_and_the_unread_count(order, buyer, seller, now, send):
    send(order, seller, "Hello")
    send(order, seller, "x" * 500, after=timedelta(minutes=1))

    [row] = selectors.inbox_for_user(user=buyer)

    assert row.unread_count == 2
    assert row.last_preview == "x" * 140
    assert (row.last_sender_id, row.last_sender_party) == (seller.pk, Party.SELLER)
    assert row.last_message_at == now + timedelta(minutes=1)


@pytest.mark.django_db
def test_the_inbox_counts_the_photos_of_a_photo_only_latest_message(order, buyer, seller, send):
    send(order, seller, "", photos=[photo(), photo("b.jpg")])

    [row] = selectors.inbox_for_user(user=buyer)

    assert row.last_preview == "" and row.last_photo_count == 2


@pytest.mark.django_db
def test_the_inbox_holds_the_conversations_of_both_roles_newest_first(buyer, seller, store, now, send):
    as_buyer = OrderFactory(buyer=seller, store=StoreFactory())
    as_seller = OrderFactory(buyer=buyer, store=store)
    send(as_buyer, seller, "I am buying", after=timedelta(hours=1))
    send(as_seller, seller, "I am selling", after=timedelta(hours=2))

    assert [c.order for c in selectors.inbox_for_user(user=seller)] == [as_seller, as_buyer]
    assert [c.order for c in selectors.inbox_for_user(user=buyer)] == [as_seller]


@pytest.mark.django_db
def test_strangers_and_mediators_have_no_conversations_in_their_inbox(
    disputed_order, buyer, other_buyer, mediator, now, send
):
    send(disputed_order, buyer, "Hello")
    services.post_mediator_message(order=disputed_order, mediator=mediator, body="Mediator", now=now)

    assert not selectors.inbox_for_user(user=other_buyer).exists()
    assert not selectors.inbox_for_user(user=mediator).exists()
    assert selectors.unread_messages(mediator).count() == 0


@pytest.mark.django_db
def test_unread_messages_add_up_over_conversations(order, buyer, seller, store, send):
    second = OrderFactory(buyer=buyer, store=store)
    send(order, seller, "One")
    send(second, seller, "Two")
    send(second, seller, "Three", after=timedelta(minutes=1))

    assert selectors.unread_messages(buyer).count() == 3


def _conversations(count: int, *, buyer, send) -> None:
    for n in range(count):
        order = OrderFactory(buyer=buyer)
        send(order, order.store.owner, f"Message {n}", photos=[photo()] if n % 2 else [])
        send(order, buyer, f"Reply {n}", after=timedelta(minutes=n))


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_inbox_costs_the_same_number_of_queries_for_1_or_50_conversations(
    client, buyer, count, send, django_assert_max_num_queries
):
    _conversations(count, buyer=buyer, send=send)
    client.force_login(buyer)

    with django_assert_max_num_queries(INBOX_QUERY_BUDGET):
        response = client.get(reverse("messaging:inbox"))

    assert response.status_code == 200
    assert response.content.decode().count("list-group-item-action") == min(count, 20)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_the_conversation_page_costs_the_same_number_of_queries_however_long_the_thread(
    client, order, buyer, seller, count, send, django_assert_max_num_queries
):
    for n in range(count):
        send(order, seller if n % 2 else buyer, f"Message {n}", photos=[photo()], after=timedelta(minutes=n))
    client.force_login(buyer)

    with django_assert_max_num_queries(CONVERSATION_QUERY_BUDGET):
        response = client.get(reverse("messaging:conversation", args=[order.number]))

    assert response.status_code == 200


@pytest.mark.django_db
def test_opening_a_conversation_with_nothing_unread_writes_nothing(
    client, order, buyer, seller, now, send, django_assert_max_num_queries
):
    conversation = send(order, seller, "One").conversation
    send(order, buyer, "Thanks", after=timedelta(minutes=1))  # replying reads the thread
    client.force_login(buyer)

    with django_assert_max_num_queries(CONVERSATION_READ_QUERY_BUDGET):
        response = client.get(reverse("messaging:conversation", args=[order.number]))

    assert response.status_code == 200
    assert selectors.last_read_at(conversation=conversation, user=buyer) == now + timedelta(minutes=1)


@pytest.mark.django_db
def test_the_badge_counts_unread_messages_up_to_the_cap_then_says_more(
    order, buyer, seller, now, send, monkeypatch
):
    monkeypatch.setattr(policy, "UNREAD_BADGE_CAP", 2)
    assert selectors.unread_badge(buyer) == ""

    send(order, seller, "One")
    send(order, seller, "Two", after=timedelta(minutes=1))
    assert selectors.unread_badge(buyer) == "2"

    send(order, seller, "Three", after=timedelta(minutes=2))
    assert selectors.unread_badge(buyer) == "2+"
    assert selectors.unread_messages(buyer).count() == 3


@pytest.mark.django_db
def test_a_conversation_read_after_its_last_message_counts_again_with_the_next_one(
    order, buyer, seller, now, send
):
    second = OrderFactory(buyer=buyer, store=order.store)
    send(order, seller, "Old news")
    send(second, seller, "Still unread")
    conversation = send(order, seller, "Read too", after=timedelta(minutes=1)).conversation
    services.mark_conversation_read(conversation=conversation, user=buyer, now=now + timedelta(minutes=2))
    assert (selectors.unread_messages(buyer).count(), selectors.unread_badge(buyer)) == (1, "1")

    send(order, seller, "New", after=timedelta(minutes=3))

    assert (selectors.unread_messages(buyer).count(), selectors.unread_badge(buyer)) == (2, "2")
    assert selectors.unread_badge(seller) == ""
