"""Notification jobs: load, build the messages, deliver each once."""

from celery import shared_task
from django.utils import timezone

from portal.notifications import messages, services


@shared_task(acks_late=True, ignore_result=True)
def notify_order_event(*, event_id: int) -> None:
    """Tell the buyer and/or the seller about one order event."""
    from orders.models import OrderEvent

    event = (
        OrderEvent.objects.select_related("order__buyer", "order__store__owner").filter(pk=event_id).first()
    )
    if event is None:
        return
    now = timezone.now()
    for recipient, message in messages.for_order_event(event):
        services.deliver(recipient=recipient, message=message, now=now)
