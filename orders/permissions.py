"""The only gate to orders and stores: "not yours" is a 404, exactly like "does not exist"."""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from orders import policy
from orders.models import Order, Store
from orders.roles import is_order_buyer, is_order_seller
from portal import querying
from portal.accounts.models import User


def is_seller(user: User | AnonymousUser) -> bool:
    """A seller is a user who owns a store."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_seller", None)
    if cached is None:
        cached = Store.objects.filter(owner=user).exists()
        user._is_seller = cached
    return cached


def get_order_for_user(user: User, number: str) -> Order:
    """The order with this number if ``user`` is its buyer or its seller; 404 otherwise."""
    order = querying.unique_row(
        Order.objects.select_related("store", "store__owner", "buyer", "shipment", "return_terms").filter(
            number=number
        )
    )
    if order is None or not (is_order_buyer(order, user) or is_order_seller(order, user)):
        raise Http404("No such order.")
    return order


def get_store_for_seller(user: User) -> Store:
    """The store ``user`` owns; 404 for anyone who is not a seller."""
    store = Store.objects.filter(owner_id=user.pk).first() if user.is_authenticated else None
    if store is None:
        raise Http404("You do not have a store.")
    return store


def available_order_actions(order: Order, user: User) -> set[str]:
    """Names of the transitions ``user`` may trigger on ``order`` now (the clock's are excluded)."""
    return {
        transition.name
        for transition in order.get_available_user_state_transitions(user)
        if not transition.custom.get("automatic")
    }


def can_request_extension(order: Order, user: User, now: datetime) -> bool:
    """The buyer may ask the seller for more protection time once, while protection runs and no
    dispute holds the order, up to the policy's number of extensions."""
    return (
        is_order_buyer(order, user)
        and order.state in (Order.State.SHIPPED, Order.State.DELIVERED)
        and not order.on_hold
        and order.extension_requested_at is None
        and order.extensions_granted < policy.MAX_PROTECTION_EXTENSIONS
        and order.protection_ends_at is not None
        and now < order.protection_ends_at
    )


def can_answer_extension(order: Order, user: User) -> bool:
    """The seller may grant or decline the buyer's pending extension request while protection
    runs."""
    return (
        is_order_seller(order, user)
        and order.extension_requested_at is not None
        and order.state in (Order.State.SHIPPED, Order.State.DELIVERED)
    )
