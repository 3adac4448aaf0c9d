"""The second step of a dispute action that cannot be undone: what it says, and the review page
that asks again when the browser ran no JavaScript (``portal.confirmation``)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import permissions, policy, selectors
from disputes.models import Dispute
from portal import formatting
from portal.confirmation import Confirmation, review_page

#: The dispute actions that settle money or give up a claim: each needs ``confirm=1``.
FINAL_ACTIONS = ("accept_request", "accept_offer", "confirm_return_received", "withdraw")


def _money(dispute: Dispute, amount) -> str:
    return formatting.money(amount, dispute.currency)


def _accept_request(dispute: Dispute) -> Confirmation:
    money = _money(dispute, dispute.requested_amount)
    if dispute.requested_return:
        consequence = _(
            "The buyer sends the item back to the return address in this dispute, and %(money)s is "
            "refunded to the buyer once you confirm it arrived (or %(days)d days after it is shipped). "
            "These terms are then locked: you cannot change them."
        ) % {"money": money, "days": policy.RETURN_CONFIRMATION_WINDOW.days}
    else:
        consequence = _(
            "%(money)s is refunded to the buyer from this order's payment and the dispute closes. "
            "This cannot be undone."
        ) % {"money": money}
    return Confirmation(
        name="accept_request",
        title=_("Accept the buyer's request?"),
        consequence=consequence,
        button=_("Yes, refund %(money)s") % {"money": money},
        tone="success",
    )


def _accept_offer(dispute: Dispute) -> Confirmation | None:
    offer = selectors.open_counter_offer(dispute)
    if offer is None:
        return None
    money = _money(dispute, offer.amount)
    if offer.with_return:
        consequence = _(
            "You agree to %(money)s after you send the item back: you must ship it within %(days)d "
            "days and enter the tracking number. The terms are then locked and you cannot ask for more."
        ) % {"money": money, "days": policy.RETURN_SHIPMENT_WINDOW.days}
    else:
        consequence = _(
            "You agree to %(money)s without a return. The refund is paid and the dispute closes: you "
            "cannot ask for more in this dispute."
        ) % {"money": money}
    return Confirmation(
        name="accept_offer",
        title=_("Accept the seller's offer?"),
        consequence=consequence,
        button=_("Yes, accept %(money)s") % {"money": money},
        tone="success",
    )


def _confirm_return(dispute: Dispute) -> Confirmation:
    money = _money(dispute, dispute.agreed_amount or dispute.requested_amount)
    return Confirmation(
        name="confirm_return_received",
        title=_("Confirm the return arrived?"),
        consequence=_(
            "%(money)s is refunded to the buyer and the dispute closes. This cannot be undone: if "
            "something is wrong with the returned item, report a problem instead."
        )
        % {"money": money},
        button=_("Yes, it arrived: refund %(money)s") % {"money": money},
        tone="success",
    )


def _withdraw(dispute: Dispute) -> Confirmation:
    money = _money(dispute, dispute.requested_amount)
    return Confirmation(
        name="withdraw",
        title=_("Withdraw the dispute and give up the refund?"),
        consequence=_(
            "You give up the refund of %(money)s you asked for. The dispute closes with no refund and "
            "the seller keeps the payment. This cannot be undone."
        )
        % {"money": money},
        button=_("Withdraw and give up %(money)s") % {"money": money},
        tone="danger",
    )


BUILDERS = {
    "accept_request": _accept_request,
    "accept_offer": _accept_offer,
    "confirm_return_received": _confirm_return,
    "withdraw": _withdraw,
}


def confirmations_for_page(dispute: Dispute, actions: set[str]) -> dict[str, Confirmation]:
    """The second steps of the final actions this viewer has on the page (prefetched dispute)."""
    built = {name: BUILDERS[name](dispute) for name in FINAL_ACTIONS if name in actions}
    return {name: confirmation for name, confirmation in built.items() if confirmation is not None}


def review_or_refuse(request: HttpRequest, dispute: Dispute, name: str) -> HttpResponse:
    """An unconfirmed post of a final action: the review page if the action is still open to this
    user, otherwise back to the dispute with the reason. Nothing changes either way."""
    dispute = selectors.dispute_for_page(dispute)
    page = reverse("disputes:detail", args=[dispute.pk])
    available = not dispute.deadline_due(timezone.now()) and name in permissions.available_dispute_actions(
        dispute, request.user
    )
    confirmation = BUILDERS[name](dispute) if available else None
    if confirmation is None:
        messages.error(request, _("This step is no longer open. The page shows where the dispute stands."))
        return HttpResponseRedirect(page)
    return review_page(
        request,
        confirmation=confirmation,
        action=reverse(f"disputes:{name}", args=[dispute.pk]),
        back_url=page,
        back_text=_("Back to the dispute"),
    )
