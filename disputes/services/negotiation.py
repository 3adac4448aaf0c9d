"""The negotiation between buyer and seller, the return, evidence and deadline extensions."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from disputes import events, policy
from disputes.errors import ActionNotAllowed, ExtensionNotAllowed
from disputes.models import Dispute, Party, Proposal
from disputes.permissions import can_extend_deadline
from disputes.roles import party_of
from disputes.services.clock import acts_on_dispute
from disputes.services.common import (
    accept_open_proposals,
    attach,
    check_transition,
    finish_closed,
    lock_dispute,
    lock_in_return_address,
    notify,
    propose,
    refund_ceiling,
    supersede_open_proposals,
)
from disputes.services.opening import change_of_mind_needs_return, check_amount, refunded_without_return
from portal.accounts.models import User


# --- seller -------------------------------------------------------------------------------------
@acts_on_dispute
def accept_request(*, dispute: Dispute, seller: User, now: datetime) -> Dispute:
    """The seller accepts the buyer's request as asked; with a return, the buyer ships it next.

    :raises ActionNotAllowed: not awaiting the seller, not the seller, or no return address
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.accept_request, seller, _("You cannot accept this request now."))
    if dispute.requested_return:
        lock_in_return_address(dispute)
        if not dispute.return_address.strip():
            raise ActionNotAllowed(
                _("Add a return address to your return policy first, so the buyer knows where to send it.")
            )
    check_amount(dispute.requested_amount, ceiling=refund_ceiling(dispute), currency=dispute.currency)
    from_state = dispute.state
    dispute.accept_request(at=now)
    dispute.save()
    accept_open_proposals(dispute)
    finish_closed(dispute, now=now)
    notify(events.request_accepted(dispute=dispute, actor=seller, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def counter_offer(
    *,
    dispute: Dispute,
    seller: User,
    amount: Decimal,
    with_return: bool,
    note: str,
    evidence: list,
    now: datetime,
) -> Dispute:
    """The seller offers other terms (an amount, with or without a return); the buyer answers next.

    :raises ActionNotAllowed: not awaiting the seller, or not the seller
    :raises AmountNotAllowed: the amount is not positive or above what can be refunded
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.counter_offer, seller, _("You cannot make a counter-offer now."))
    check_amount(amount, ceiling=refund_ceiling(dispute), currency=dispute.currency, by_seller=True)
    if with_return:
        lock_in_return_address(dispute)
        if not dispute.return_address.strip():
            raise ActionNotAllowed(
                _("Add a return address to your return policy first, so the buyer knows where to send it.")
            )
    from_state = dispute.state
    dispute.counter_offer(at=now)
    dispute.save()
    proposal = propose(
        dispute=dispute,
        user=seller,
        party=Party.SELLER,
        kind=Proposal.Kind.COUNTER_OFFER,
        amount=amount,
        with_return=with_return,
        note=note.strip(),
        now=now,
    )
    event = events.counter_offered(
        dispute=dispute, actor=seller, from_state=from_state, proposal=proposal, at=now
    )
    attach(dispute=dispute, user=seller, party=Party.SELLER, files=evidence, now=now)
    notify(event)
    return dispute


@acts_on_dispute
def reject_request(*, dispute: Dispute, seller: User, note: str, evidence: list, now: datetime) -> Dispute:
    """The seller rejects the request with a reason (and evidence); the buyer answers next.

    :raises ActionNotAllowed: not awaiting the seller, not the seller, or no reason given
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.reject_request, seller, _("You cannot reject this request now."))
    if not note.strip():
        raise ActionNotAllowed(_("Explain why you reject the request."))
    from_state = dispute.state
    dispute.reject_request(at=now)
    dispute.save()
    propose(
        dispute=dispute,
        user=seller,
        party=Party.SELLER,
        kind=Proposal.Kind.REJECTION,
        amount=Decimal("0.00"),
        with_return=False,
        note=note.strip(),
        now=now,
    )
    event = events.request_rejected(
        dispute=dispute, actor=seller, from_state=from_state, note=note.strip(), at=now
    )
    attach(dispute=dispute, user=seller, party=Party.SELLER, files=evidence, now=now)
    notify(event)
    return dispute


# --- buyer --------------------------------------------------------------------------------------
def latest_counter_offer(dispute: Dispute) -> Proposal | None:
    return (
        dispute.proposals.filter(resolution=Proposal.Resolution.OPEN, kind=Proposal.Kind.COUNTER_OFFER)
        .order_by("-created_at", "-id")
        .first()
    )


@acts_on_dispute
def accept_offer(*, dispute: Dispute, buyer: User, now: datetime) -> Dispute:
    """The buyer accepts the seller's counter-offer; its terms are locked from here on.

    :raises ActionNotAllowed: not awaiting the buyer, not the buyer, or no offer to accept
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.accept_offer, buyer, _("You cannot accept an offer now."))
    offer = latest_counter_offer(dispute)
    if offer is None:
        raise ActionNotAllowed(_("There is no offer to accept. You can change your request or escalate."))
    check_amount(offer.amount, ceiling=refund_ceiling(dispute), currency=dispute.currency)
    from_state = dispute.state
    dispute.accept_offer(at=now, amount=offer.amount, with_return=offer.with_return)
    dispute.save()
    accept_open_proposals(dispute)
    finish_closed(dispute, now=now)
    notify(events.offer_accepted(dispute=dispute, actor=buyer, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def modify_request(
    *, dispute: Dispute, buyer: User, amount: Decimal, with_return: bool, note: str, now: datetime
) -> Dispute:
    """The buyer changes what they ask for; the seller answers the new request.

    :raises ActionNotAllowed: not awaiting the buyer, or not the buyer
    :raises AmountNotAllowed: the amount is not positive or above what can be refunded
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.modify_request, buyer, _("You cannot change your request now."))
    check_amount(amount, ceiling=refund_ceiling(dispute), currency=dispute.currency)
    if dispute.reason == Dispute.Reason.CHANGED_MIND and not with_return:
        items = [disputed.line_item for disputed in dispute.items.select_related("line_item")]
        if not refunded_without_return(dispute.order, items):
            raise ActionNotAllowed(change_of_mind_needs_return(dispute.order))
    from_state = dispute.state
    dispute.modify_request(at=now, amount=amount, with_return=with_return)
    dispute.save()
    propose(
        dispute=dispute,
        user=buyer,
        party=Party.BUYER,
        kind=Proposal.Kind.MODIFICATION,
        amount=amount,
        with_return=with_return,
        note=note.strip(),
        now=now,
    )
    notify(
        events.request_modified(
            dispute=dispute, actor=buyer, from_state=from_state, note=note.strip(), at=now
        )
    )
    return dispute


