"""Helpers every dispute service shares: locking, the transition step, closing effects."""

from datetime import datetime
from decimal import Decimal

from django_fsm import can_proceed, has_transition_perm

from disputes.models import BuyerStanding, Dispute, DisputeEvent, Evidence, Party, Proposal
from disputes.services.errors import ActionNotAllowed
from orders import services as order_services
from orders.models import Order, Refund
from portal.accounts.models import User
from portal.outbox.services import enqueue_after_commit


def lock_dispute(pk: int) -> Dispute:
    """Lock the dispute's order, then the dispute: every writer takes them in this order."""
    order_id = Dispute.objects.values_list("order_id", flat=True).get(pk=pk)
    order_services.lock_order(order_id)
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("order", "order__store", "store", "buyer")
        .get(pk=pk)
    )


def supersede_open_proposals(dispute: Dispute) -> None:
    dispute.proposals.filter(resolution=Proposal.Resolution.OPEN).update(
        resolution=Proposal.Resolution.SUPERSEDED
    )


def accept_open_proposals(dispute: Dispute) -> None:
    dispute.proposals.filter(resolution=Proposal.Resolution.OPEN).update(
        resolution=Proposal.Resolution.ACCEPTED
    )


def party_of(dispute: Dispute, user: User) -> str:
    if user.pk == dispute.buyer_id:
        return Party.BUYER
    if user.pk == dispute.store.owner_id:
        return Party.SELLER
    return ""


def check_transition(transition, user: User | None, message: str) -> None:
    """Refuse with ``message`` unless ``user`` may take ``transition`` now."""
    if not can_proceed(transition) or (user is not None and not has_transition_perm(transition, user)):
        raise ActionNotAllowed(message)


def notify(event: DisputeEvent) -> None:
    from portal.notifications.tasks import notify_dispute_event

    enqueue_after_commit(notify_dispute_event, event_id=event.pk)


def finish_if_closed(dispute: Dispute, order: Order, now: datetime) -> None:
    """After a transition: a closed dispute pays its refund, records the buyer's standing and
    hands the order back to its clock (caller holds both locks)."""
    if dispute.is_open:
        return
    if dispute.refund_amount:
        order_services.issue_refund(
            order=order, amount=dispute.refund_amount, reason=Refund.Reason.DISPUTE, dispute=dispute, now=now
        )
    if dispute.state != Dispute.State.WITHDRAWN:
        BuyerStanding.objects.record_outcome(
            buyer_id=dispute.buyer_id, buyer_won=dispute.state == Dispute.State.RESOLVED_BUYER
        )
    order_services.release_from_dispute(
        order=order,
        now=now,
        finished=dispute.state != Dispute.State.WITHDRAWN,
        refunded=dispute.refund_amount or Decimal("0.00"),
    )


def save_evidence(*, dispute: Dispute, user: User, party: str, files: list, now: datetime) -> list[Evidence]:
    """Store already-checked uploads as evidence; ``files`` holds (CheckedUpload, UploadedFile)."""
    from disputes.evidence import store_evidence

    return [
        store_evidence(
            dispute=dispute, uploaded_by=user, party=party, checked=checked, upload=upload, now=now
        )
        for checked, upload in files
    ]
