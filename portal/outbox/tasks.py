"""The worker's side of the outbox: a base class for every job sent through it, and the
claims that make each job run once. :mod:`portal.outbox.services` writes and sends the jobs."""

import logging
from collections.abc import Sequence
from datetime import datetime

from celery import Task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.outbox import policy
from portal.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


def claim(message_id: int, *, now: datetime) -> OutboxMessage | None:
    """Take a message for one run (a short transaction of its own), or ``None`` if it must not
    run now: done, given up, or claimed by a worker less than a lease ago."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, done_at__isnull=True, gave_up_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - policy.CLAIM_LEASE))
            .first()
        )
        if message is None:
            return None
        message.claimed_at = now
        message.save(update_fields=["claimed_at"])
    return message


def mark_done(message: OutboxMessage, *, now: datetime) -> None:
    """Record that the message's job ran to the end: nothing sends it again."""
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=now, claimed_at=None, last_error="")


def release(message: OutboxMessage, *, error: BaseException) -> None:
    """Record why the message's job failed and free it for the sweep's next send."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=None, last_error=f"{type(error).__name__}: {error}"[:2000]
    )


class OutboxTask(Task):
    """A Celery task whose messages carry only outbox ids: the job's arguments are read from its
    outbox row, claimed for this run, and the row is marked done when the job returns.

    One broker message may carry several jobs of the task (``outbox_ids``: jobs a transaction
    wrote or the sweep found due together, :data:`~portal.outbox.policy.JOBS_PER_SEND` at most;
    a worker older than that change cannot run them, so deploy the workers first): they run one
    after the other,
    each claimed, done or failed on its own, as if each had come in a message of its own. The
    claim is its own short transaction and the job runs outside it (a refund's call to the
    payment provider must never happen inside a transaction or under a row lock). A job that
    raises leaves its message pending, with its error, for the sweep to send again, and the
    message's other jobs still run; a message that is done, or that another worker claimed less
    than a lease ago, is skipped. Called without ids (a test, the shell) the task simply runs.
    """

    # The message's arguments are not the job's: the outbox ids stand for them.
    typing = False

    def __call__(self, *args, outbox_ids: Sequence[int] = (), outbox_id: int | None = None, **kwargs):
        # ``outbox_id``: a message sent before a message could carry several jobs.
        ids = [*outbox_ids, *([] if outbox_id is None else [outbox_id])]
        if not ids:
            return super().__call__(*args, **kwargs)
        results, failures = [], []
        for message_id in ids:
            try:
                results.append(self._run_message(message_id))
            except Exception as error:
                if failures:  # Celery reports the first; the others are logged here
                    logger.exception("outbox message %s (%s) failed", message_id, self.name)
                failures.append(error)
        if failures:
            raise failures[0]
        return results[0] if len(results) == 1 else results

    def _run_message(self, message_id: int):
        message = claim(message_id, now=timezone.now())
        if message is None:
            logger.info("outbox message %s: done, given up or being run elsewhere; skipped", message_id)
            return None
        try:
            # Celery's tracer has already pushed this task's request: run the body as it would.
            result = self.run(**message.kwargs)
        except Exception as error:
            release(message, error=error)
            raise
        mark_done(message, now=timezone.now())
        return result
