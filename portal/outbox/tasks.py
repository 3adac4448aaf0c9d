"""The worker's side of the outbox: a base class for every job sent through it."""

import logging

from celery import Task
from django.utils import timezone

from portal.outbox import services

logger = logging.getLogger(__name__)


class OutboxTask(Task):
    """A Celery task whose messages carry only ``outbox_id``: the job's arguments are read from
    its outbox row, claimed for this run, and the row is marked done when the job returns.

    The claim is its own short transaction and the job runs outside it (a refund's call to the
    payment provider must never happen inside a transaction or under a row lock). A job that
    raises leaves the message pending, with its error, for the sweep to send again; a message
    that is done, or that another worker claimed less than a lease ago, is skipped. Called
    without ``outbox_id`` (a test, the shell) the task simply runs.
    """

    # The message's arguments are not the job's: ``outbox_id`` stands for them.
    typing = False

    def __call__(self, *args, outbox_id: int | None = None, **kwargs):
        if outbox_id is None:
            return super().__call__(*args, **kwargs)
        message = services.claim(outbox_id, now=timezone.now())
        if message is None:
            logger.info("outbox message %s: done, given up or being run elsewhere; skipped", outbox_id)
            return None
        try:
            # Celery's tracer has already pushed this task's request: run the body as it would.
            result = self.run(**message.kwargs)
        except Exception as error:
            services.release(message, error=error)
            raise
        services.mark_done(message, now=timezone.now())
        return result
