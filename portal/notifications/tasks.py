"""Notification jobs: load, build the messages, deliver each once.

They are sent through the outbox, which is also their retry: a mail server that is down or
refuses leaves the message pending with its error, and the sweep sends it again with a growing
wait. Delivery is idempotent, so a repeat writes no second notification and re-sends only the
e-mails that failed. What an event tells whom is written by the app that owns the event and
registered with :mod:`portal.notifications.registry`.
"""

from celery import shared_task
from django.db import models
from django.utils import timezone

from portal.notifications import registry, services
from portal.outbox.models import OutboxMessage
from portal.outbox.services import enqueue_after_commit
from portal.outbox.tasks import OutboxTask


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_event(*, event_label: str, event_id: int) -> None:
    """Tell everyone an event concerns about it, with the texts its app registered.

    :raises LookupError: no app registered a builder for ``event_label`` (the message stays
        pending in the outbox and is sent again)
    """
    _deliver_all(event_label, event_id)


def _deliver_all(event_label: str, event_id: int) -> None:
    builder = registry.builder_for(event_label)
    now = timezone.now()
    for recipient, message in builder(event_id):
        services.deliver(recipient=recipient, message=message, now=now)


def notify_after_commit(event: models.Model) -> OutboxMessage:
    """Queue the notifications about ``event`` through the outbox, in the caller's transaction.

    :raises LookupError: no app registered a builder for ``event``'s model
    """
    event_label = registry.label_of(event)
    registry.builder_for(event_label)
    return enqueue_after_commit(notify_event, event_label=event_label, event_id=event.pk)


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_order_event(*, event_id: int) -> None:
    """The name order notifications were queued under before :func:`notify_event` (issue 14).

    Outbox rows written before that change still name this task and must run; nothing queues it
    any more. Delete it once no outbox row that is not done names
    ``portal.notifications.tasks.notify_order_event``.
    """
    _deliver_all("orders.orderevent", event_id)


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_dispute_event(*, event_id: int) -> None:
    """The name dispute notifications were queued under before :func:`notify_event` (issue 14).

    Outbox rows written before that change still name this task and must run; nothing queues it
    any more. Delete it once no outbox row that is not done names
    ``portal.notifications.tasks.notify_dispute_event``.
    """
    _deliver_all("disputes.disputeevent", event_id)
