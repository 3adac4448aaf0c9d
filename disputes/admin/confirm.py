"""The mediator's second step before a decision: a review page that names the outcome and the
amount, and posts the same decision again with ``confirm=1`` (``portal.confirmation``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from disputes import services
from disputes.admin import selectors as admin_selectors
from disputes.models import Dispute
from portal import formatting
from portal.confirmation import Confirmation, review_page


def decision_confirmation(dispute: Dispute, data: dict) -> Confirmation:
    """What deciding ``data["decision"]`` does to this dispute, with the amount."""
    decision = services.Decision(data["decision"])
    ceiling = admin_selectors.max_refund_now(dispute)
    money = formatting.money(data.get("amount") or ceiling, dispute.currency)
    consequence = {
        services.Decision.FULL_REFUND: _(
            "%(money)s is refunded to the buyer and the dispute closes for the buyer."
        ),
        services.Decision.PARTIAL_REFUND: _(
            "%(money)s is refunded to the buyer and the dispute closes for the buyer."
        ),
        services.Decision.REFUND_AFTER_RETURN: _(
            "The buyer must send the item back; %(money)s is refunded once the seller confirms it arrived."
        ),
        services.Decision.REJECT: _(
            "The claim is rejected: no refund is paid and the dispute closes for the seller."
        ),
    }[decision] % {"money": money}
    return Confirmation(
        name="decide",
        title=_("Decide dispute %(reference)s: %(decision)s?")
        % {
            "reference": dispute.reference,
            "decision": decision.label,
        },
        consequence=consequence
        + " "
        + _("Both parties are told, with your reason. The decision cannot be undone here."),
        button=_("Confirm the decision"),
        tone="danger" if decision == services.Decision.REJECT else "success",
    )


def review_decision(request: HttpRequest, dispute: Dispute, data: dict) -> HttpResponse:
    """The review page of a valid decision form that was not yet confirmed."""
    fields = {"decision": data["decision"], "note": data["note"]}
    if data.get("amount") is not None:
        fields["amount"] = data["amount"]
    page = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    return review_page(
        request,
        confirmation=decision_confirmation(dispute, data),
        action=reverse("admin:disputes_dispute_decide", args=[dispute.pk]),
        back_url=page,
        back_text=_("Back to the case"),
        fields=fields,
        template="admin/disputes/dispute/confirm_decision.html",
    )
