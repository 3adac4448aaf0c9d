"""Site-wide periodic tasks."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from portal import deadlines
from portal.outbox import services as outbox


@shared_task(acks_late=True, ignore_result=True)
def enforce_deadlines(*, part: int | None = None, parts: int = 1) -> dict[str, int]:
    """The beat's sweep: send again the outbox's jobs not done in time, then apply every due
    deadline of every app.

    With ``SWEEPERS`` above 1 (PostgreSQL and several worker processes), the beat's tick queues
    the other shares as tasks of their own and sweeps the first itself: a backlog drains on
    every worker at once. The outbox is swept once, with the first share.
    """
    if part is None:
        part, parts = 0, settings.SWEEPERS
        for other in range(1, parts):
            enforce_deadlines.apply_async(
                kwargs={"part": other, "parts": parts}, expires=settings.DEADLINE_SWEEP_SECONDS
            )
    swept = outbox.sweep(now=timezone.now()) if part == 0 else {}
    return {**deadlines.enforce_all(now=timezone.now(), share=deadlines.Share(part, parts)), **swept}
