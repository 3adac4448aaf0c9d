"""What mediators do: take a case, ask for evidence, decide, and police abuse."""

from datetime import datetime
from decimal import Decimal

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import events, roles
from disputes.errors import ActionNotAllowed, AmountNotAllowed
from disputes.models import BuyerStanding, BuyerStandingChange, Dispute, Party, Proposal
from disputes.roles import party_of
from disputes.services.clock import acts_on_dispute
from disputes.services.common import (
    attach,
    check_transition,
    finish_closed,
    lock_dispute,
    lock_in_return_address,
    notify,
    propose,
    refund_ceiling,
)
from portal.accounts.models import User


class Decision(models.TextChoices):
    FULL_REFUND = "full_refund", gettext_lazy("Full refund")
    PARTIAL_REFUND = "partial_refund", gettext_lazy("Partial refund")
    REFUND_AFTER_RETURN = "refund_after_return", gettext_lazy("Refund after the item is returned")
    REJECT = "reject", gettext_lazy("Reject the claim (no refund)")


def require_mediator(allowed: bool) -> None:
    """Refuse a mediator action the user's role does not allow (``roles.can_*``)."""
    if not allowed:
        raise ActionNotAllowed(_("You do not have permission to do this."))


def assign_decider(dispute: Dispute, mediator: User, now: datetime) -> None:
    """The decider owns the case from here (an appeal goes to someone else): a case decided
    straight from the queue is assigned first, with its event on the timeline (caller holds the
    lock and saves). The parties hear of the decision, which names the mediator; a second e-mail
    about the assignment would tell them nothing."""
    if dispute.assigned_mediator_id != mediator.pk:
        dispute.assigned_mediator = mediator
        events.mediator_assigned(dispute=dispute, actor=mediator, at=now)


@acts_on_dispute
def assign_to_mediator(*, dispute: Dispute, mediator: User, now: datetime) -> Dispute:
    """The mediator takes the case.

    :raises ActionNotAllowed: not a mediator, or the dispute is not in mediation
    """
    require_mediator(roles.can_mediate(mediator))
    dispute = lock_dispute(dispute.pk)
    if not dispute.in_mediation:
        raise ActionNotAllowed(_("Only disputes in mediation can be assigned."))
    if dispute.assigned_mediator_id == mediator.pk:
        return dispute
    dispute.assigned_mediator = mediator
    dispute.save(update_fields=["assigned_mediator"])
    notify(events.mediator_assigned(dispute=dispute, actor=mediator, at=now))
    return dispute


