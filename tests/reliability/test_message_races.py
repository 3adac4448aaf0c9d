"""A message and a read receipt of the same conversation at once, on PostgreSQL: the unread
counts the conversation keeps (``messaging.unread``) still equal what each side has not read.

The sender is slowed down while it holds the conversation's row, so the reader arrives in the
middle of it. Without the reader's lock taken first, its count would be taken from a snapshot
older than the message and miss it."""

import time
from datetime import timedelta

import pytest

from messaging import selectors, services
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently
from tests.reliability.test_races import HOLD, later

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]


def test_a_reader_arriving_while_a_message_is_being_sent_counts_that_message(
    order, buyer, seller, now, monkeypatch
):
    conversation = services.send_message(
        order=order, sender=seller, body="One", photos=[], now=now
    ).conversation
    enqueue = services.enqueue_after_commit

    def slow_enqueue(*args, **kwargs):  # the sender's last step while it holds the row
        enqueue(*args, **kwargs)
        time.sleep(HOLD)

    monkeypatch.setattr(services, "enqueue_after_commit", slow_enqueue)

    def send_two():
        services.send_message(
            order=order, sender=seller, body="Two", photos=[], now=now + timedelta(minutes=2)
        )

    def read():  # the buyer's page was opened before "Two" was written
        return services.mark_conversation_read(
            conversation=conversation, user=buyer, now=now + timedelta(minutes=1)
        )

    results = run_concurrently(send_two, later(read))

    assert not any(isinstance(result, Exception) for result in results), results
    conversation.refresh_from_db()
    assert selectors.unread_messages(buyer).filter(conversation=conversation).count() == 1
    assert (conversation.buyer_unread, conversation.seller_unread) == (1, 0)
    assert selectors.unread_badge(buyer) == "1"
