"""The clock's part in disputes: apply due deadlines and send reminders, each exactly once."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from disputes import events, policy, selectors
from disputes.errors import DeadlinePassed, DisputeError
from disputes.evidence import process_evidence
from disputes.models import Dispute, Evidence
from disputes.services.common import (
    accept_open_proposals,
    finish_closed,
    lock_dispute,
    notify,
    supersede_open_proposals,
)
from orders import services as order_services
from orders.models import Order
from portal import deadlines, querying, reminders

K = Dispute.DeadlineKind

#: Deadline kind -> (the transition that applies it, the rule's name on the timeline).
AUTOMATIC_OUTCOMES = {
    K.GRANT_REQUEST: ("expire_seller_response", "seller_silent"),
    K.WITHDRAW: ("expire_buyer_response", "buyer_silent"),
    K.RESOLVE_FOR_SELLER: ("expire_return_shipment", "return_not_shipped"),
    K.REFUND_ANYWAY: ("expire_return_confirmation", "return_not_confirmed"),
    K.BACK_TO_MEDIATOR: ("expire_evidence_request", "evidence_not_provided"),
}


def apply_dispute_deadlines(disputes: list[Dispute], now: datetime) -> None:
    """Do what each dispute's due deadline says (caller holds the locks and re-checked they are
    due): each dispute's transition, then the rest for all of them together, one statement per
    kind of row (the disputes moved by the same rule, proposals, refunds, timeline events,
    notifications)."""
    outcomes, accepted, superseded = [], [], []
    with querying.saved_together(disputes):
        for dispute in disputes:
            transition_name, rule = AUTOMATIC_OUTCOMES[dispute.deadline_kind]
            outcome = events.AutoOutcome(dispute, rule, dispute.deadline_at, dispute.state)
            if dispute.deadline_kind == K.GRANT_REQUEST and dispute.requested_return:
                # A granted return goes to the store's address, written into the dispute.
                dispute.return_address = dispute.return_address or dispute.store.return_address
            getattr(dispute, transition_name)(at=now)
            outcomes.append(outcome)
            if dispute.agreed_amount is not None and outcome.from_state == Dispute.State.AWAITING_SELLER:
                accepted.append(dispute)
            elif not dispute.is_open:
                superseded.append(dispute)
    accept_open_proposals(*accepted)
    supersede_open_proposals(*superseded)
    finish_closed(*disputes, now=now)
    notify(*events.disputes_auto_resolved(outcomes, at=now))


def apply_deadline_if_due(dispute_id: int, now: datetime) -> str:
    """Apply the dispute's deadline if it is due at ``now``, as the sweep would, and commit it;
    return the sentence that names it ("" when nothing was due)."""
    with transaction.atomic():
        dispute = lock_dispute(dispute_id)
        if not dispute.deadline_due(now):
            return ""
        sentence = selectors.passed_deadline_sentence(dispute)
        apply_dispute_deadlines([dispute], now)
    return sentence


#: Every service that acts on a dispute: a deadline already due is applied first, and an action
#: it made too late is refused naming that deadline and its outcome.
acts_on_dispute = deadlines.deadline_first(
    catch_up=apply_deadline_if_due, subject="dispute", refusals=DisputeError, passed=DeadlinePassed
)


def _lock_due(pks: list[int], due: Q, due_field: str) -> list[Dispute]:
    """Lock the disputes' orders, then the disputes, as every service does (order first), skipping
    rows another sweep or a party holds; return the disputes still due, in deadline order. Two
    statements for the whole group: the orders are found through the disputes in the locking
    statement itself."""
    orders = Order.objects.select_for_update(skip_locked=True, of=("self",)).filter(disputes__pk__in=pks)
    locked_orders = list(orders.values_list("pk", flat=True))
    if not locked_orders:
        return []
    disputes = list(
        Dispute.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("order", "order__store", "store")
        .annotate(order_refunded_so_far=order_services.refunded_sum("order_id"))
        .filter(due, pk__in=pks, order_id__in=locked_orders)
        .order_by(due_field, "pk")
    )
    for dispute in disputes:
        # Read under the order's lock: refunds closing the dispute reuse it instead of asking.
        dispute.order.refunded_so_far = dispute.order_refunded_so_far
    return disputes


def send_due_reminder(dispute: Dispute, now: datetime) -> None:
    """Send the latest reminder whose moment has come, once; earlier missed ones are skipped."""
    steps = policy.REMINDERS_BEFORE
    step = reminders.due_reminder(dispute.deadline_at, sent=dispute.reminders_sent, before=steps, now=now)
    if step is None:
        dispute.reminders_sent = len(steps)
        dispute.schedule_next_reminder()
        dispute.save(update_fields=["reminders_sent", "next_reminder_at"])
        return
    dispute.reminders_sent = step + 1
    dispute.schedule_next_reminder()
    dispute.save(update_fields=["reminders_sent", "next_reminder_at"])
    hours_left = int((dispute.deadline_at - now).total_seconds() // 3600)
    notify(events.reminder_sent(dispute=dispute, hours_left=hours_left, at=now))


def enforce_dispute_deadlines(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Apply every due dispute deadline in deadline order, then send the reminders due, then
    process evidence whose job was lost."""
    deadline_due = Q(state__in=Dispute.ENFORCED_STATES, deadline_at__lte=now)
    applied = deadlines.apply_due(
        queryset=Dispute.objects.filter(state__in=Dispute.ENFORCED_STATES),
        now=now,
        apply=apply_dispute_deadlines,
        lock=lambda pks: _lock_due(pks, deadline_due, "deadline_at"),
        batch_size=policy.SWEEP_BATCH_SIZE,
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
    # A dispute whose deadline has passed gets its outcome from the pass above, not a reminder;
    # left out here, one a party holds is not counted as reminded while they act on it.
    reminder_due = Q(state__in=Dispute.OPEN_STATES, next_reminder_at__lte=now) & ~Q(deadline_at__lte=now)
    applied += deadlines.apply_due(
        queryset=Dispute.objects.filter(reminder_due),
        now=now,
        apply=deadlines.each(send_due_reminder),
        lock=lambda pks: _lock_due(pks, reminder_due, "next_reminder_at"),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="next_reminder_at",
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
    )
    applied += deadlines.apply_due(
        queryset=Evidence.objects.filter(status=Evidence.Status.PROCESSING),
        now=now - policy.EVIDENCE_PROCESSING_GRACE,
        # Copies whose queued job was lost; process_evidence is idempotent and locks the row.
        apply=deadlines.each(lambda evidence, _at: process_evidence(evidence_id=evidence.pk)),
        lock=lambda pks: list(Evidence.objects.filter(pk__in=pks, status=Evidence.Status.PROCESSING)),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="received_at",
        per_transaction=1,  # each is image/video work: commit it on its own
        share=share,
        buyer_field="dispute__buyer_id",
    )
    return applied