@acts_on_dispute
def escalate_dispute(*, dispute: Dispute, user: User, note: str, now: datetime) -> Dispute:
    """Either party asks a mediator to decide, once the seller answered with anything but yes.

    :raises ActionNotAllowed: the seller has not disagreed yet, it is already escalated or closed
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(
        dispute.escalate,
        user,
        _("You can escalate once the seller has answered with anything but acceptance."),
    )
    party = party_of(dispute, user)
    from_state = dispute.state
    dispute.escalate(at=now, by=party)
    dispute.save()
    notify(
        events.dispute_escalated(
            dispute=dispute, actor=user, party=party, from_state=from_state, note=note.strip(), at=now
        )
    )
    return dispute


@acts_on_dispute
def withdraw_dispute(*, dispute: Dispute, buyer: User, now: datetime) -> Dispute:
    """The buyer withdraws before any agreement; the order's clock starts again.

    :raises ActionNotAllowed: terms were already agreed, it is closed, or not the buyer
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.withdraw, buyer, _("This dispute can no longer be withdrawn."))
    from_state = dispute.state
    dispute.withdraw(at=now)
    dispute.save()
    supersede_open_proposals(dispute)
    finish_closed(dispute, now=now)
    notify(events.dispute_withdrawn(dispute=dispute, actor=buyer, from_state=from_state, at=now))
    return dispute


