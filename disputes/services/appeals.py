"""Appeals (issue 16, item 1): either party appeals a mediator's decision once, the other answers
by a deadline, and a different mediator decides for good. Money already refunded is never taken
back from the buyer: a change in the buyer's favour refunds the difference through the ledger;
one in the seller's favour is recorded (and, if the marketplace says so, a clawback for finance)."""

from datetime import datetime
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import appeal_events, appeal_selectors, policy, selectors
from disputes.errors import ActionNotAllowed, AmountNotAllowed, DeadlinePassed, DisputeError, EvidenceRequired
from disputes.models import Appeal, AppealClawback, Dispute
from disputes.roles import party_of
from disputes.services.common import attach, lock_dispute, notify
from orders import services as order_services
from orders.models import Refund
from portal import deadlines, formatting, reminders
from portal.accounts.models import User
from portal.accounts.roles import is_mediator


class AppealNotAllowed(DisputeError):
    pass


class SameMediator(DisputeError):
    pass


class AppealDecision(models.TextChoices):
    UPHOLD = "uphold", gettext_lazy("Keep the decision as it is")
    FULL_REFUND = "full_refund", gettext_lazy("Full refund")
    PARTIAL_REFUND = "partial_refund", gettext_lazy("Refund a total of")
    NO_REFUND = "no_refund", gettext_lazy("No refund")


def refunded_by(dispute: Dispute) -> Decimal:
    """What the dispute's refunds paid or are paying (failed ones are retried or re-issued)."""
    total = (
        Refund.objects.filter(dispute=dispute)
        .exclude(status=Refund.Status.FAILED)
        .aggregate(total=Sum("amount"))
    )["total"]
    return total or Decimal("0.00")


def lock_appeal(pk: int) -> Appeal:
    """Lock the order, the dispute, then the appeal: the order every dispute writer keeps."""
    dispute_id = Appeal.objects.values_list("dispute_id", flat=True).get(pk=pk)
    lock_dispute(dispute_id)
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("dispute__order", "dispute__store", "dispute__buyer", "first_mediator")
        .get(pk=pk)
    )


def expire_answer(appeal: Appeal, now: datetime) -> None:
    """The answer did not come by its deadline: the appeal goes to the mediators without it
    (caller holds the appeal's lock and re-checked it is due)."""
    deadline = appeal.deadline_at
    appeal.expire_answer(at=now)
    appeal.save()
    notify(appeal_events.answer_missed(appeal=appeal, deadline=deadline, at=now))


def apply_appeal_deadline_if_due(appeal_id: int, now: datetime) -> str:
    """Apply the appeal's answer deadline if due at ``now`` and commit it; the sentence naming it."""
    with transaction.atomic():
        appeal = lock_appeal(appeal_id)
        if not appeal.answer_due(now):
            return ""
        sentence = _(
            "The time to answer the appeal ended on %(date)s: it went to a mediator without an answer."
        ) % {"date": formatting.moment(appeal.deadline_at)}
        expire_answer(appeal, now)
    return sentence


acts_on_appeal = deadlines.deadline_first(
    catch_up=apply_appeal_deadline_if_due, subject="appeal", refusals=DisputeError, passed=DeadlinePassed
)


@transaction.atomic
def file_appeal(*, dispute: Dispute, user: User, reason: str, files: list, now: datetime) -> Appeal:
    """Appeal the mediator's decision on ``dispute`` with a reason and new evidence; the other
    party is asked to answer by the appeal's deadline.

    :raises AppealNotAllowed: not a party, no mediator's decision, already appealed, too late
    :raises ActionNotAllowed: no reason written
    :raises EvidenceRequired: no new evidence
    """
    dispute = lock_dispute(dispute.pk)
    party = party_of(dispute, user)
    refusal = appeal_selectors.appeal_refusal(
        dispute=dispute,
        party=party,
        decided_at=(decided_at := appeal_selectors.mediator_decision_at(dispute)),
        appealed=Appeal.objects.filter(dispute=dispute).exists(),
        now=now,
    )
    if refusal:
        raise AppealNotAllowed(refusal)
    if not reason.strip():
        raise ActionNotAllowed(_("Explain why the decision should change."), field="reason")
    if not files:
        raise EvidenceRequired(_("Add at least one new photo or video the mediator has not seen."))
    appeal = Appeal(
        dispute=dispute,
        appellant=party,
        filed_by=user,
        reason=reason.strip(),
        filed_at=now,
        first_mediator_id=dispute.decided_by_id,
        first_decided_at=decided_at,
        first_refund=refunded_by(dispute),
        currency=dispute.currency,
    )
    appeal.start_answer_clock(now)
    appeal.save()
    evidence = attach(
        dispute=dispute,
        user=user,
        party=party,
        files=files,
        now=now,
        note=formatting.stored_label(lambda: selectors.APPEAL_EVIDENCE_NOTE),
    )
    notify(appeal_events.appeal_filed(appeal=appeal, actor=user, evidence=evidence, at=now))
    return appeal


