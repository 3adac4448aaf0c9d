"""Every write use case of the orders side, one module per part of an order's life:

- :mod:`.checkout`: a paid order handed over by the marketplace's checkout;
- :mod:`.lifecycle`: shipping, delivery, the buyer's confirmation, protection extensions, the
  return policy, and a dispute holding and releasing the order's clock;
- :mod:`.ledger`: the refund ledger (paying a refund through the provider is :mod:`orders.refunds`);
- :mod:`.clock`: the order's deadlines and reminders, applied when anyone acts and by the sweep.

Services take ``now`` from the caller, lock the order row, re-check, drive the FSM
transition, write the timeline event and queue side effects after commit. Callers import this
package (``from orders import services``); the modules are its layout, not its interface.
"""

from orders.services.checkout import CheckoutLine, PaidOrder, record_paid_order
from orders.services.clock import (
    DeadlinePassed,
    acts_on_order,
    apply_deadline_if_due,
    apply_order_deadlines,
    enforce_order_deadlines,
    send_due_reminder,
    send_order_reminders,
)
from orders.services.common import (
    ActionNotAllowed,
    ExtensionNotAllowed,
    OrderError,
    RefundExceedsPaid,
    check_transition,
    lock_order,
    notify,
)
from orders.services.ledger import RefundDue, issue_refund, issue_refunds, refundable_amount, refunded_sum
from orders.services.lifecycle import (
    Release,
    confirm_receipt,
    decline_protection_extension,
    grant_protection_extension,
    hold_for_dispute,
    mark_order_delivered,
    release_from_dispute,
    release_from_disputes,
    report_delivery,
    request_protection_extension,
    ship_order,
    update_return_policy,
)

__all__ = [
    "ActionNotAllowed",
    "CheckoutLine",
    "DeadlinePassed",
    "ExtensionNotAllowed",
    "OrderError",
    "PaidOrder",
    "RefundDue",
    "RefundExceedsPaid",
    "Release",
    "acts_on_order",
    "apply_deadline_if_due",
    "apply_order_deadlines",
    "check_transition",
    "confirm_receipt",
    "decline_protection_extension",
    "enforce_order_deadlines",
    "grant_protection_extension",
    "hold_for_dispute",
    "issue_refund",
    "issue_refunds",
    "lock_order",
    "mark_order_delivered",
    "notify",
    "record_paid_order",
    "refundable_amount",
    "refunded_sum",
    "release_from_dispute",
    "release_from_disputes",
    "report_delivery",
    "request_protection_extension",
    "send_due_reminder",
    "send_order_reminders",
    "ship_order",
    "update_return_policy",
]
