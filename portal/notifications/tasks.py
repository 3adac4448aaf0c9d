"""Notification jobs: load, build the messages, deliver each once.

They are sent through the outbox, which is also their retry: a mail server that is down or
refuses leaves the message pending with its error, and the sweep sends it again with a growing
wait. Delivery is idempotent, so a repeat writes no second notification and re-sends only the
e-mails that failed.
"""

from celery import shared_task
from django.utils import timezone

from portal.notifications import messages, services
from portal.outbox.tasks import OutboxTask


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_order_event(*, event_id: int) -> None:
    """Tell the buyer and/or the seller about one order event."""
    from orders.models import OrderEvent

    event = (
        OrderEvent.objects.select_related("order__buyer", "order__store__owner", "order__shipment")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    now = timezone.now()
    for recipient, message in messages.for_order_event(event):
        services.deliver(recipient=recipient, message=message, now=now)


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_dispute_event(*, event_id: int) -> None:
    """Tell the parties about one dispute event: what happened, who acts next and by when."""
    from disputes.models import DisputeEvent

    event = (
        DisputeEvent.objects.select_related(
            "dispute__order", "dispute__buyer", "dispute__store__owner", "actor"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    now = timezone.now()
    for recipient, message in messages.for_dispute_event(event):
        services.deliver(recipient=recipient, message=message, now=now)
