"""The order clock: a due deadline applied when anyone acts (:data:`acts_on_order`) and by the
sweep when nobody does, and the reminders before each deadline."""

from datetime import datetime

from django.db import transaction

from orders import events, policy, refunds, selectors
from orders.models import Order, OrderEvent, Refund
from orders.services.common import OrderError, lock_order, notify
from orders.services.ledger import RefundDue, issue_refunds, refunded_sum
from portal import deadlines, querying, reminders


class DeadlinePassed(OrderError):
    """The action came after the order's deadline, which the clock has now applied."""


def apply_deadline_if_due(order_id: int, now: datetime) -> str:
    """Apply the order's next automatic step if it is due at ``now``, as the sweep would, and
    commit it; return the sentence that names it ("" when nothing was due)."""
    with transaction.atomic():
        order = lock_order(order_id)
        if not order.deadline_due(now):
            return ""
        sentence = selectors.passed_deadline_sentence(order)
        apply_order_deadlines([order], now)
    return sentence


#: Every service that acts on an order: a deadline already due is applied first, and an action it
#: made too late is refused naming that deadline and its outcome.
acts_on_order = deadlines.deadline_first(
    catch_up=apply_deadline_if_due, subject="order", refusals=OrderError, passed=DeadlinePassed
)


def apply_order_deadlines(orders: list[Order], now: datetime) -> None:
    """Do what each order's due deadline says (caller holds the locks and re-checked they are
    due): each order's transition, then the orders moved by the same rule in one UPDATE, and the
    events, refunds and notifications of all of them together, one INSERT per kind of row."""
    K, T = Order.DeadlineKind, OrderEvent.Type
    steps, due_refunds = [], []
    with querying.saved_together(orders):
        for order in orders:
            if order.deadline_kind == K.AUTO_CANCEL:
                order.cancel_unshipped(at=now)
                steps.append((order, [T.AUTO_CANCELLED]))
                due_refunds.append(
                    RefundDue(order=order, amount=order.total_paid, reason=Refund.Reason.NOT_SHIPPED)
                )
            elif order.deadline_kind == K.AUTO_CONFIRM:
                order.auto_confirm(at=now)
                steps.append((order, [T.AUTO_CONFIRMED]))
            elif order.deadline_kind == K.SETTLE:
                order.settle(at=now, amount=order.total_paid - selectors.refunded_total(order))
                steps.append((order, [T.SETTLED]))
            else:
                continue
            order.reschedule()
    written = events.clock_steps(steps, at=now)
    issue_refunds(due_refunds, now=now)
    notify(*written)


def _lock_due_orders(pks: list[int], now: datetime) -> list[Order]:
    """Lock those orders still due (skipping any another transaction holds), in deadline order,
    each with what was refunded on it so far."""
    return list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("store")
        .annotate(refunded_so_far=refunded_sum())
        .filter(pk__in=pks, deadline_at__lte=now, on_hold=False)
        .order_by("deadline_at", "pk")
    )


def enforce_order_deadlines(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Apply every due order deadline, then pay every refund whose job did not."""
    applied = deadlines.apply_due(
        queryset=Order.objects.all(),
        now=now,
        apply=apply_order_deadlines,
        lock=lambda pks: _lock_due_orders(pks, now),
        batch_size=policy.SWEEP_BATCH_SIZE,
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
    return applied + refunds.pay_due_refunds(now=now, share=share)


def send_due_reminder(order: Order, now: datetime) -> None:
    """Remind whoever must act before the order's deadline (the seller to ship, the buyer before
    protection ends), once per reminder; earlier ones missed during an outage are skipped."""
    steps = policy.REMINDERS_BEFORE
    step = reminders.due_reminder(order.deadline_at, sent=order.reminders_sent, before=steps, now=now)
    order.reminders_sent = len(steps) if step is None else step + 1
    order.schedule_next_reminder()
    order.save(update_fields=["reminders_sent", "next_reminder_at"])
    if step is not None:
        notify(events.reminder_sent(order=order, at=now))


def _lock_due_reminders(pks: list[int], now: datetime) -> list[Order]:
    return list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("store")
        .filter(pk__in=pks, next_reminder_at__lte=now, on_hold=False)
        .order_by("next_reminder_at", "pk")
    )


def send_order_reminders(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Send every reminder due before an order deadline, each exactly once."""
    return deadlines.apply_due(
        queryset=Order.objects.filter(next_reminder_at__isnull=False),
        now=now,
        apply=deadlines.each(send_due_reminder),
        lock=lambda pks: _lock_due_reminders(pks, now),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="next_reminder_at",
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
