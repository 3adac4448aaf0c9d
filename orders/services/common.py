"""What every order service shares: the refusals, the order lock, the notification hand-off."""

from django_fsm import can_proceed, has_transition_perm

from orders.models import Order, OrderEvent
from portal.accounts.models import User
from portal.notifications.tasks import notify_all_after_commit


class OrderError(Exception):
    """A rule said no. ``str(error)`` is a sentence for the person who tried."""


class ActionNotAllowed(OrderError):
    pass


class ExtensionNotAllowed(OrderError):
    pass


class RefundExceedsPaid(OrderError):
    pass


def lock_order(pk: int) -> Order:
    """Re-read the order under a row lock (inside the caller's transaction)."""
    return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=pk)


def notify(*events: OrderEvent) -> None:
    notify_all_after_commit(list(events))


def check_transition(order: Order, transition, user: User | None, message: str) -> None:
    if not can_proceed(transition) or (user is not None and not has_transition_perm(transition, user)):
        raise ActionNotAllowed(message)
