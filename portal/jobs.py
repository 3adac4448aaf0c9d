"""Queue background jobs only once the surrounding transaction has committed."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from celery import Task
from django.db import models, transaction

logger = logging.getLogger(__name__)

#: Jobs per fan-out message (see :func:`collected`): small enough for any broker's message size.
FAN_OUT_CHUNK = 500

#: The jobs gathered by the innermost :func:`collected` block, or None outside one.
_collector: ContextVar[list[tuple[Task, dict]] | None] = ContextVar("portal_jobs_collector", default=None)


def enqueue_after_commit(task: Task, **kwargs) -> None:
    """Send ``task`` with keyword ``kwargs`` after the current transaction commits.

    The change it follows is already saved by then, so a broker that cannot be reached must
    not turn the user's successful action into an error page: the failure is logged
    (``robust=True``) and the deadline sweep re-covers work that matters (unpaid refunds,
    unprocessed evidence). Jobs of a transaction that rolls back (or of a rolled-back
    savepoint) are never sent: Django drops their hooks.

    A model instance given as a value is sent as its primary key, read at commit time: a record
    written in bulk when its transaction ends (``portal.records.written_together``) has no key
    before then.
    """
    transaction.on_commit(partial(_send, task, kwargs), robust=True)


def _send(task: Task, kwargs: dict) -> None:
    kwargs = {key: value.pk if isinstance(value, models.Model) else value for key, value in kwargs.items()}
    jobs = _collector.get()
    if jobs is None:
        task.delay(**kwargs)
    else:
        jobs.append((task, kwargs))


@contextmanager
def collected() -> Iterator[None]:
    """Publish the jobs committed inside the block together, as one message, when it ends.

    The deadline sweep commits hundreds of changes a second, each with two or three jobs
    (notify the parties, pay the refund); one broker round trip per job would cost more than
    the changes themselves. Inside this block each committed job is gathered instead, and at
    the end one ``fan_out`` message per :data:`FAN_OUT_CHUNK` jobs hands them to a worker, which
    queues each as the job it is (with its own retries). Only committed work is gathered, as
    with :func:`enqueue_after_commit`.
    """
    jobs: list[tuple[Task, dict]] = []
    token = _collector.set(jobs)
    try:
        yield
    finally:
        _collector.reset(token)
        publish(jobs)


def publish(jobs: list[tuple[Task, dict]]) -> None:
    """Send gathered jobs: a single one as itself, more as fan-out messages. Never raises (the
    work is committed; see :func:`enqueue_after_commit`)."""
    from portal.tasks import fan_out

    try:
        if len(jobs) == 1:
            task, kwargs = jobs[0]
            task.delay(**kwargs)
            return
        for start in range(0, len(jobs), FAN_OUT_CHUNK):
            chunk = jobs[start : start + FAN_OUT_CHUNK]
            fan_out.delay(jobs=[[task.name, kwargs] for task, kwargs in chunk])
    except Exception:
        logger.exception("could not queue %s committed job(s)", len(jobs))
