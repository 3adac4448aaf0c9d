"""Paying the ledger's refunds through the payment provider: the job that pays one, the
provider's webhook, and the sweep's retries of those whose job did not finish.

:func:`orders.services.issue_refund` writes a refund to the ledger and queues its job, which
runs :func:`pay_refund` here; nothing here imports the services back.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from orders import events, policy
from orders.models import Refund
from orders.payments import (
    PaymentProviderError,
    PaymentProviderMisconfigured,
    PaymentRefused,
    ProviderRefund,
    get_provider,
)
from portal import deadlines
from portal.notifications.tasks import notify_after_commit

logger = logging.getLogger(__name__)


def pay_refund(*, refund_id: int, now: datetime) -> Refund:
    """Pay a pending refund through the provider, or ask how a submitted one is doing; a paid or
    failed refund, or one another job is calling the provider for, is left alone.

    Three steps, so that no row lock is held while the provider answers (seconds, or a hang):
    claim the row in a short transaction, call the provider outside any transaction with the
    row's idempotency key, record the answer in another short transaction. A worker that dies
    between the call and the record leaves a claim that runs out; the sweep then asks again with
    the same key, and the provider answers about the refund it already made.

    Only the provider's refusal marks the refund failed and tells the buyer. A provider that could
    not be asked (an outage, a timeout) keeps it pending for a later attempt, however long that
    takes, and past the policy's maximum attempts every further one is logged as an error; one
    that refuses our own credentials keeps it pending too, without counting the attempt, and is
    logged as an error for an operator. A refund the provider accepted but has not finished
    waits, submitted, for its webhook.
    """
    return _pay_refund(refund_id=refund_id, now=now) or Refund.objects.get(pk=refund_id)


def _pay_refund(*, refund_id: int, now: datetime) -> Refund | None:
    """:func:`pay_refund`; ``None`` when there was nothing to do."""
    refund = _claim_refund(refund_id=refund_id, now=now)
    if refund is None:
        return None
    provider = get_provider()
    try:
        if refund.status == Refund.Status.SUBMITTED:
            answer = provider.refund_status(reference=refund.provider_reference)
        else:
            answer = provider.refund(
                idempotency_key=refund.idempotency_key,
                refund_id=refund.pk,
                order_number=refund.order.number,
                payment_reference=refund.order.payment_reference,
                amount=refund.amount,
                currency=refund.currency,
            )
    except Exception as error:
        # Not only PaymentProviderError: an unexpected error is counted and retried, not lost.
        if not isinstance(error, PaymentProviderError | PaymentRefused):
            logger.exception("refund %s: unexpected provider error", refund.pk)
        answer = error
    return _record_refund_answer(refund_id=refund.pk, answer=answer, now=now)


def _claim_refund(*, refund_id: int, now: datetime) -> Refund | None:
    """Take the refund for one provider call (a short transaction), or ``None`` if it needs none
    now: finished, claimed by another job, or submitted and not yet due for a check."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund_id)
        if refund.claimed_until is not None and refund.claimed_until > now:
            return None
        if refund.status == Refund.Status.PENDING:
            refund.attempts += 1
        elif refund.status != Refund.Status.SUBMITTED or refund.next_attempt_at > now:
            return None
        # The sweep re-covers the claim if this worker dies before recording the answer.
        refund.claimed_until = refund.next_attempt_at = now + policy.REFUND_CLAIM_LEASE
        refund.save(update_fields=["attempts", "claimed_until", "next_attempt_at"])
        return refund


@transaction.atomic
def _record_refund_answer(*, refund_id: int, answer: ProviderRefund | Exception, now: datetime) -> Refund:
    """Record what the provider answered (or why it could not be asked) on the claimed refund."""
    refund = Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund_id)
    if refund.status not in (Refund.Status.PENDING, Refund.Status.SUBMITTED):
        return refund  # the provider's webhook told us first: its word stands
    if isinstance(answer, ProviderRefund):
        return _take_provider_word(refund, answer, now=now)
    reason = (str(answer) or answer.__class__.__name__)[:500]
    if refund.status == Refund.Status.SUBMITTED:
        # Asking how it is doing failed; the refund itself is unaffected: ask again later.
        refund.next_attempt_at = now + policy.REFUND_STATUS_CHECK_DELAY
    elif isinstance(answer, PaymentRefused):
        refund.mark_failed(reason=reason)
        refund.save()
        notify_after_commit(events.refund_failed(order=refund.order, refund=refund, at=now))
        return refund
    elif isinstance(answer, PaymentProviderMisconfigured):
        refund.attempts -= 1  # the provider looked at our key, never at this refund
        refund.failure_reason = reason
        refund.next_attempt_at = now + policy.REFUND_RETRY_DELAY
    else:
        # An outage is not a refusal: the buyer is not told the refund failed however long it
        # lasts, and the retries slow down to the pace of a status check.
        refund.failure_reason = reason
        refund.next_attempt_at = now + min(
            policy.REFUND_RETRY_DELAY * refund.attempts, policy.REFUND_STATUS_CHECK_DELAY
        )
    refund.claimed_until = None
    refund.save()
    _log_unanswered(refund, answer)
    return refund


