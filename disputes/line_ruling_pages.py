"""The per-line breakdown of a mediator's decision on the parties' dispute page."""

from decimal import Decimal

from disputes.models import Dispute, LineRuling


def line_rulings_context(dispute: Dispute) -> dict:
    """The rulings per order line, the lines to send back, and the totals (nothing if the case
    was not decided line by line)."""
    if dispute.decided_by_id is None:
        return {}
    rulings = list(
        LineRuling.objects.filter(dispute=dispute).select_related("line_item").order_by("line_item_id")
    )
    if not rulings:
        return {}
    return {
        "line_rulings": rulings,
        "lines_to_return": [ruling.line_item for ruling in rulings if ruling.needs_return],
        "line_rulings_total": sum((ruling.amount for ruling in rulings), Decimal("0.00")),
    }
