"""The only gate to conversations and their photos: "not yours" is a 404, exactly like "does not
exist"."""

from uuid import UUID

from django.http import Http404

from messaging.models import Conversation, MessageAttachment
from orders.models import Order
from orders.permissions import get_order_for_user, is_order_buyer, is_order_seller
from portal import querying
from portal.accounts.models import User
from portal.accounts.roles import is_mediator


def is_participant(order: Order, user: User) -> bool:
    """The order's buyer or its seller: the two people who talk in its conversation."""
    return is_order_buyer(order, user) or is_order_seller(order, user)


def can_read_conversation(order: Order, user: User) -> bool:
    """The buyer and the seller read their conversation; a mediator reads it once the order has
    been disputed."""
    if is_participant(order, user):
        return True
    return is_mediator(user) and order.disputes.exists()


def get_conversation_for_user(user: User, order_number: str) -> Conversation:
    """The conversation of the order with this number, for its buyer or its seller; 404 otherwise.

    An order nobody has written about yet gets an unsaved conversation (``pk is None``): the
    first message creates it.
    """
    order = get_order_for_user(user, order_number)
    conversation = querying.unique_row(Conversation.objects.filter(order=order))
    if conversation is None:
        return Conversation(order=order, buyer_id=order.buyer_id, store_id=order.store_id)
    conversation.order = order
    return conversation


def get_attachment_for_user(user: User, public_id: UUID) -> MessageAttachment:
    """A processed photo, for the order's buyer or seller, or a mediator once the order is
    disputed; 404 otherwise."""
    attachment = querying.unique_row(
        MessageAttachment.objects.select_related(
            "message__conversation__order__store", "message__conversation__order__buyer"
        ).filter(public_id=public_id, status=MessageAttachment.Status.READY)
    )
    if attachment is None or not can_read_conversation(attachment.message.conversation.order, user):
        raise Http404("No such photo.")
    return attachment