def _log_unanswered(refund: Refund, error: Exception) -> None:
    """Log why the provider gave no answer on the refund: as an error when a person must act."""
    if isinstance(error, PaymentProviderMisconfigured):
        logger.error(
            "refund %s: the payment provider refuses our credentials (%s). An operator must fix "
            "the provider's configuration; until then no refund is paid and none is failed, and "
            "this one is asked about again at %s.",
            refund.pk,
            error,
            refund.next_attempt_at.isoformat(),
        )
    elif refund.status == Refund.Status.PENDING and refund.attempts >= policy.REFUND_MAX_ATTEMPTS:
        logger.error(
            "refund %s is still not paid after %s attempts (%s): it stays pending, the buyer is "
            "not told it failed, and it is asked about again at %s. Look at the provider's status.",
            refund.pk,
            refund.attempts,
            error,
            refund.next_attempt_at.isoformat(),
        )
    else:
        logger.warning(
            "refund %s: the payment provider could not be asked (%s); asked again at %s",
            refund.pk,
            error,
            refund.next_attempt_at.isoformat(),
        )


def _take_provider_word(refund: Refund, word: ProviderRefund, *, now: datetime) -> Refund:
    """Move an unfinished refund (locked by the caller) to where the provider says it is."""
    if word.status == ProviderRefund.SUCCEEDED:
        refund.mark_paid(at=now, reference=word.reference)
        refund.save()
        notify_after_commit(events.refund_paid(order=refund.order, refund=refund, at=now))
    elif word.status == ProviderRefund.FAILED:
        refund.mark_failed(reason=word.failure_reason or "refused by the provider", reference=word.reference)
        refund.save()
        notify_after_commit(events.refund_failed(order=refund.order, refund=refund, at=now))
    elif refund.status == Refund.Status.PENDING:
        refund.mark_submitted(
            at=now, reference=word.reference, check_at=now + policy.REFUND_STATUS_CHECK_DELAY
        )
        refund.save()
    else:
        refund.next_attempt_at = now + policy.REFUND_STATUS_CHECK_DELAY
        refund.claimed_until = None
        refund.save()
    return refund


def record_refund_update(
    *, word: ProviderRefund, ledger_id: str, order_number: str, now: datetime
) -> Refund | None:
    """The provider's webhook says how a refund is doing; ``None`` if no refund of ours is meant.

    The refund is found by the provider's id for it, or, when the webhook beats the job's own
    record of that id, by the ledger id and order number the refund carries in its metadata. An
    unfinished refund takes the provider's word; a paid or failed one is left as it is, so a
    replayed or late event never moves a refund backwards or notifies anyone twice.
    """
    with transaction.atomic():
        rows = Refund.objects.select_for_update(of=("self",)).select_related("order")
        refund = rows.filter(provider_reference=word.reference).first()
        if refund is None and ledger_id.isdigit():
            refund = (
                rows.filter(pk=int(ledger_id), order__number=order_number)
                .filter(Q(provider_reference="") | Q(provider_reference=word.reference))
                .first()
            )
        if refund is None:
            logger.warning(
                "provider refund %s (ledger id %r): no such refund here", word.reference, ledger_id
            )
            return None
        if refund.status in (Refund.Status.PENDING, Refund.Status.SUBMITTED):
            return _take_provider_word(refund, word, now=now)
        contradicts = (refund.status == Refund.Status.PAID and word.status == ProviderRefund.FAILED) or (
            refund.status == Refund.Status.FAILED and word.status == ProviderRefund.SUCCEEDED
        )
        if contradicts:
            logger.error(
                "refund %s is %s here but %s at the provider (%s): a person must look",
                refund.pk,
                refund.status,
                word.status,
                word.reference,
            )
        return refund


# --- the sweep -----------------------------------------------------------------------------------
def _due_refunds(*, now: datetime, share: deadlines.Share, after: tuple[datetime, int] | None) -> list:
    """``(next_attempt_at, pk)`` of the next refunds whose job did not finish, in the order they
    fell due: pending ones (lost message, provider outage, a worker that died mid-call) and
    submitted ones due for a check."""
    due = share.of(
        Refund.objects.filter(
            status__in=[Refund.Status.PENDING, Refund.Status.SUBMITTED], next_attempt_at__lte=now
        ),
        "order__buyer_id",
    )
    if after is not None:
        due = due.filter(Q(next_attempt_at__gt=after[0]) | Q(next_attempt_at=after[0], pk__gt=after[1]))
    return list(
        due.order_by("next_attempt_at", "pk").values_list("next_attempt_at", "pk")[: policy.SWEEP_BATCH_SIZE]
    )


def pay_due_refunds(*, now: datetime, share: deadlines.Share = deadlines.EVERYTHING) -> int:
    """Pay, or check on, every refund whose job did not, each through :func:`pay_refund` and
    outside any transaction of the sweep: no lock is held while the provider answers."""
    attempted = 0
    after = None
    while batch := _due_refunds(now=now, share=share, after=after):
        for _due_at, pk in batch:
            try:
                attempted += _pay_refund(refund_id=pk, now=now) is not None
            except Exception:
                # A claimed refund whose answer could not be recorded is asked about again once
                # its claim runs out; the others go on meanwhile.
                logger.exception("deadline sweep could not pay refund pk=%s", pk)
        after = batch[-1]
    return attempted
