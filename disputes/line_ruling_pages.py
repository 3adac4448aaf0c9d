"""The per-line breakdown of a mediator's decision on the parties' dispute page."""

from decimal import Decimal

from django.utils.translation import gettext as _

from disputes.models import Dispute, LineRuling
from portal import formatting


def _outcome_sentence(dispute: Dispute, rulings: list[LineRuling]) -> str:
    """The result of a closed case decided line by line: lines kept by the buyer were refunded at
    once, returned lines only if they came back."""
    now_total = sum((r.amount for r in rulings if r.remedy == LineRuling.Remedy.REFUND), Decimal("0.00"))
    returned = [r for r in rulings if r.needs_return]
    came_back = dispute.state == Dispute.State.RESOLVED_BUYER
    paid = now_total + (sum((r.amount for r in returned), Decimal("0.00")) if came_back else Decimal("0.00"))
    sentence = _("Decided line by line: a refund of %(money)s in all.") % {
        "money": formatting.money(paid, dispute.currency)
    }
    if returned and not came_back:
        sentence += " " + _("The items to return were not sent back, so they were not refunded.")
    return sentence


def line_rulings_context(dispute: Dispute) -> dict:
    """The rulings per order line, the lines to send back, and the totals (nothing if the case
    was not decided line by line)."""
    if dispute.decided_by_id is None:
        return {}
    if "line_rulings" in getattr(dispute, "_prefetched_objects_cache", {}):
        rulings = list(dispute.line_rulings.all())  # the page's, from ``selectors.dispute_for_page``
    else:
        rulings = list(
            LineRuling.objects.filter(dispute=dispute).select_related("line_item").order_by("line_item_id")
        )
    if not rulings:
        return {}
    context = {
        "line_rulings": rulings,
        "lines_to_return": [ruling.line_item for ruling in rulings if ruling.needs_return],
        "line_rulings_total": sum((ruling.amount for ruling in rulings), Decimal("0.00")),
    }
    if not dispute.is_open:
        context["outcome_sentence"] = _outcome_sentence(dispute, rulings)
    return context
