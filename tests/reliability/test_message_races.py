"""A message and a read receipt of the same conversation at once, on PostgreSQL: the unread
counts the conversation keeps (``messaging.unread``) still equal what each side has not read.

The sender is slowed down while it holds the conversation's row, so the reader arrives in the
middle of it. Without the reader's lock taken first, its count would be taken from a snapshot
older than the message and miss it."""

from datetime import timedelta

import pytest

from messaging import selectors, services
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently
from tests.reliability.test_races import later, slowed

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation(order, seller, now):
    """The seller has written once; the buyer has not read it."""
    return services.send_message(order=order, sender=seller, body="One", photos=[], now=now).conversation


def send_two(order, seller, now):
    return lambda: services.send_message(
        order=order, sender=seller, body="Two", photos=[], now=now + timedelta(minutes=2)
    )


def read(conversation, buyer, now):
    """The buyer's page was opened before "Two" was written."""
    return lambda: services.mark_conversation_read(
        conversation=conversation, user=buyer, now=now + timedelta(minutes=1)
    )


def assert_the_buyer_has_two_unread(conversation, buyer, results) -> None:
    assert not any(isinstance(result, Exception) for result in results), results
    conversation.refresh_from_db()
    assert selectors.unread_messages(buyer).filter(conversation=conversation).count() == 1
    assert (conversation.buyer_unread, conversation.seller_unread) == (1, 0)
    assert selectors.unread_badge(buyer) == "1"


def test_a_reader_arriving_while_a_message_is_being_sent_counts_that_message(
    conversation, order, buyer, seller, now, monkeypatch
):
    # The sender's last step, while it holds the conversation's row.
    monkeypatch.setattr(services, "enqueue_after_commit", slowed(services.enqueue_after_commit))

    results = run_concurrently(send_two(order, seller, now), later(read(conversation, buyer, now)))

    assert_the_buyer_has_two_unread(conversation, buyer, results)


def test_a_message_sent_while_a_reader_holds_the_conversation_is_counted_after_it(
    conversation, order, buyer, seller, now, monkeypatch
):
    # The reader moves its receipt while it holds the conversation's row.
    monkeypatch.setattr(services, "_advance_read_state", slowed(services._advance_read_state))

    results = run_concurrently(read(conversation, buyer, now), later(send_two(order, seller, now)))

    assert_the_buyer_has_two_unread(conversation, buyer, results)
