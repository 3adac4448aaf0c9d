"""Notification jobs: load, build the messages, deliver each once.

They are sent through the outbox, which is also their retry: a mail server that is down or
refuses leaves the message pending with its error, and the sweep sends it again with a growing
wait. Delivery is idempotent, so a repeat writes no second notification and re-sends only the
e-mails that failed. What an event tells whom is written by the app that owns the event and
registered with :mod:`portal.notifications.registry`.
"""

import logging

from celery import shared_task
from django.db import models
from django.utils import timezone

from portal.notifications import registry, services
from portal.outbox.models import OutboxMessage
from portal.outbox.services import enqueue_many_after_commit
from portal.outbox.tasks import OutboxTask

logger = logging.getLogger(__name__)


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_event(*, event_label: str, event_ids: list[int] = (), event_id: int | None = None) -> None:
    """Tell everyone the events concern about each of them, with the texts their app registered.

    One job carries the events that one change told about together (a group of the sweep's
    deadlines writes dozens at once); ``event_id`` is the single event of jobs queued before
    that. One event that cannot be told does not keep the others from their recipients: the rest
    are delivered, then the job fails and is sent again, and the repeat delivers nothing twice.

    :raises LookupError: no app registered a builder for ``event_label`` (the message stays
        pending in the outbox and is sent again)
    """
    ids = [*event_ids, *([] if event_id is None else [event_id])]
    failures = []
    for one in ids:
        try:
            _deliver_all(event_label, one)
        except Exception as error:
            logger.exception("could not tell about %s %s", event_label, one)
            failures.append(error)
    if failures:
        raise failures[0]


def _deliver_all(event_label: str, event_id: int) -> None:
    builder = registry.builder_for(event_label)
    now = timezone.now()
    for recipient, message in builder(event_id):
        services.deliver(recipient=recipient, message=message, now=now)


def notify_after_commit(event: models.Model) -> OutboxMessage:
    """Queue the notifications about ``event`` through the outbox, in the caller's transaction.

    :raises LookupError: no app registered a builder for ``event``'s model
    """
    return notify_all_after_commit([event])[0]


def notify_all_after_commit(events: list[models.Model]) -> list[OutboxMessage]:
    """:func:`notify_after_commit` for several events: one job per kind of event, in one INSERT.

    :raises LookupError: no app registered a builder for one of the events' models
    """
    ids_per_label: dict[str, list[int]] = {}
    for event in events:
        event_label = registry.label_of(event)
        registry.builder_for(event_label)
        ids_per_label.setdefault(event_label, []).append(event.pk)
    return enqueue_many_after_commit(
        notify_event, [{"event_label": label, "event_ids": ids} for label, ids in ids_per_label.items()]
    )


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
