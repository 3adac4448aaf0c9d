"""Background jobs of the orders side: thin, keyword-only, idempotent."""

from celery import shared_task
from django.utils import timezone

from orders import refunds
from portal.outbox.tasks import OutboxTask


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def pay_refund(*, refund_id: int) -> None:
    """Pay one refund; a duplicate or late delivery of this message pays nothing more."""
    refunds.pay_refund(refund_id=refund_id, now=timezone.now())
