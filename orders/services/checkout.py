"""Checkout hands over a paid order: the portal records it and starts the seller's clock."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders import events, policy, tallies
from orders.models import LineItem, Order, Store
from orders.services.common import OrderError
from orders.terms import capture_return_terms
from portal.accounts.models import User
from portal.tallies.services import add as add_to_tallies


@dataclass(frozen=True)
class CheckoutLine:
    title: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    is_personalised: bool = False
    is_used: bool = False
    #: The product's picture on the marketplace (https only); "" shows a placeholder.
    image_url: str = ""


@dataclass(frozen=True)
class PaidOrder:
    """What the marketplace's checkout hands over once the buyer has paid."""

    number: str
    buyer: User
    store: Store
    currency: str
    lines: list[CheckoutLine]
    paid_at: datetime
    payment_method: str = Order.PaymentMethod.CARD
    #: The provider's id of the payment (Stripe: ``pi_...`` or ``ch_...``): refunds go back to it.
    payment_reference: str = ""
    ship_to_country: str = ""
    ship_to_address: str = ""
    #: Shipping and fees on top of the lines; the total paid is the lines plus this.
    extra_charges: Decimal = Decimal("0.00")


@transaction.atomic
def record_paid_order(*, paid: PaidOrder) -> Order:
    """Take over a paid order from checkout and start the seller's handling clock.

    :raises OrderError: no lines, a duplicate order number, or a total that is not positive
    """
    if not paid.lines or any(line.quantity <= 0 or line.unit_price < 0 for line in paid.lines):
        raise OrderError(_("An order needs at least one line with a positive quantity and a price."))
    if Order.objects.filter(number=paid.number).exists():
        raise OrderError(_("Order %(number)s is already recorded.") % {"number": paid.number})
    total = (
        sum((line.unit_price * line.quantity for line in paid.lines), Decimal("0.00")) + paid.extra_charges
    )
    if total <= 0:
        raise OrderError(_("An order's total must be positive."))
    order = Order(
        number=paid.number,
        buyer=paid.buyer,
        store=paid.store,
        currency=paid.currency.upper(),
        total_paid=total,
        payment_method=paid.payment_method,
        payment_reference=paid.payment_reference.strip(),
        ship_to_country=paid.ship_to_country.upper(),
        ship_to_address=paid.ship_to_address,
        paid_at=paid.paid_at,
        handling_due_at=paid.paid_at + policy.HANDLING_TIME,
    )
    order.reschedule()
    order.save()
    LineItem.objects.bulk_create(
        LineItem(
            order=order,
            title=line.title,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            is_personalised=line.is_personalised,
            is_used=line.is_used,
            image_url=line.image_url,
        )
        for line in paid.lines
    )
    # The policy in force at purchase governs the order; the seller's later changes do not.
    capture_return_terms(order=order, at=paid.paid_at)
    events.order_placed(order=order, at=paid.paid_at)
    add_to_tallies(tallies.order_paid(order))
    return order