@acts_on_appeal
def answer_appeal(*, appeal: Appeal, user: User, text: str, files: list, now: datetime) -> Appeal:
    """The other party answers the appeal, with evidence if they have it; it goes to a mediator.

    :raises ActionNotAllowed: not the party asked to answer, already answered, nothing written
    """
    appeal = lock_appeal(appeal.pk)
    party = party_of(appeal.dispute, user)
    if party != appeal.respondent:
        raise ActionNotAllowed(_("Only the other party answers an appeal."))
    if appeal.state != Appeal.State.AWAITING_ANSWER:
        raise ActionNotAllowed(_("This appeal is no longer waiting for an answer."))
    if not text.strip():
        raise ActionNotAllowed(_("Write your answer to the appeal."), field="answer")
    appeal.record_answer(at=now, text=text.strip())
    appeal.save()
    evidence = attach(
        dispute=appeal.dispute, user=user, party=party, files=files, now=now, note=_("Answer to the appeal")
    )
    notify(appeal_events.appeal_answered(appeal=appeal, actor=user, evidence=evidence, at=now))
    return appeal


def _require_other_mediator(appeal: Appeal, mediator: User, permission: str) -> None:
    if not (is_mediator(mediator) and mediator.has_perm(permission)):
        raise ActionNotAllowed(_("You do not have permission to do this."))
    if mediator.pk == appeal.first_mediator_id:
        raise SameMediator(
            _("You decided this dispute: a different mediator must take and decide its appeal.")
        )


@acts_on_appeal
def assign_appeal(*, appeal: Appeal, mediator: User, now: datetime) -> Appeal:
    """A mediator other than the one who decided takes the appeal.

    :raises SameMediator: the mediator who made the decision under appeal
    :raises ActionNotAllowed: not a mediator, or the appeal is decided
    """
    appeal = lock_appeal(appeal.pk)
    _require_other_mediator(appeal, mediator, "disputes.mediate_dispute")
    if appeal.is_final:
        raise ActionNotAllowed(_("This appeal is decided; its decision is final."))
    if appeal.assigned_mediator_id == mediator.pk:
        return appeal
    appeal.assigned_mediator = mediator
    appeal.save(update_fields=["assigned_mediator"])
    appeal_events.appeal_assigned(appeal=appeal, actor=mediator, at=now)
    return appeal


def _final_refund(appeal: Appeal, decision: str, amount: Decimal | None) -> Decimal:
    """The total the buyer gets under the appeal's decision (the first refund stays counted).

    :raises AmountNotAllowed: a total that is not positive or above what the order can refund
    """
    dispute = appeal.dispute
    ceiling = min(dispute.max_refund, appeal.first_refund + order_services.refundable_amount(dispute.order))
    if decision == AppealDecision.UPHOLD:
        return appeal.first_refund
    if decision == AppealDecision.NO_REFUND:
        return Decimal("0.00")
    if decision == AppealDecision.FULL_REFUND:
        return ceiling
    if amount is None or amount <= 0 or amount > ceiling:
        raise AmountNotAllowed(
            _("Enter a total refund between 0.01 and %(max)s %(currency)s.")
            % {"max": ceiling, "currency": appeal.currency}
        )
    return amount


