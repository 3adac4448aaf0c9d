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
from orders.models import Refund
from portal.accounts.models import User
from portal.notifications.tasks import notify_all_after_commit
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


def supersede_open_proposals(*disputes: Dispute) -> None:
    """Mark the proposals still open on ``disputes`` as superseded (one statement for all)."""
    _resolve_open_proposals(disputes, Proposal.Resolution.SUPERSEDED)


def accept_open_proposals(*disputes: Dispute) -> None:
    """Mark the proposals still open on ``disputes`` as accepted (one statement for all)."""
    _resolve_open_proposals(disputes, Proposal.Resolution.ACCEPTED)


def _resolve_open_proposals(disputes: tuple[Dispute, ...], resolution: str) -> None:
    if disputes:
        Proposal.objects.filter(dispute__in=disputes, resolution=Proposal.Resolution.OPEN).update(
            resolution=resolution
        )


def check_transition(transition, user: User | None, message: str) -> None:
    """Refuse with ``message`` unless ``user`` may take ``transition`` now."""
    if not can_proceed(transition) or (user is not None and not has_transition_perm(transition, user)):
        raise ActionNotAllowed(message)


def notify(*events: DisputeEvent) -> None:
    notify_all_after_commit(list(events))


def finish_closed(*disputes: Dispute, now: datetime) -> None:
    """After their transitions: each closed dispute pays its refund, records the buyer's standing
    and hands its order back to the order's clock (caller holds the locks of the disputes and
    their orders; ``dispute.order`` is the locked order). Refunds are written together."""
    closed = [dispute for dispute in disputes if not dispute.is_open]
    order_services.issue_refunds(
        [
            order_services.RefundDue(
                order=dispute.order,
                amount=dispute.refund_amount,
                reason=Refund.Reason.DISPUTE,
                dispute=dispute,
            )
            for dispute in closed
            if dispute.refund_amount
        ],
        now=now,
    )
    BuyerStanding.objects.record_outcomes(
        [
            (dispute.buyer_id, dispute.state == Dispute.State.RESOLVED_BUYER)
            for dispute in closed
            if dispute.state != Dispute.State.WITHDRAWN
        ]
    )
    order_services.release_from_disputes(
        [
            order_services.Release(
                order=dispute.order,
                finished=dispute.state != Dispute.State.WITHDRAWN,
                refunded=dispute.refund_amount or Decimal("0.00"),
            )
            for dispute in closed
        ],
        now=now,
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