@acts_on_dispute
def request_evidence(
    *, dispute: Dispute, mediator: User, party: str, note: str, due_at: datetime, now: datetime
) -> Dispute:
    """Ask the buyer or the seller for more evidence by ``due_at``; silence sends it back to us.

    :raises ActionNotAllowed: no permission, not in mediation, or a bad party or due date
    """
    require_mediator(roles.can_request_evidence(mediator))
    dispute = lock_dispute(dispute.pk)
    check_transition(
        dispute.request_evidence, mediator, _("Evidence can be requested only while in mediation.")
    )
    if party not in (Party.BUYER, Party.SELLER):
        raise ActionNotAllowed(_("Ask either the buyer or the seller."))
    if not note.strip():
        raise ActionNotAllowed(_("Say what evidence you need."))
    if due_at <= now:
        raise ActionNotAllowed(_("The due date must be in the future."))
    from_state = dispute.state
    dispute.request_evidence(at=now, party=party, note=note.strip(), due_at=due_at)
    dispute.save()
    notify(events.evidence_requested(dispute=dispute, actor=mediator, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def provide_evidence(*, dispute: Dispute, user: User, note: str, files: list, now: datetime) -> Dispute:
    """The party asked for evidence answers; the case goes back to the mediator.

    :raises ActionNotAllowed: nothing was asked of this user, or nothing was sent
    """
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.provide_evidence, user, _("No evidence was requested from you."))
    if not files and not note.strip():
        raise ActionNotAllowed(_("Add a file or a note for the mediator."))
    party = party_of(dispute, user)
    from_state = dispute.state
    attach(dispute=dispute, user=user, party=party, files=files, now=now, note=note.strip())
    dispute.provide_evidence(at=now)
    dispute.save()
    notify(
        events.evidence_provided(
            dispute=dispute, actor=user, party=party, from_state=from_state, note=note.strip(), at=now
        )
    )
    return dispute


@acts_on_dispute
def decide_dispute(
    *, dispute: Dispute, mediator: User, decision: str, amount: Decimal | None, note: str, now: datetime
) -> Dispute:
    """Decide the case with a written reason both parties see, and assign it to the decider;
    refunds follow automatically.

    :raises ActionNotAllowed: no permission, not in mediation, or no reason given
    :raises AmountNotAllowed: a partial amount that is not positive or above what can be refunded
    """
    require_mediator(roles.can_decide(mediator))
    dispute = lock_dispute(dispute.pk)
    check_transition(dispute.decide, mediator, _("This dispute is not waiting for a decision."))
    if not note.strip():
        raise ActionNotAllowed(_("Write the reason for the decision: both parties will read it."))
    ceiling = refund_ceiling(dispute)
    with_return = decision == Decision.REFUND_AFTER_RETURN
    if decision == Decision.REJECT:
        refund = Decimal("0.00")
    elif decision == Decision.FULL_REFUND:
        refund = ceiling
    else:
        refund = ceiling if amount is None else amount
        if refund <= 0 or refund > ceiling:
            raise AmountNotAllowed(
                _("Enter an amount between 0.01 and %(max)s %(currency)s.")
                % {"max": ceiling, "currency": dispute.currency}
            )
    if with_return:
        lock_in_return_address(dispute)
        if not dispute.return_address.strip():
            raise ActionNotAllowed(
                _("The store has no return address; decide a refund without return instead.")
            )
    return record_decision(
        dispute, mediator, amount=refund, refunded=refund, with_return=with_return, note=note, now=now
    )


def record_decision(
    dispute: Dispute,
    mediator: User,
    *,
    amount: Decimal,
    refunded: Decimal,
    with_return: bool,
    note: str,
    now: datetime,
) -> Dispute:
    """Apply a mediator's checked decision (caller holds the locks): the case is the decider's,
    the dispute moves to its outcome with ``amount`` (what is still to pay, after a return when
    ``with_return``), the decision stands among the proposals as accepted with ``refunded`` (all
    it refunds), the dispute finishes if closed, and both parties are told."""
    from_state = dispute.state
    assign_decider(dispute, mediator, now)
    dispute.decide(at=now, by=mediator, amount=amount, with_return=with_return, note=note.strip())
    dispute.save()
    propose(
        dispute=dispute,
        user=mediator,
        party=Party.MEDIATOR,
        kind=Proposal.Kind.DECISION,
        amount=refunded,
        with_return=with_return,
        note=note.strip(),
        now=now,
    )
    dispute.proposals.filter(kind=Proposal.Kind.DECISION, resolution=Proposal.Resolution.OPEN).update(
        resolution=Proposal.Resolution.ACCEPTED
    )
    finish_closed(dispute, now=now)
    notify(events.dispute_decided(dispute=dispute, actor=mediator, from_state=from_state, at=now))
    return dispute


@acts_on_dispute
def post_mediator_message(*, dispute: Dispute, mediator: User, text: str, now: datetime) -> Dispute:
    """A mediator writes into the dispute; both parties see it on the dispute page.

    :raises ActionNotAllowed: not a mediator, or nothing written
    """
    require_mediator(roles.can_mediate(mediator))
    if not text.strip():
        raise ActionNotAllowed(_("Write a message."))
    dispute = lock_dispute(dispute.pk)
    notify(events.mediator_message(dispute=dispute, actor=mediator, note=text.strip(), at=now))
    return dispute


@transaction.atomic
def set_buyer_blacklisted(
    *, buyer: User, mediator: User, blacklisted: bool, reason: str, now: datetime
) -> BuyerStanding:
    """Block (or unblock) a buyer from opening disputes, with the reason recorded.

    :raises ActionNotAllowed: no permission, or no reason given
    """
    require_mediator(roles.can_blacklist(mediator))
    if not reason.strip():
        raise ActionNotAllowed(_("Give the reason: it is recorded and shown to the buyer."))
    standing, _created = BuyerStanding.objects.select_for_update().get_or_create(buyer=buyer)
    standing.blacklisted = blacklisted
    standing.blacklist_reason = reason.strip()
    standing.blacklisted_at = now if blacklisted else None
    standing.blacklisted_by = mediator
    standing.save()
    BuyerStandingChange.objects.create(
        standing=standing, actor=mediator, blacklisted=blacklisted, reason=reason.strip(), created_at=now
    )
    return standing