@acts_on_appeal
def decide_appeal(
    *, appeal: Appeal, mediator: User, decision: str, amount: Decimal | None, note: str, now: datetime
) -> Appeal:
    """Decide the appeal for good, with a reason both parties read. A higher total refunds the
    difference to the buyer; a lower one is recorded, and clawed back from the marketplace's
    books only if ``DISPUTES_APPEAL_CLAWBACK`` says so: never from the buyer's card.

    :raises SameMediator: the mediator who made the decision under appeal
    :raises ActionNotAllowed: no permission, not ready for a decision, or no reason
    :raises AmountNotAllowed: a total above what the order can refund
    """
    appeal = lock_appeal(appeal.pk)
    _require_other_mediator(appeal, mediator, "disputes.decide_dispute")
    if appeal.state == Appeal.State.DECIDED:
        raise ActionNotAllowed(_("This appeal is decided; its decision is final."))
    if appeal.state != Appeal.State.IN_REVIEW:
        raise ActionNotAllowed(
            _("The appeal waits for the other party's answer until %(date)s.")
            % {"date": formatting.moment(appeal.deadline_at)}
        )
    if not note.strip():
        raise ActionNotAllowed(
            _("Write the reason for the decision: both parties will read it."), field="note"
        )
    final_refund = _final_refund(appeal, decision, amount)
    appeal.decide(at=now, by=mediator, final_refund=final_refund, note=note.strip())
    appeal.save()
    dispute = appeal.dispute
    if appeal.refund_difference:
        order_services.issue_refund(
            order=dispute.order,
            amount=appeal.refund_difference,
            reason=Refund.Reason.DISPUTE,
            dispute=dispute,
            note=f"appeal {appeal.reference}",
            now=now,
        )
    if appeal.overpaid_amount and policy.appeal_clawback():
        AppealClawback.objects.create(
            appeal=appeal, amount=appeal.overpaid_amount, currency=appeal.currency, created_at=now
        )
    notify(appeal_events.appeal_decided(appeal=appeal, actor=mediator, at=now))
    return appeal


def send_appeal_reminder(appeal: Appeal, now: datetime) -> None:
    """Remind the party who must answer, once per reminder step (caller holds the lock)."""
    steps = policy.REMINDERS_BEFORE
    step = reminders.due_reminder(appeal.deadline_at, sent=appeal.reminders_sent, before=steps, now=now)
    appeal.reminders_sent = len(steps) if step is None else step + 1
    appeal.schedule_next_reminder()
    appeal.save(update_fields=["reminders_sent", "next_reminder_at"])
    if step is not None:
        hours_left = int((appeal.deadline_at - now).total_seconds() // 3600)
        notify(appeal_events.reminder_sent(appeal=appeal, hours_left=hours_left, at=now))


def _lock_due(pks: list[int], due: models.Q, due_field: str) -> list[Appeal]:
    # Only the appeal row changes: it is locked alone, skipping rows a party or another sweep holds.
    return list(
        Appeal.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dispute__order", "dispute__store", "dispute__buyer")
        .filter(due, pk__in=pks)
        .order_by(due_field, "pk")
    )


def enforce_appeal_deadlines(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Send unanswered appeals on to the mediators when their answer is due, then the reminders."""
    waiting = models.Q(state=Appeal.State.AWAITING_ANSWER)
    due = waiting & models.Q(deadline_at__lte=now)
    applied = deadlines.apply_due(
        queryset=Appeal.objects.filter(waiting),
        now=now,
        apply=deadlines.each(expire_answer),
        lock=lambda pks: _lock_due(pks, due, "deadline_at"),
        batch_size=policy.SWEEP_BATCH_SIZE,
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
        buyer_field="dispute__buyer_id",
    )
    reminder_due = waiting & models.Q(next_reminder_at__lte=now) & ~models.Q(deadline_at__lte=now)
    applied += deadlines.apply_due(
        queryset=Appeal.objects.filter(reminder_due),
        now=now,
        apply=deadlines.each(send_appeal_reminder),
        lock=lambda pks: _lock_due(pks, reminder_due, "next_reminder_at"),
        batch_size=policy.SWEEP_BATCH_SIZE,
        due_field="next_reminder_at",
        per_transaction=policy.SWEEP_ROWS_PER_TRANSACTION,
        share=share,
        buyer_field="dispute__buyer_id",
    )
    return applied


__all__ = [
    "AppealDecision",
    "AppealNotAllowed",
    "SameMediator",
    "answer_appeal",
    "assign_appeal",
    "decide_appeal",
    "enforce_appeal_deadlines",
    "file_appeal",
    "lock_appeal",
]
