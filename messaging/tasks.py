"""Messaging jobs: thin, keyword-only, idempotent."""

from collections.abc import Iterator

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from messaging import attachments
from messaging.models import Message, Party
from portal.accounts.models import User
from portal.notifications.services import Message as Notice
from portal.notifications.services import deliver
from portal.outbox.tasks import OutboxTask

NEW_MESSAGE_TITLE = _("New message about order %(number)s")
NEW_MESSAGE_BODY = _("%(sender)s wrote: %(preview)s")
MEDIATOR_MESSAGE_TITLE = _("A mediator wrote about order %(number)s")
PHOTOS_ONLY = _("(photos)")


def new_message_notices(message: Message) -> Iterator[tuple[User, Notice]]:
    """Who hears about a new message, and what they are told: the other side of the order, or
    both sides when a mediator wrote."""
    order = message.conversation.order
    if message.sender_party == Party.MEDIATOR:
        recipients, title = [order.buyer, order.store.owner], MEDIATOR_MESSAGE_TITLE
    elif message.sender_party == Party.BUYER:
        recipients, title = [order.store.owner], NEW_MESSAGE_TITLE
    else:
        recipients, title = [order.buyer], NEW_MESSAGE_TITLE
    sender = order.store.name if message.sender_party == Party.SELLER else str(message.sender)
    notice = Notice(
        kind="message.new",
        title=title,
        body=NEW_MESSAGE_BODY,
        url=reverse("messaging:conversation", kwargs={"order_number": order.number}),
        dedupe_key=f"message:{message.pk}",
        params={
            "number": order.number,
            "sender": sender,
            "preview": Truncator(message.body).chars(200) if message.body else PHOTOS_ONLY,
        },
        essential=False,
    )
    for recipient in recipients:
        yield recipient, notice


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def notify_new_message(*, message_id: int) -> None:
    """Tell the other side (or both sides, for a mediator's message) about one message."""
    message = (
        Message.objects.select_related(
            "sender", "conversation__order__buyer", "conversation__order__store__owner"
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return
    now = timezone.now()
    for recipient, notice in new_message_notices(message):
        deliver(recipient=recipient, message=notice, now=now)


@shared_task(base=OutboxTask, acks_late=True, ignore_result=True)
def process_attachment(*, attachment_id: int) -> None:
    """Make the copies of one photo that the parties see; a repeated job does nothing more."""
    attachments.process_attachment(attachment_id=attachment_id)
