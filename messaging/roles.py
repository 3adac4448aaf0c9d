"""Who may speak in an order's conversation besides its two parties.

Messaging sits below disputes in the layers, so the permission that makes a mediator work
disputes (declared on ``disputes.Dispute``) is named here, once; :mod:`disputes.roles` takes it
from here rather than spelling it again.
"""

from django.contrib.auth.models import AnonymousUser

from messaging.models import Party
from orders.models import Order
from orders.roles import is_order_buyer, is_order_seller
from portal.accounts.models import User
from portal.accounts.roles import mediator_may

MEDIATE_PERMISSION = "disputes.mediate_dispute"


def can_post_as_mediator(user: User | AnonymousUser) -> bool:
    """A mediator who works disputes may write into a disputed order's conversation."""
    return mediator_may(user, MEDIATE_PERMISSION)


def party_of(order: Order, user: User | AnonymousUser) -> str | None:
    """Which side of the order's conversation ``user`` is on: buyer, seller, or neither (``None``).
    The sides are the order's own (:mod:`orders.roles`); a dispute's are the same people."""
    if is_order_buyer(order, user):
        return Party.BUYER
    if is_order_seller(order, user):
        return Party.SELLER
    return None
