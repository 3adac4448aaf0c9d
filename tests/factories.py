"""Factories for the test suite. Orders are created paid; helpers move them along the lifecycle
through the real services, so tests start from states the product can actually reach."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from orders import services as order_services
from orders import tallies as order_tallies
from orders.models import Carrier, LineItem, Order, Store
from orders.payments import FakePaymentProvider, PaymentProviderError, PaymentRefused, ProviderRefund
from orders.policy import HANDLING_TIME, REMINDERS_BEFORE
from orders.terms import capture_return_terms
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from portal.tallies.services import add as add_to_tallies

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
        # The items hook writes its own rows; the order itself needs no second save.
        skip_postgeneration_save = True

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
    next_reminder_at = factory.LazyAttribute(lambda o: o.handling_due_at - REMINDERS_BEFORE[0])

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        if not create:
            return
        for title, quantity, price in extracted or [
            ("Wireless earbuds", 1, Decimal("40.00")),
            ("Phone case", 2, Decimal("10.00")),
        ]:
            LineItem.objects.create(order=obj, title=title, quantity=quantity, unit_price=price)

    @factory.post_generation
    def return_terms(obj, create, extracted, **kwargs):
        # As checkout does: the store's policy as it stands at payment governs the order.
        if create:
            capture_return_terms(order=obj, at=obj.paid_at)

    @factory.post_generation
    def tallies(obj, create, extracted, **kwargs):
        # As checkout does: a paid order counts among its store's orders paid.
        if create:
            add_to_tallies(order_tallies.order_paid(obj))


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


def delivered_order(
    *,
    paid_at: datetime,
    shipped_after: timedelta = timedelta(days=1),
    delivered_after: timedelta = timedelta(days=4),
    **kwargs,
) -> Order:
    order = shipped_order(paid_at=paid_at, shipped_after=shipped_after, **kwargs)
    return deliver(order, at=paid_at + delivered_after)


def completed_order(
    *,
    paid_at: datetime,
    shipped_after: timedelta = timedelta(days=1),
    confirmed_after: timedelta = timedelta(days=5),
    **kwargs,
) -> Order:
    order = shipped_order(paid_at=paid_at, shipped_after=shipped_after, **kwargs)
    return confirm(order, at=paid_at + confirmed_after)


class FlakyPaymentProvider(FakePaymentProvider):
    """The fake provider, down for the next ``failures_left`` refunds, then refusing the next
    ``refusals_left`` for good (a closed card)."""

    def __init__(self, failures_left: int = 0, refusals_left: int = 0) -> None:
        self.failures_left = failures_left
        self.refusals_left = refusals_left
        self.calls = 0

    def refund(self, **kwargs) -> ProviderRefund:
        self.calls += 1
        if self.refusals_left:
            self.refusals_left -= 1
            raise PaymentRefused("card closed")
        if self.failures_left:
            self.failures_left -= 1
            raise PaymentProviderError("provider unavailable")
        return super().refund(**kwargs)


# --- disputes ---------------------------------------------------------------------------------------
def image_upload(name: str = "photo.jpg", *, image_format: str = "JPEG", size=(64, 48), color=(200, 40, 40)):
    """A real picture made in memory with Pillow, as the browser would upload it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def evidence_files(*names: str) -> list:
    """Checked evidence (the (CheckedUpload, file) pairs services take), one photo per name."""
    from disputes.forms import check_evidence

    return check_evidence([image_upload(name) for name in names or ("photo.jpg",)])


def dispute_claim(
    order: Order,
    *,
    reason: str = "not_received",
    item_received: bool | None = None,
    items: list | None = None,
    amount: Decimal | None = None,
    with_return: bool = False,
    description: str = "Something is wrong with this order.",
    evidence: list | None = None,
):
    """A claim over the whole order (or ``items``); evidence is attached unless "not received"."""
    from disputes.services import DisputeClaim

    if evidence is None:
        evidence = [] if reason == "not_received" else evidence_files("proof.jpg")
    return DisputeClaim(
        reason=reason,
        item_received=reason != "not_received" if item_received is None else item_received,
        items=[(item, item.quantity) for item in order.items.order_by("id")] if items is None else items,
        amount=amount,
        with_return=with_return,
        description=description,
        evidence=evidence,
    )


def open_dispute_for(order: Order, *, at: datetime, **claim):
    """Open a dispute on ``order`` as its buyer, through the real service."""
    from disputes import services

    return services.open_dispute(order=order, buyer=order.buyer, claim=dispute_claim(order, **claim), now=at)


def negotiate(dispute, *, seller: User, buyer: User, rounds: int, start: datetime) -> None:
    """``rounds`` rounds of the seller offering less and the buyer lowering the request, a minute
    apart from ``start``: each round adds two proposals and two timeline events."""
    from disputes import services

    for n in range(rounds):
        services.counter_offer(
            dispute=dispute,
            seller=seller,
            amount=Decimal("10.00") + n,
            with_return=False,
            note=f"offer {n}",
            evidence=[],
            now=start + timedelta(minutes=2 * n),
        )
        services.modify_request(
            dispute=dispute,
            buyer=buyer,
            amount=Decimal("59.00") - n,
            with_return=False,
            note="",
            now=start + timedelta(minutes=2 * n + 1),
        )