# --- the return ---------------------------------------------------------------------------------
@acts_on_dispute
def ship_return(
    *, dispute: Dispute, buyer: User, carrier: str, tracking_number: str, now: datetime
) -> Dispute:
    """The buyer sent the item back; the seller has the policy's window to confirm it arrived.

    :raises ActionNotAllowed: no return is awaited, or not the buyer
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.ship_return, buyer, _("No return shipment is expected now."))
    from_state = dispute.state
    dispute.ship_return(at=now, carrier=carrier, tracking_number=tracking_number.strip())
    dispute.save()
    notify(events.return_shipped(dispute=dispute, actor=buyer, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def confirm_return_received(*, dispute: Dispute, seller: User, now: datetime) -> Dispute:
    """The seller has the return; the agreed refund is paid.

    :raises ActionNotAllowed: no return in transit, or not the seller
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.confirm_return_received, seller, _("There is no return to confirm."))
    from_state = dispute.state
    dispute.confirm_return_received(at=now)
    dispute.save()
    finish_closed(dispute, now=now)
    notify(events.return_received(dispute=dispute, actor=seller, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def report_return_problem(
    *, dispute: Dispute, seller: User, note: str, evidence: list, now: datetime
) -> Dispute:
    """The return arrived wrong (or not at all): a mediator decides.

    :raises ActionNotAllowed: no return in transit, not the seller, or no description
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.report_return_problem, seller, _("There is no return to report on."))
    if not note.strip():
        raise ActionNotAllowed(_("Describe the problem with the return."))
    from_state = dispute.state
    dispute.report_return_problem(at=now)
    dispute.save()
    event = events.return_problem_reported(
        dispute=dispute, actor=seller, from_state=from_state, note=note.strip(), at=now
    )
    attach(dispute=dispute, user=seller, party=Party.SELLER, files=evidence, now=now)
    notify(event)
    return dispute


# --- evidence and deadlines -----------------------------------------------------------------------
@acts_on_dispute
def add_evidence(*, dispute: Dispute, user: User, files: list, note: str, now: datetime) -> list:
    """Either party adds photos or videos while the dispute is open.

    :raises ActionNotAllowed: the dispute is closed, or the user is not a party
    """
    dispute = lock_dispute(dispute.pk)
    party = party_of(dispute, user)
    if not party or not dispute.is_open:
        raise ActionNotAllowed(_("Evidence can only be added to an open dispute by its buyer or seller."))
    if not files:
        raise ActionNotAllowed(_("Choose at least one photo or video."))
    return attach(
        dispute=dispute, user=user, party=party, files=files, now=now, note=note.strip(), announce=True
    )


@acts_on_dispute
def extend_deadline(*, dispute: Dispute, user: User, days: int, now: datetime) -> Dispute:
    """Give the other party ``days`` more (e.g. the buyer lets the seller wait for the return).

    :raises ExtensionNotAllowed: not the protected party, already extended, or out of bounds
    """
    dispute = lock_dispute(dispute.pk)
    if not can_extend_deadline(dispute, user) or now >= dispute.deadline_at:
        raise ExtensionNotAllowed(_("You cannot extend this deadline."))
    if not 1 <= days <= policy.MAX_DEADLINE_EXTENSION.days:
        raise ExtensionNotAllowed(
            _("Choose between 1 and %(max)d days.") % {"max": policy.MAX_DEADLINE_EXTENSION.days}
        )
    dispute.extend_deadline(by=timedelta(days=days))
    dispute.save()
    party = party_of(dispute, user)
    notify(events.deadline_extended(dispute=dispute, actor=user, party=party, days=days, at=now))
    return dispute
