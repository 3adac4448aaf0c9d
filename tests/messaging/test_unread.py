"""The unread counts each conversation keeps for its buyer and its seller (``messaging.unread``):
after every message and every read receipt they equal the definition,
``selectors.unread_messages``, and the badge and the inbox read them."""

from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import policy, selectors, services
from messaging.models import Conversation
from tests.factories import OrderFactory, StoreFactory, UserFactory, open_dispute_for, ship

pytestmark = pytest.mark.django_db


def kept(conversation: Conversation) -> tuple[int, int]:
    """The counts the conversation keeps: (its buyer's, its seller's)."""
    conversation.refresh_from_db()
    return conversation.buyer_unread, conversation.seller_unread


def defined(conversation: Conversation) -> tuple[int, int]:
    """The same counts from the definition: the messages each side has not read."""
    buyer, seller = conversation.buyer, conversation.store.owner
    return tuple(
        selectors.unread_messages(person).filter(conversation=conversation).count()
        for person in (buyer, seller)
    )


def test_each_side_counts_what_the_others_said_since_it_last_read(
    disputed_order, buyer, seller, mediator, now, send
):
    conversation = send(disputed_order, buyer, "Where is it?").conversation
    send(disputed_order, buyer, "Hello?", after=timedelta(minutes=1))
    assert kept(conversation) == defined(conversation) == (0, 2)

    send(disputed_order, seller, "Shipped last week.", after=timedelta(minutes=2))
    assert kept(conversation) == defined(conversation) == (1, 0)  # the seller read what they answered

    services.post_mediator_message(
        order=disputed_order,
        mediator=mediator,
        body="Please both add tracking.",
        now=now + timedelta(minutes=3),
    )
    assert kept(conversation) == defined(conversation) == (2, 1)

    services.mark_conversation_read(conversation=conversation, user=buyer, now=now + timedelta(minutes=4))
    assert kept(conversation) == defined(conversation) == (0, 1)


def test_a_receipt_earlier_than_a_message_leaves_that_message_unread(order, buyer, seller, now, send):
    conversation = send(order, seller, "One").conversation
    send(order, seller, "Two", after=timedelta(hours=2))

    services.mark_conversation_read(conversation=conversation, user=buyer, now=now + timedelta(hours=1))

    assert kept(conversation) == defined(conversation) == (1, 0)
    assert selectors.unread_badge(buyer) == "1"


def test_reading_a_conversation_with_nothing_unread_changes_no_count(order, buyer, seller, now, send):
    conversation = send(order, seller, "One").conversation
    services.mark_conversation_read(conversation=conversation, user=buyer, now=now + timedelta(hours=1))

    services.mark_conversation_read(conversation=conversation, user=buyer, now=now + timedelta(hours=2))

    assert kept(conversation) == defined(conversation) == (0, 0)
    # Nothing was unread, so nothing was written: the receipt stays where it was.
    assert selectors.last_read_at(conversation=conversation, user=buyer) == now + timedelta(hours=1)


def test_the_badge_adds_up_what_a_person_has_unread_as_buyer_and_as_seller(order, buyer, seller, send):
    bought = OrderFactory(buyer=seller, store=StoreFactory())
    send(order, buyer, "About my order")
    send(order, buyer, "Still waiting", after=timedelta(minutes=1))
    send(bought, bought.store.owner, "Your parcel left today")

    assert selectors.unread_badge(seller) == "3"
    assert selectors.unread_messages(seller).count() == 3
    assert selectors.unread_badge(buyer) == ""


def test_the_badge_stops_counting_at_the_cap(order, buyer, seller, store, send, monkeypatch):
    monkeypatch.setattr(policy, "UNREAD_BADGE_CAP", 2)
    for n in range(3):
        send(OrderFactory(buyer=buyer, store=store), seller, f"Message {n}")

    assert selectors.unread_badge(buyer) == "2+"
    assert selectors.unread_messages(buyer).count() == 3


def test_each_viewer_of_the_inbox_sees_their_own_sides_count(order, buyer, seller, send):
    send(order, buyer, "One")
    send(order, buyer, "Two", after=timedelta(minutes=1))

    assert [c.unread_count for c in selectors.inbox_for_user(user=seller)] == [2]
    assert [c.unread_count for c in selectors.inbox_for_user(user=buyer)] == [0]


def test_the_migration_counts_every_conversation_from_its_messages_and_receipts(
    order, buyer, seller, now, send
):
    first = send(order, seller, "One").conversation
    send(order, buyer, "Two", after=timedelta(minutes=1))
    send(order, seller, "Three", after=timedelta(minutes=2))
    second_order = OrderFactory(buyer=buyer)
    second = send(second_order, buyer, "Hello").conversation
    expected = {c.pk: defined(c) for c in (first, second)}
    Conversation.objects.update(buyer_unread=0, seller_unread=7)

    import_module("messaging.migrations.0006_conversation_unread_counts").count_unread(django_apps, None)

    assert {c.pk: kept(c) for c in (first, second)} == expected == {first.pk: (1, 0), second.pk: (0, 1)}


def test_a_seller_who_bought_from_their_own_store_counts_each_message_once(store, seller, mediator, now):
    own = OrderFactory(buyer=seller, store=store)
    services.send_message(order=own, sender=seller, body="A note to self", photos=[], now=now)
    ship(own, at=now + timedelta(days=1))
    open_dispute_for(own, at=now + timedelta(days=8))
    services.post_mediator_message(order=own, mediator=mediator, body="Hello", now=now + timedelta(days=9))

    assert selectors.unread_messages(seller).count() == 1
    assert selectors.unread_badge(seller) == "1"


def test_the_badge_reads_no_more_conversations_than_the_cap_needs(
    order, buyer, seller, store, send, monkeypatch
):
    monkeypatch.setattr(policy, "UNREAD_BADGE_CAP", 2)
    for n in range(5):
        send(OrderFactory(buyer=buyer, store=store), seller, f"Message {n}")

    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_badge(buyer) == "2+"

    roles, badge = queries.captured_queries
    assert '"orders_store"' in roles["sql"]  # whether they sell: the navigation bar asks it anyway
    assert badge["sql"].rstrip().endswith("LIMIT 3")
    assert "UNION" not in badge["sql"]  # a buyer who sells nothing: only the buyer's side is read


def test_the_badge_of_someone_who_neither_buys_nor_sells_asks_nothing_more(db):
    newcomer = UserFactory()

    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_badge(newcomer) == ""

    assert len(queries.captured_queries) == 1  # the roles


def test_the_recount_command_puts_every_conversations_counts_right(order, buyer, seller, send):
    first = send(order, seller, "One").conversation
    second = send(OrderFactory(buyer=buyer), buyer, "Two").conversation
    send(OrderFactory(buyer=seller), seller, "Three")
    Conversation.objects.update(buyer_unread=5, seller_unread=0)
    out = StringIO()

    call_command("recount_unread", batch=2, stdout=out)

    assert [kept(c) for c in (first, second)] == [defined(c) for c in (first, second)] == [(1, 0), (0, 1)]
    assert out.getvalue() == "Counted the unread messages of 3 conversations again.\n"
