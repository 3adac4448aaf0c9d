"""The second step before the buyer confirms receipt, which starts the release of the payment
(``portal.confirmation``): the modal's words, and the review page without JavaScript."""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from orders import permissions, policy
from orders.models import Order
from portal import formatting
from portal.confirmation import Confirmation, review_page


def confirm_receipt(order: Order, now: datetime) -> Confirmation:
    """What confirming receipt does: the payment goes to the seller when the window closes."""
    return Confirmation(
        name="confirm_receipt",
        title=_("Confirm that the item arrived?"),
        consequence=_(
            "Confirm only if the item arrived and works as described. The payment of %(money)s is "
            "released to the seller on %(when)s; until then you can still open a dispute."
        )
        % {
            "money": formatting.money(order.total_paid, order.currency),
            "when": formatting.moment(now + policy.POST_CONFIRMATION_DISPUTE_WINDOW),
        },
        button=_("Yes, it arrived"),
        tone="success",
    )


def review_or_refuse(request: HttpRequest, order: Order, now: datetime) -> HttpResponse:
    """An unconfirmed "Confirm receipt": the review page if the buyer may confirm now, otherwise
    back to the order with the reason. Nothing changes either way."""
    page = reverse("orders:detail", args=[order.number])
    if order.deadline_due(now) or "confirm_receipt" not in permissions.available_order_actions(
        order, request.user
    ):
        messages.error(request, _("You cannot confirm receipt of this order now."))
        return HttpResponseRedirect(page)
    return review_page(
        request,
        confirmation=confirm_receipt(order, now),
        action=reverse("orders:confirm", args=[order.number]),
        back_url=page,
        back_text=_("Back to the order"),
    )
