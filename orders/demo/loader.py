"""Play the demo's stories through the real services and the real deadline sweep, at times in the
past, so timelines, countdowns, refunds and notifications look as they would after weeks of use.
Nothing is due when it finishes: the first sweep of a freshly started worker changes nothing.
``disputes.demo`` runs this (it may import both apps) and plays its disputes after it."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.test.utils import override_settings

from orders import policy, refunds
from orders import services as order_services
from orders.demo.stories import (
    CATALOGUE,
    DESTINATIONS,
    EXTENSION_NOTE,
    ORDER_NUMBER_PREFIX,
    PASSWORD,
    PEOPLE,
    STORES,
    STORIES,
    Person,
    StoreSetup,
    Story,
)
from orders.models import Carrier, Order, Refund, Store
from portal import deadlines
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from portal.celery import app as celery_app

#: How long after a deadline the demo's sweep "ran" (the beat fires every minute or so).
SWEEP_LAG = timedelta(seconds=40)
#: How long after being issued the demo's refund job "paid".
REFUND_LAG = timedelta(minutes=2)

TRACKING_FORMATS = {
    Carrier.DHL: "JD01460{:07d}",
    Carrier.TNT: "GE{:09d}WW",
    Carrier.UPS: "1Z999AA1{:010d}",
    Carrier.FEDEX: "7946{:08d}",
    Carrier.EMS: "EA{:09d}CN",
    Carrier.SF_EXPRESS: "SF14{:011d}",
    Carrier.CHINA_POST: "LX{:09d}CN",
    Carrier.HONGKONG_POST: "RR{:09d}HK",
    Carrier.OTHER_POST: "LP00{:012d}",
}


class DemoFailed(Exception):
    """A demo order did not end where its story says: the services or the sweep changed."""


def demo_is_loaded() -> bool:
    return Store.objects.filter(owner__username=STORES["lin"].owner).exists()


def load_orders(*, now: datetime) -> list[Order]:
    """Create the people and stores and play every order story up to ``now`` (caller's transaction).

    :raises DemoFailed: an order ended in another state than its story expects
    """
    users = {person.username: _create_user(person) for person in PEOPLE}
    stores = {key: _create_store(setup, users[setup.owner]) for key, setup in STORES.items()}
    orders = []
    # Numbered in the order they were paid, as a marketplace's checkout would number them.
    for index, story in enumerate(sorted(STORIES, key=lambda story: -story.paid)):
        order = play_story(story, index=index, buyer=users[story.buyer], store=stores[story.store], now=now)
        if order.state != story.expect:
            raise DemoFailed(f"Demo order {order.number} ended {order.state}, not {story.expect}.")
        orders.append(order)
    return orders


def order_number(index: int) -> str:
    """The demo's order numbers, in the marketplace's format."""
    return f"{ORDER_NUMBER_PREFIX}{index + 1:05d}"


def _tracking_number(carrier: str, index: int) -> str:
    return TRACKING_FORMATS[carrier].format(48_213_377 + 7_919 * index)


@contextmanager
def jobs_inline() -> Iterator[None]:
    """Run the jobs the services queue (notifications, refunds) in this process, without e-mail.

    The demo needs no broker or worker to be complete, and its few dozen notifications land in
    the in-app inboxes instead of flooding the console (as would the sweep's and the jobs' logs).
    """
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    logging.disable(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        logging.disable(logging.NOTSET)
        celery_app.conf.task_always_eager = eager


def _create_user(person: Person) -> User:
    fields = {
        "email": f"{person.username}@example.com",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "time_zone": person.time_zone,
        "language": person.language,
    }
    if person.role == "superuser":
        return User.objects.create_superuser(person.username, password=PASSWORD, **fields)
    user = User.objects.create_user(
        person.username, password=PASSWORD, is_staff=person.role == "mediator", **fields
    )
    if person.role == "mediator":
        user.groups.add(Group.objects.get(name=MEDIATORS_GROUP))
    return user


def _create_store(setup: StoreSetup, owner: User) -> Store:
    store = Store.objects.create(owner=owner, name=setup.name, return_address=setup.return_address)
    return order_services.update_return_policy(
        store=store, seller=owner, changes=setup.policy, free_return_countries=setup.free_return_countries
    )


def play_story(
    story: Story, *, index: int, buyer: User, store: Store, now: datetime, until: datetime | None = None
) -> Order:
    """Place the order, then replay its steps in time order with the clock running between them,
    up to ``until`` (``now`` when not given; a later chapter, such as a dispute, goes on from there)."""
    order = _place(story, index=index, buyer=buyer, store=store, at=now - timedelta(days=story.paid))
    seller = store.owner
    steps: list[tuple[float | None, Callable[[datetime], Order]]] = [
        (
            story.shipped,
            lambda at: order_services.ship_order(
                order=order,
                seller=seller,
                carrier=story.carrier,
                tracking_number=_tracking_number(story.carrier, index),
                now=at,
            ),
        ),
        (
            story.extension_asked,
            lambda at: order_services.request_protection_extension(
                order=order, buyer=buyer, note=EXTENSION_NOTE, now=at
            ),
        ),
        (
            story.extension_granted,
            lambda at: order_services.grant_protection_extension(
                order=order, seller=seller, days=policy.DEFAULT_PROTECTION_EXTENSION.days, now=at
            ),
        ),
        (
            story.delivered,
            lambda at: order_services.mark_order_delivered(order=order, actor=None, now=at),
        ),
        (story.confirmed, lambda at: order_services.confirm_receipt(order=order, buyer=buyer, now=at)),
    ]
    for days_ago, step in steps:
        if days_ago is None:
            continue
        at = now - timedelta(days=days_ago)
        run_clock(order, until=at)
        order = step(at)
    run_clock(order, until=until or now)
    order.refresh_from_db()
    return order


def _place(story: Story, *, index: int, buyer: User, store: Store, at: datetime) -> Order:
    """What the marketplace's checkout hands over: a paid order and its line items."""
    destination = DESTINATIONS[buyer.username]
    lines = [(CATALOGUE[key], quantity) for key, quantity in story.items]
    prices = [Decimal(product.prices[destination.currency]) for product, _quantity in lines]
    return order_services.record_paid_order(
        paid=order_services.PaidOrder(
            number=order_number(index),
            buyer=buyer,
            store=store,
            currency=destination.currency,
            lines=[
                order_services.CheckoutLine(
                    title=product.title,
                    quantity=quantity,
                    unit_price=price,
                    sku=f"{story.store.upper()}-{key.upper()}",
                    is_personalised=product.personalised,
                )
                for (key, _q), (product, quantity), price in zip(story.items, lines, prices, strict=True)
            ],
            paid_at=at,
            payment_method=list(Order.PaymentMethod)[index % 3],
            payment_reference=f"pi_demo_{order_number(index).lower().replace('-', '_')}",
            ship_to_country=destination.country,
            ship_to_address=destination.address,
        )
    )


def run_clock(order: Order, *, until: datetime) -> None:
    """Run the real sweep at each of the order's deadlines that fell due before ``until``.

    Every other demo order's clock already ran up to the present, so a sweep at a past time
    finds nothing but this order.

    :raises DemoFailed: the sweep left a due deadline of the order unapplied
    """
    while True:
        due_at = Order.objects.filter(pk=order.pk).values_list("deadline_at", flat=True).get()
        if due_at is None or due_at > until:
            return
        swept_at = due_at + SWEEP_LAG
        deadlines.enforce_all(now=swept_at)
        if Order.objects.filter(pk=order.pk, deadline_at=due_at).exists():
            raise DemoFailed(f"The sweep did not apply the deadline of demo order {order.number}.")
        pay_pending_refunds(order, at=swept_at)


def pay_pending_refunds(order: Order, *, at: datetime) -> None:
    """Pay the order's pending refunds as the refund job would have, shortly after ``at``."""
    for refund_id in Refund.objects.filter(order=order, status=Refund.Status.PENDING).values_list(
        "pk", flat=True
    ):
        refunds.pay_refund(refund_id=refund_id, now=at + REFUND_LAG)
