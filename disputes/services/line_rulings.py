"""A mediator decides a dispute line by line (issue 16, item 3): for each disputed order line a
refund now, a refund once that line comes back, or nothing, under one written reason. Lines
refunded now are paid at once; lines to return go through the ordinary return flow (the address,
the tracking number, the seller's confirmation) and are refunded when it completes."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from disputes import roles
from disputes.errors import ActionNotAllowed, AmountNotAllowed
from disputes.models import Dispute, LineRuling
from disputes.services.clock import acts_on_dispute
from disputes.services.common import (
    check_transition,
    lock_dispute,
    lock_in_return_address,
    refund_ceiling,
)
from disputes.services.mediation import record_decision, require_mediator
from orders import services as order_services
from orders.models import Refund
from portal import formatting
from portal.accounts.models import User

R = LineRuling.Remedy


@dataclass(frozen=True)
class LineDecision:
    """The ruling on one order line; ``amount`` is ignored for "nothing"."""

    line_item_id: int
    remedy: str
    amount: Decimal | None = None


def amount_field(line_item_id: int) -> str:
    """The form field an amount error on this line belongs next to."""
    return f"amount_{line_item_id}"


def _rulings(dispute: Dispute, lines: list[LineDecision], mediator: User, now: datetime) -> list[LineRuling]:
    """Check every line against its total; the unsaved rulings.

    :raises ActionNotAllowed: a line missing, unknown or ruled twice, or an unknown remedy
    :raises AmountNotAllowed: a line's amount not positive or above the line's total
    """
    disputed = {item.line_item_id: item.line_item for item in dispute.items.select_related("line_item")}
    if sorted(line.line_item_id for line in lines) != sorted(disputed):
        raise ActionNotAllowed(_("Rule on every disputed line, once each."))
    rulings = []
    for line in lines:
        item = disputed[line.line_item_id]
        if line.remedy not in R.values:
            raise ActionNotAllowed(_("Choose what happens to each line."))
        amount = Decimal("0.00") if line.remedy == R.NOTHING else line.amount
        if line.remedy != R.NOTHING and (amount is None or amount <= 0 or amount > item.line_total):
            raise AmountNotAllowed(
                _("Enter an amount between 0.01 and %(max)s, this line's total.")
                % {"max": formatting.money(item.line_total, dispute.currency)},
                field=amount_field(item.pk),
            )
        rulings.append(
            LineRuling(
                dispute=dispute,
                line_item=item,
                remedy=line.remedy,
                amount=amount,
                line_total=item.line_total,
                decided_by=mediator,
                created_at=now,
            )
        )
    return rulings


@acts_on_dispute
def decide_dispute_by_lines(
    *, dispute: Dispute, mediator: User, lines: list[LineDecision], note: str, now: datetime
) -> Dispute:
    """Decide the case line by line, with one reason both parties read.

    :raises ActionNotAllowed: no permission, not in mediation, no reason, a line missing, or a
        return with no return address
    :raises AmountNotAllowed: a line above its total, or lines adding up to more than the order
        can still refund
    """
    require_mediator(roles.can_decide(mediator))
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.decide, mediator, _("This dispute is not waiting for a decision."))
    if not note.strip():
        raise ActionNotAllowed(
            _("Write the reason for the decision: both parties will read it."), field="note"
        )
    rulings = _rulings(dispute, lines, mediator, now)
    now_total = sum((r.amount for r in rulings if r.remedy == R.REFUND), Decimal("0.00"))
    return_total = sum((r.amount for r in rulings if r.needs_return), Decimal("0.00"))
    ceiling = refund_ceiling(dispute)
    if now_total + return_total > ceiling:
        raise AmountNotAllowed(
            _("The lines add up to %(total)s, more than the %(max)s that can still be refunded.")
            % {
                "total": formatting.money(now_total + return_total, dispute.currency),
                "max": formatting.money(ceiling, dispute.currency),
            },
            field="__all__",
        )
    with_return = return_total > 0
    if with_return:
        lock_in_return_address(dispute)
        if not dispute.return_address.strip():
            raise ActionNotAllowed(_("The store has no return address; refund the lines without a return."))
    LineRuling.objects.bulk_create(rulings)
    if with_return and now_total:
        # Lines kept by the buyer are refunded now; the returned lines when the return completes.
        order_services.issue_refund(
            order=dispute.order,
            amount=now_total,
            reason=Refund.Reason.DISPUTE,
            dispute=dispute,
            note="lines refunded without return",
            now=now,
        )
    return record_decision(
        dispute,
        mediator,
        amount=return_total if with_return else now_total,
        refunded=now_total + return_total,
        with_return=with_return,
        note=note,
        now=now,
    )
