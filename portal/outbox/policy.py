"""Every number of the job outbox, as named settings with defaults.

A deployment overrides any of them in Django settings, prefixed with ``OUTBOX_``
(e.g. ``OUTBOX_MAX_DISPATCHES = 40``).
"""

from datetime import timedelta

from django.conf import settings


def _setting(name: str, default):
    return getattr(settings, f"OUTBOX_{name}", default)


#: A message not done this long after it was sent is sent again by the sweep: longer than a job
#: normally waits in the queue, so a busy queue is not filled with copies.
REDISPATCH_AFTER: timedelta = _setting("REDISPATCH_AFTER", timedelta(minutes=5))
#: Each further send waits twice as long as the one before, up to this.
REDISPATCH_AFTER_MAX: timedelta = _setting("REDISPATCH_AFTER_MAX", timedelta(hours=1))
#: Sends that reached the broker after which the sweep gives a message up and logs an error
#: (about a day of a job failing; a broker that cannot be reached does not count).
MAX_DISPATCHES: int = _setting("MAX_DISPATCHES", 30)
#: A worker's claim on a message lasts this long; after it another worker may run the message
#: (its worker died). Longer than Celery's hard time limit, so a live job is never run twice at
#: once.
CLAIM_LEASE: timedelta = _setting("CLAIM_LEASE", timedelta(minutes=10))
#: Done messages are deleted by the sweep this long after they were done.
KEEP_DONE: timedelta = _setting("KEEP_DONE", timedelta(days=7))
#: Jobs of one task handed to the broker in one message at most. A transaction of the sweep
#: writes dozens (a refund to pay for each dispute the clock closed), and a send costs the sender
#: about as much as writing the job's row. A worker runs a message's jobs one after the other, so
#: this many of the slowest job must fit in Celery's task time limit (``CELERY_TASK_TIME_LIMIT``,
#: 300 s): a refund while the payment provider does not answer is two 20-second requests
#: (``STRIPE_TIMEOUT_SECONDS``, ``STRIPE_MAX_NETWORK_RETRIES``) and the client's pause between
#: them, about 41 s, five of them 205 s. The rest of a transaction's jobs go in further
#: messages, to other worker processes.
JOBS_PER_SEND: int = _setting("JOBS_PER_SEND", 5)
#: Messages the sweep sends again, or deletes, per transaction.
SWEEP_BATCH_SIZE: int = _setting("SWEEP_BATCH_SIZE", 500)


def redispatch_delay(dispatches: int) -> timedelta:
    """How long after its ``dispatches``-th send a message not done is sent again."""
    return min(REDISPATCH_AFTER * 2 ** min(max(dispatches - 1, 0), 20), REDISPATCH_AFTER_MAX)
