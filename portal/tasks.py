"""Site-wide periodic tasks."""

from celery import shared_task
from django.utils import timezone

from portal import deadlines


@shared_task(acks_late=True, ignore_result=True)
def enforce_deadlines() -> dict[str, int]:
    """The beat's sweep: apply every due deadline of every app."""
    return deadlines.enforce_all(now=timezone.now())
