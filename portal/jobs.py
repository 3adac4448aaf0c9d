"""Queue background jobs only once the surrounding transaction has committed."""

import logging
from functools import partial

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, **kwargs) -> None:
    """Send ``task`` with keyword ``kwargs`` after the current transaction commits.

    The change it follows is already saved by then, so a broker that cannot be reached must
    not turn the user's successful action into an error page: the failure is logged
    (``robust=True``) and the deadline sweep re-covers work that matters (unpaid refunds,
    unprocessed evidence).
    """
    transaction.on_commit(partial(task.delay, **kwargs), robust=True)
