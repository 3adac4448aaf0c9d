"""Helpers every dispute service shares: locking, the transition step, proposals, evidence,
closing effects."""

from datetime import datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from disputes import events, policy
from disputes.errors import ActionNotAllowed
from disputes.models import BuyerStanding, Dispute, DisputeEvent, Evidence, Proposal
from disputes.tasks import process_evidence as process_evidence_task
from orders import services as order_services
from orders.models import Order, Refund
from portal.accounts.models import User
from portal.notifications.tasks import notify_after_commit
from portal.outbox.services import enqueue_after_commit
from portal.uploads import CheckedUpload


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


def check_transition(transition, user: User | None, message: str) -> None:
    """Refuse with ``message`` unless ``user`` may take ``transition`` now."""
    if not can_proceed(transition) or (user is not None and not has_transition_perm(transition, user)):
        raise ActionNotAllowed(message)


def notify(event: DisputeEvent) -> None:
    notify_after_commit(event)


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


@transaction.atomic
def store_evidence(
    *,
    dispute: Dispute,
    uploaded_by: User,
    party: str,
    checked: CheckedUpload,
    upload: UploadedFile,
    now: datetime,
) -> Evidence:
    """Keep a checked upload as evidence in private storage, with its SHA-256 and receipt time,
    and queue the making of its display copies once the caller's transaction commits.

    :raises ValueError: ``upload`` is not the file ``checked`` describes
    """
    if upload.size != checked.size:
        raise ValueError("The upload is not the file that was checked.")
    evidence = Evidence(
        dispute=dispute,
        uploaded_by=uploaded_by,
        party=party,
        kind=checked.kind,
        content_type=checked.content_type,
        extension=checked.extension,
        original_name=checked.original_name,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.width,
        height=checked.height,
        status=Evidence.Status.PROCESSING,
        received_at=now,
    )
    upload.seek(0)
    # The storage name comes from ``evidence_path``: a random name with the checked extension.
    evidence.original.save(f"original{checked.extension}", upload, save=False)
    evidence.save()
    enqueue_after_commit(process_evidence_task, evidence_id=evidence.pk)
    return evidence


def save_evidence(*, dispute: Dispute, user: User, party: str, files: list, now: datetime) -> list[Evidence]:
    """Store already-checked uploads as evidence; ``files`` holds (CheckedUpload, UploadedFile)."""
    return [
        store_evidence(
            dispute=dispute, uploaded_by=user, party=party, checked=checked, upload=upload, now=now
        )
        for checked, upload in files
    ]


def refund_ceiling(dispute: Dispute) -> Decimal:
    """The most this dispute can still refund: its own cap, less what the order already refunded."""
    return min(dispute.max_refund, order_services.refundable_amount(dispute.order))


def propose(
    *, dispute: Dispute, user: User | None, party: str, kind: str, amount, with_return, note, now
) -> Proposal:
    """Record a proposal on the dispute in place of any proposal still open."""
    supersede_open_proposals(dispute)
    return Proposal.objects.create(
        dispute=dispute,
        party=party,
        author=user,
        kind=kind,
        amount=amount,
        with_return=with_return,
        note=note,
        created_at=now,
    )


def lock_in_return_address(dispute: Dispute) -> None:
    """A return goes to the address written in the dispute, taken from the store's policy."""
    if not dispute.return_address.strip():
        dispute.return_address = dispute.store.return_address


def attach(
    *,
    dispute: Dispute,
    user: User,
    party: str,
    files: list,
    now: datetime,
    note: str = "",
    announce: bool = False,
) -> list:
    """Store checked files as evidence with one timeline event; ``announce`` tells the other
    party (when the evidence is not already part of an action that notifies them)."""
    if not files:
        return []
    if dispute.evidence.count() + len(files) > policy.MAX_EVIDENCE_FILES * 3:
        raise ActionNotAllowed(_("This dispute already has as much evidence as it can hold."))
    evidence = save_evidence(dispute=dispute, user=user, party=party, files=files, now=now)
    event = events.evidence_added(
        dispute=dispute, actor=user, party=party, evidence=evidence, note=note, at=now
    )
    if announce:
        notify(event)
    return evidence
