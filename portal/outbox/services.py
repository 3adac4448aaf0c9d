"""Write jobs to the outbox with the change, send them after commit, send again what is not
done. The worker's side (running each once) is :mod:`portal.outbox.tasks`.

The broker is never the only copy of a job: a message is a row until a worker marks it done.
"""

import logging
from contextlib import ExitStack
from datetime import datetime
from functools import partial

from celery import Task, current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from portal.outbox import policy
from portal.outbox.models import OutboxMessage
from portal.outbox.tasks import OutboxTask

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, **kwargs) -> OutboxMessage:
    """Write a job for ``task`` with keyword ``kwargs`` (ids only) to the outbox now, in the
    caller's transaction, and send it to Celery once that transaction commits.

    A transaction (or savepoint) that rolls back takes its jobs with it. A broker that cannot be
    reached at commit must not turn the user's successful action into an error page: the failure
    is logged and the sweep sends the message later (:func:`redispatch_due`).

    :raises TypeError: ``task`` is not an outbox task, or ``kwargs`` are not JSON
    """
    return enqueue_many_after_commit(task, [kwargs])[0]


def enqueue_many_after_commit(task: Task, jobs: list[dict]) -> list[OutboxMessage]:
    """:func:`enqueue_after_commit` for several jobs of one task: one INSERT for all of them,
    and one broker connection to send them after the commit, several jobs to a broker message
    (the sweep writes hundreds).

    :raises TypeError: ``task`` is not an outbox task, or a job's kwargs are not JSON
    """
    if not isinstance(task, OutboxTask):
        raise TypeError(f"{task.name} must be declared with base=OutboxTask to be sent through the outbox")
    if not jobs:
        return []
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            task=task.name,
            kwargs=kwargs,
            created_at=now,
            dispatch_count=1,
            next_dispatch_at=now + policy.redispatch_delay(1),
        )
        for kwargs in jobs
    )
    transaction.on_commit(partial(_send_first, task, [message.pk for message in messages]), robust=True)
    return messages


def _send_first(task: Task, message_ids: list[int]) -> None:
    unsent = _send_all([(task, message_id) for message_id in message_ids])
    if unsent:
        # Counted when written; a send the broker never took is no dispatch.
        OutboxMessage.objects.filter(pk__in=unsent).update(dispatch_count=F("dispatch_count") - 1)


def _send_all(jobs: list[tuple[Task, int]]) -> list[int]:
    """Hand the messages to the broker over one connection, up to ``JOBS_PER_SEND`` of a task
    in one broker message; return the ids of those it never took: once it cannot be reached, the
    rest wait for the sweep instead of each trying again."""
    per_task: dict[Task, list[int]] = {}
    for task, message_id in jobs:
        per_task.setdefault(task, []).append(message_id)
    sends = [
        (task, ids[start : start + policy.JOBS_PER_SEND])
        for task, ids in per_task.items()
        for start in range(0, len(ids), policy.JOBS_PER_SEND)
    ]
    with ExitStack() as stack:
        producers = {}
        for index, (task, message_ids) in enumerate(sends):
            if task.app not in producers:
                producers[task.app] = stack.enter_context(task.app.producer_or_acquire())
            if not _send(task, message_ids, producers[task.app]):
                return [pk for _task, ids in sends[index:] for pk in ids]
    return []


def _send(task: Task, message_ids: list[int], producer) -> bool:
    """Hand one broker message with the outbox messages' ids to the broker; False when the
    broker could not be reached."""
    try:
        task.apply_async(kwargs={"outbox_ids": message_ids}, producer=producer)
    except OperationalError as error:
        logger.warning(
            "outbox messages %s (%s) not sent, the broker is unreachable (%s); the sweep sends them later",
            message_ids,
            task.name,
            error,
        )
        return False
    except Exception:
        # The broker took it but something else failed (in eager mode: a job itself, already
        # recorded on its message); the sweep sends again what is not done.
        logger.exception("outbox messages %s (%s) failed as they were sent", message_ids, task.name)
    return True


# --- the sweep's side --------------------------------------------------------------------------
def redispatch_due(*, now: datetime) -> int:
    """Send again every message not done whose ``next_dispatch_at`` has come, each with a longer
    wait before the next; give up (and log an error) on one sent ``MAX_DISPATCHES`` times.
    Returns how many were sent.

    Messages are claimed in batches under ``SELECT ... FOR UPDATE SKIP LOCKED`` so two sweeps
    never send the same one, and handed to the broker after that short transaction commits.
    A broker that cannot be reached stops the sweep's sending; those messages keep their count.
    """
    sent = 0
    while True:
        batch = _take_due(now)
        if batch is None:
            return sent
        known = []
        for message in batch:
            task = _task(message.task)
            if task is None:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    gave_up_at=now, last_error=f"No Celery task is named {message.task}."
                )
            else:
                known.append((task, message.pk))
        unsent = _send_all(known)
        sent += len(known) - len(unsent)
        if unsent:
            OutboxMessage.objects.filter(pk__in=unsent).update(dispatch_count=F("dispatch_count") - 1)
            return sent


def _take_due(now: datetime) -> list[OutboxMessage] | None:
    """Claim the next batch of due messages for one more send, giving up those sent too often;
    ``None`` when nothing is due."""
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, gave_up_at__isnull=True, next_dispatch_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - policy.CLAIM_LEASE))
            .order_by("next_dispatch_at", "pk")[: policy.SWEEP_BATCH_SIZE]
        )
        if not due:
            return None
        send, give_up = [], []
        for message in due:
            if message.dispatch_count >= policy.MAX_DISPATCHES:
                message.gave_up_at = now
                give_up.append(message)
                logger.error(
                    "outbox message %s (%s %s) given up after %s sends; last error: %s",
                    message.pk,
                    message.task,
                    message.kwargs,
                    message.dispatch_count,
                    message.last_error or "none (never run)",
                )
            else:
                message.dispatch_count += 1
                message.next_dispatch_at = now + policy.redispatch_delay(message.dispatch_count)
                send.append(message)
        OutboxMessage.objects.bulk_update(give_up, ["gave_up_at"])
        OutboxMessage.objects.bulk_update(send, ["dispatch_count", "next_dispatch_at"])
    return send


def _task(name: str) -> Task | None:
    tasks = current_app.tasks
    if name not in tasks:
        # A process that has not imported every app's tasks yet (a management command).
        current_app.loader.import_default_modules()
    task = tasks.get(name)
    if task is None:
        logger.error("outbox: no Celery task is named %s", name)
    return task


def forget_done(*, now: datetime) -> int:
    """Delete messages done longer than ``KEEP_DONE`` ago; returns how many."""
    forgotten = 0
    before = now - policy.KEEP_DONE
    while True:
        pks = list(
            OutboxMessage.objects.filter(done_at__lt=before).values_list("pk", flat=True)[
                : policy.SWEEP_BATCH_SIZE
            ]
        )
        if not pks:
            return forgotten
        forgotten += OutboxMessage.objects.filter(pk__in=pks).delete()[0]


def sweep(*, now: datetime) -> dict[str, int]:
    """The outbox's part of the periodic sweep: send again what is due, forget what is old."""
    return {"outbox_sent": redispatch_due(now=now), "outbox_forgotten": forget_done(now=now)}
