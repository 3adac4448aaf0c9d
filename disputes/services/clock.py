"""The clock's part in disputes: apply due deadlines and send reminders, each exactly once."""

from datetime import datetime

from django.db.models import Q

from disputes import events, policy
from disputes.models import Dispute, Evidence
from disputes.services.common import finish_if_closed, notify
from disputes.services.negotiation import accept_open_proposals, supersede_open_proposals
from orders.models import Order
from portal import deadlines

K = Dispute.DeadlineKind

#: Deadline kind -> (the transition that applies it, the rule's name on the timeline).
AUTOMATIC_OUTCOMES = {
    K.GRANT_REQUEST: ("expire_seller_response", "seller_silent"),
    K.WITHDRAW: ("expire_buyer_response", "buyer_silent"),
    K.RESOLVE_FOR_SELLER: ("expire_return_shipment", "return_not_shipped"),
    K.REFUND_ANYWAY: ("expire_return_confirmation", "return_not_confirmed"),
    K.BACK_TO_MEDIATOR: ("expire_evidence_request", "evidence_not_provided"),
}


def apply_dispute_deadline(dispute: Dispute, now: datetime) -> None:
    """Do what the dispute's due deadline says (caller holds the locks and re-checked it is due)."""
    transition_name, rule = AUTOMATIC_OUTCOMES[dispute.deadline_kind]
    deadline, from_state = dispute.deadline_at, dispute.state
    if dispute.deadline_kind == K.GRANT_REQUEST and dispute.requested_return:
        # A granted return goes to the store's address, written into the dispute.
        dispute.return_address = dispute.return_address or dispute.store.return_address
    getattr(dispute, transition_name)(at=now)
    dispute.save()
    if dispute.agreed_amount is not None and from_state == Dispute.State.AWAITING_SELLER:
        accept_open_proposals(dispute)
    elif not dispute.is_open:
        supersede_open_proposals(dispute)
    finish_if_closed(dispute, dispute.order, now)
    notify(
        events.dispute_auto_resolved(
            dispute=dispute, rule=rule, deadline=deadline, from_state=from_state, at=now
        )
    )


def _lock_due(pk: int, now: datetime, due: Q) -> Dispute | None:
    # Order first, then dispute, as every service does; skip rows another sweep holds. The order
    # is found through the dispute in the locking statement itself: one round trip, not two.
    locked = Order.objects.select_for_update(skip_locked=True, of=("self",)).filter(disputes__pk=pk)
    if locked.values_list("pk", flat=True).first() is None:
        return None
    return (
        Dispute.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("order", "order__store", "store")
        .filter(due, pk=pk)
        .first()
    )


def send_due_reminder(dispute: Dispute, now: datetime) -> None:
    """Send the latest reminder whose moment has come, once; earlier missed ones are skipped."""
    steps = policy.REMINDERS_BEFORE
    due = [i for i in range(dispute.reminders_sent, len(steps)) if dispute.deadline_at - steps[i] <= now]
    if not due or dispute.deadline_at <= now:
        dispute.reminders_sent = len(steps)
        dispute.schedule_next_reminder()
        dispute.save(update_fields=["reminders_sent", "next_reminder_at"])
        return
    step = due[-1]
    dispute.reminders_sent = step + 1
    dispute.schedule_next_reminder()
    dispute.save(update_fields=["reminders_sent", "next_reminder_at"])
    hours_left = int((dispute.deadline_at - now).total_seconds() // 3600)
    notify(events.reminder_sent(dispute=dispute, hours_left=hours_left, at=now))


def enforce_dispute_deadlines(*, now: datetime) -> int:
    """Apply every due dispute deadline in deadline order, then send the reminders due, then
    process evidence whose job was lost."""
    deadline_due = Q(state__in=Dispute.ENFORCED_STATES, deadline_at__lte=now)
    applied = deadlines.apply_due(
        queryset=Dispute.objects.filter(state__in=Dispute.ENFORCED_STATES),
        now=now,
        apply=apply_dispute_deadline,
        lock=lambda pk: _lock_due(pk, now, deadline_due),
        batch_size=policy.SWEEP_BATCH_SIZE,
    )
    reminder_due = Q(state__in=Dispute.OPEN_STATES, next_reminder_at__lte=now)
    applied += deadlines.apply_due(
        queryset=Dispute.objects.filter(state__in=Dispute.OPEN_STATES),
        now=now,
        apply=send_due_reminder,
        lock=lambda pk: _lock_due(pk, now, reminder_due),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="next_reminder_at",
    )
    applied += deadlines.apply_due(
        queryset=Evidence.objects.filter(status=Evidence.Status.PROCESSING),
        now=now - policy.EVIDENCE_PROCESSING_GRACE,
        apply=lambda evidence, _at: _process_evidence(evidence),
        lock=lambda pk: Evidence.objects.filter(pk=pk, status=Evidence.Status.PROCESSING).first(),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="received_at",
    )
    return applied


def _process_evidence(evidence: Evidence) -> None:
    # Derivatives whose queued job was lost; process_evidence is idempotent and locks the row.
    from disputes.evidence import process_evidence

    process_evidence(evidence_id=evidence.pk)
