"""Who is who on an order: one predicate per role.

The state machine's ``permission=``, ``orders.permissions`` and the admin all ask these, so each
rule has one definition. They read only ``buyer_id`` and ``store.owner_id`` and import none of
the app's models, so the models can use them.
"""

from portal.accounts.models import User
from portal.accounts.roles import mediator_may

RECORD_DELIVERY = "orders.record_delivery"


def is_order_buyer(order, user: User) -> bool:
    return user.is_authenticated and order.buyer_id == user.pk


def is_order_seller(order, user: User) -> bool:
    return user.is_authenticated and order.store.owner_id == user.pk


def can_record_delivery(user: User) -> bool:
    """Of the people, only a mediator allowed to may record a delivery (the carrier's tracking
    records it with no one); the seller's word never does."""
    return mediator_may(user, RECORD_DELIVERY)


def is_delivery_recorder(order, user: User) -> bool:
    """:func:`can_record_delivery` as a transition's ``permission=``: the same on every order."""
    return can_record_delivery(user)
