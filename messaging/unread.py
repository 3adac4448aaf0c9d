"""What each side of a conversation has not read yet, kept on the conversation.

A person's unread messages in a conversation are the ones from anyone else that are later than
their read receipt (all of them without one): :func:`messaging.selectors.unread_messages` is that
definition over all their conversations. The conversation keeps the number for each side,
``buyer_unread`` for its buyer and ``seller_unread`` for its store's owner, so the navigation
bar's badge on every page reads a few rows of an index rather than every message a store was
ever sent (9-14 ms at a million orders for the largest sellers; issue 17).

The numbers are counted again from the messages and the receipts, never added to, whenever a
message is added or a receipt moves, and always with the conversation's row locked by that
transaction, so each commit leaves them equal to the definition: a sender and a reader of the
same conversation take turns, and whoever counts last sees the other's row. A message's row may
be written before the lock (a sender stores its photos first); its sender counts after.

Anything that writes messages or receipts, or gives a store to another owner, outside these
services must count again afterwards: ``manage.py recount_unread`` does it for every
conversation, in batches, locking each batch's rows as the services do.
"""

from datetime import UTC, datetime

from django.db.models import Count, DateTimeField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from messaging.models import ConversationReadState, Message
from portal import querying

#: "Never read": earlier than any message.
NEVER = Value(datetime(2000, 1, 1, tzinfo=UTC), output_field=DateTimeField())

#: Each side's count, and the path from one of the conversation's messages to that side's person.
SIDES = {"buyer_unread": "conversation__buyer", "seller_unread": "conversation__store__owner"}


def read_up_to(person, conversation_ref: str):
    """How far ``person`` (a user, or an expression naming one) has read the outer row's
    conversation at ``conversation_ref``, or ``NEVER``: the point after which messages from
    others are unread."""
    receipt = ConversationReadState.objects.filter(conversation=OuterRef(conversation_ref), user=person)
    return Coalesce(Subquery(receipt.values("last_read_at")[:1]), NEVER)


def _unread_by(person: str):
    """How many of the outer conversation's messages ``person`` (a path from a message) has not
    read: from someone else, later than the person's read receipt."""
    messages = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(sender=F(person))
        .filter(created_at__gt=read_up_to(OuterRef(person), "conversation"))
    )
    return querying.aggregate_per_row(messages, Count("pk"), per="conversation")


def recount(conversations: QuerySet) -> int:
    """Count both sides' unread messages again for each of ``conversations``, in one UPDATE.

    Callers hold the conversations' rows locked (a message's sender updates the row first, a
    reader locks it) and call this in a statement of its own, so it counts every message and
    receipt committed before the lock was theirs."""
    return conversations.update(**{side: _unread_by(person) for side, person in SIDES.items()})
