"""Site-wide periodic tasks."""

from celery import current_app, shared_task
from django.conf import settings
from django.utils import timezone

from portal import deadlines


@shared_task(acks_late=True, ignore_result=True)
def enforce_deadlines(*, part: int | None = None, parts: int = 1) -> dict[str, int]:
    """The beat's sweep: apply every due deadline of every app.

    With ``SWEEPERS`` above 1 (PostgreSQL and several worker processes), the beat's tick queues
    the other shares as tasks of their own and sweeps the first itself: a backlog drains on
    every worker at once.
    """
    if part is None:
        part, parts = 0, settings.SWEEPERS
        for other in range(1, parts):
            enforce_deadlines.apply_async(
                kwargs={"part": other, "parts": parts}, expires=settings.DEADLINE_SWEEP_SECONDS
            )
    return deadlines.enforce_all(now=timezone.now(), share=deadlines.Share(part, parts))


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def fan_out(*, jobs: list[list]) -> None:
    """Queue each ``[task name, kwargs]`` pair as its own job (see ``portal.jobs.collected``).

    A retry after a partial run queues some jobs twice; every job here is idempotent (a
    notification is sent once per event and recipient, a refund is paid once).
    """
    for name, kwargs in jobs:
        current_app.tasks[name].apply_async(kwargs=kwargs)
