"""Factories for the test suite. Orders are created paid; helpers move them along the lifecycle
through the real services, so tests start from states the product can actually reach."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from orders import services as order_services
from orders.models import Carrier, LineItem, Order, Store
from orders.policy import HANDLING_TIME
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.django.Password(PASSWORD)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    return_address = "Returns dept., 1 Warehouse Road, Shenzhen, China"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"AE-{100000 + n}")
    buyer = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    currency = "USD"
    total_paid = Decimal("60.00")
    ship_to_country = "US"
    paid_at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    handling_due_at = factory.LazyAttribute(lambda o: o.paid_at + HANDLING_TIME)
    deadline_at = factory.LazyAttribute(lambda o: o.handling_due_at)
    deadline_kind = Order.DeadlineKind.AUTO_CANCEL

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if not create:
            return
        for title, quantity, price in extracted or [
            ("Wireless earbuds", 1, Decimal("40.00")),
            ("Phone case", 2, Decimal("10.00")),
        ]:
            LineItem.objects.create(order=obj, title=title, quantity=quantity, unit_price=price)


def mediator_user(**kwargs) -> User:
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=MEDIATORS_GROUP))
    return user


def ship(order: Order, *, at: datetime, carrier: str = Carrier.DHL) -> Order:
    return order_services.ship_order(
        order=order, seller=order.store.owner, carrier=carrier, tracking_number="LX123456789CN", now=at
    )


def deliver(order: Order, *, at: datetime) -> Order:
    return order_services.mark_order_delivered(order=order, actor=None, now=at)


def confirm(order: Order, *, at: datetime) -> Order:
    return order_services.confirm_receipt(order=order, buyer=order.buyer, now=at)


def shipped_order(*, paid_at: datetime, shipped_after: timedelta = timedelta(days=1), **kwargs) -> Order:
    order = OrderFactory(paid_at=paid_at, **kwargs)
    return ship(order, at=paid_at + shipped_after)
