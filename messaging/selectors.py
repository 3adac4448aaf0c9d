"""Every read query of order conversations: the inbox, a thread, unread counts."""

from datetime import datetime

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Substr

from messaging import policy, unread
from messaging.models import Conversation, ConversationReadState, Message, MessageAttachment
from orders.models import Store
from orders.selectors import navigation_roles
from portal import querying
from portal.accounts.models import User


def _conversation_ids(user: User) -> QuerySet:
    """Ids of the conversations ``user`` takes part in, as buyer or as seller.

    Two index lookups joined by UNION: one ``OR`` across the buyer and the store's owner would
    make the database read every conversation (or every order) for every page's unread count.
    """
    as_buyer = Conversation.objects.filter(buyer=user).values("pk")
    as_seller = Conversation.objects.filter(store__owner=user).values("pk")
    return as_buyer.union(as_seller)


def inbox_for_user(*, user: User) -> QuerySet[Conversation]:
    """Conversations ``user`` takes part in as buyer or seller, newest message first.

    Each row carries ``unread_count`` and the latest message's ``last_preview``,
    ``last_sender_id``, ``last_sender_party`` and ``last_photo_count``, all computed in the one
    query, so a page of the inbox costs the same whatever its length.
    """
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    photos = MessageAttachment.objects.filter(message=OuterRef("last_message_id"))
    return (
        Conversation.objects.filter(pk__in=_conversation_ids(user))
        .select_related("order", "order__store", "order__buyer")
        .annotate(
            last_message_id=Subquery(latest.values("pk")[:1]),
            last_preview=Subquery(
                latest.annotate(preview=Substr("body", 1, policy.PREVIEW_LENGTH)).values("preview")[:1]
            ),
            last_sender_id=Subquery(latest.values("sender_id")[:1]),
            last_sender_party=Subquery(latest.values("sender_party")[:1]),
        )
        .annotate(
            # The viewer's side's count (messaging.unread): the buyer's if they bought.
            unread_count=Case(When(buyer=user, then=F("buyer_unread")), default=F("seller_unread")),
            last_photo_count=querying.aggregate_per_row(photos, Count("pk"), per="message"),
        )
        .order_by("-last_message_at", "-id")
    )


def unread_messages(user: User) -> QuerySet[Message]:
    """Messages from others that ``user`` has not read yet, over all their conversations: the
    definition whose number each conversation keeps for its sides (:mod:`messaging.unread`)."""
    return (
        Message.objects.filter(conversation__in=_conversation_ids(user))
        .exclude(sender=user)
        .alias(last_read_at=unread.read_up_to(user, "conversation"))
        .filter(created_at__gt=F("last_read_at"))
    )


def unread_badge(user: User) -> str:
    """The navigation bar's badge: how many :func:`unread_messages` ``user`` has, counting at
    most ``policy.UNREAD_BADGE_CAP`` of them ("99+" beyond), or "" for none.

    It adds up the unread counts the conversations keep (:mod:`messaging.unread`), reading only
    conversations with something unread, from their own indexes, and no more of them than the
    cap: each has at least one. Counting the messages took 9-14 ms for the largest sellers at a
    million orders, and grew with every message a store was ever sent (issue 17).

    Only the sides the user has are read (``navigation_roles``, which the bar asks anyway): a
    conversation's buyer bought its order, and its seller owns its store. Most people only buy,
    and one side's query took 0.7 ms at 1M orders where the union of both took 1.8-2.8 ms."""
    if not user.is_authenticated:
        return ""
    sells, buys = navigation_roles(user)
    cap = policy.UNREAD_BADGE_CAP
    total = sum(_unread_counts(user, buys=buys, sells=sells, limit=cap + 1))
    if total > cap:
        return f"{cap}+"
    return str(total) if total else ""


def _unread_counts(user: User, *, buys: bool, sells: bool, limit: int) -> list[int]:
    """The unread counts of up to ``limit`` of ``user``'s conversations with something unread,
    on the sides they have: as the buyer, and as the seller of a store they own (but not of
    their own order, counted once as its buyer).

    Written as SQL: every page with the bar asks, and the ORM took longer to build the statement
    than the database took to answer it (0.7 ms against 0.2 for a buyer at 1M orders, 1.4
    against 0.3 for a seller's union of both sides, issue 17). The tables and columns are named
    from the models."""
    conversations, buyer, buyer_unread, store, seller_unread = querying.sql_names(
        Conversation, "buyer", "buyer_unread", "store", "seller_unread"
    )
    sides, params = [], []
    if buys:
        sides.append(f"SELECT {buyer_unread} FROM {conversations} WHERE {buyer} = %s AND {buyer_unread} > 0")
        params.append(user.pk)
    if sells:
        stores, store_id, owner = querying.sql_names(Store, "id", "owner")
        sides.append(
            f"SELECT {seller_unread} FROM {conversations}"
            f" WHERE {store} IN (SELECT {store_id} FROM {stores} WHERE {owner} = %s)"
            f" AND {seller_unread} > 0 AND {buyer} <> %s"
        )
        params += [user.pk, user.pk]
    if not sides:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"{' UNION ALL '.join(sides)} LIMIT %s", [*params, limit])
        return [count for (count,) in cursor.fetchall()]


def last_read_at(*, conversation: Conversation, user: User) -> datetime | None:
    """When ``user`` last read ``conversation``, or ``None`` if never."""
    if conversation.pk is None:
        return None
    return (
        ConversationReadState.objects.filter(conversation=conversation, user=user)
        .values_list("last_read_at", flat=True)
        .first()
    )


def thread_for_viewer(*, conversation: Conversation, viewer: User) -> list[Message]:
    """The conversation's messages oldest first, with senders and photos, each marked ``is_own``
    for the viewer."""
    if conversation.pk is None:
        return []
    messages = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=MessageAttachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    for message in messages:
        message.is_own = message.sender_id == viewer.pk
    return messages
