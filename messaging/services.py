"""Every write use case of order conversations: sending, mediators posting, reading. The job
that makes the copies of a photo that the parties see is :mod:`messaging.attachments`.

Services take ``now`` from the caller and queue side effects (photo processing, notifications)
after commit. Messages are append-only evidence: nothing here edits or deletes one.
"""

import operator
from datetime import datetime
from functools import reduce

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from messaging import policy, roles, tasks, unread
from messaging.models import Conversation, ConversationReadState, Message, MessageAttachment, Party
from orders.models import Order
from portal import ratelimit, uploads
from portal.accounts.models import User
from portal.outbox.services import enqueue_after_commit


class MessagingError(Exception):
    """A rule said no. ``str(error)`` is a sentence for the person who tried."""


class NotAParticipant(MessagingError):
    pass


class OrderNotDisputed(MessagingError):
    pass


class TooManyMessages(MessagingError):
    """The sender has sent the most messages a window allows."""


class InvalidMessage(MessagingError):
    """The text is empty (with no photos) or too long."""


class InvalidAttachments(MessagingError):
    """A photo failed the content checks; ``messages`` holds one sentence per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


def _clean_body(body: str, *, has_photos: bool) -> str:
    body = (body or "").strip()
    if not body and not has_photos:
        raise InvalidMessage(_("Write a message or attach a photo."))
    if len(body) > policy.MAX_BODY_LENGTH:
        raise InvalidMessage(
            _("Keep the message under %(max)d characters (it has %(length)d).")
            % {"max": policy.MAX_BODY_LENGTH, "length": len(body)}
        )
    return body


def _check_photos(photos: list[UploadedFile]) -> list[uploads.CheckedUpload]:
    try:
        return uploads.check_uploads(
            photos,
            max_files=policy.MAX_PHOTOS_PER_MESSAGE,
            allow_video=False,
            max_photo_bytes=policy.MAX_PHOTO_BYTES,
            max_video_bytes=0,
            max_pixels=policy.MAX_IMAGE_PIXELS,
            max_pixels_whole_decode=policy.MAX_PNG_WEBP_PIXELS,
        )
    except ValidationError as error:
        raise InvalidAttachments(list(error.messages)) from error


def _count_message(*, sender: User, now: datetime) -> None:
    """One more message against the sender's share; undone if the message is not stored."""
    try:
        ratelimit.consume(
            scope="message",
            key=str(sender.pk),
            rate=ratelimit.Rate(policy.MAX_MESSAGES_PER_WINDOW, policy.MESSAGE_RATE_WINDOW),
            now=now,
        )
    except ratelimit.RateLimited as limited:
        raise TooManyMessages(
            _("You have sent %(count)d messages in a short time. Please wait and send this after %(time)s.")
            % {"count": policy.MAX_MESSAGES_PER_WINDOW, "time": limited.retry_time}
        ) from None


def _append(*, order: Order, sender: User, party: str, body: str, now: datetime) -> Message:
    """Add a message to the order's conversation, starting the conversation if it is the first.
    The conversation's row is not locked yet: :func:`_deliver` does that, last."""
    conversation, _created = Conversation.objects.get_or_create(
        order=order,
        defaults={
            "buyer_id": order.buyer_id,
            "store_id": order.store_id,
            "created_at": now,
            "last_message_at": now,
        },
    )
    return Message.objects.create(
        conversation=conversation, sender=sender, sender_party=party, body=body, created_at=now
    )


def _deliver(message: Message, *, now: datetime) -> None:
    """The last step of sending ``message``: its conversation moves up the inbox, the sender has
    read everything up to it, both sides' unread counts are counted again, and the other side is
    told after commit.

    The conversation's row is locked here (by its UPDATE) and not before, so a reader of the
    conversation never waits for a photo to be stored; the counts are taken in a statement after
    the lock, and so see every message and receipt committed before it (:mod:`messaging.unread`).
    """
    conversation = message.conversation
    # Greatest keeps the inbox order right when two senders commit out of order.
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=Greatest(F("last_message_at"), now)
    )
    if message.sender_party != Party.MEDIATOR:
        _advance_read_state(conversation=conversation, user=message.sender, to=now)
    unread.recount(Conversation.objects.filter(pk=conversation.pk))
    enqueue_after_commit(tasks.notify_new_message, message_id=message.pk)


@transaction.atomic
def send_message(
    *, order: Order, sender: User, body: str, photos: list[UploadedFile], now: datetime
) -> Message:
    """Send a message, with up to the policy's number of photos, to the other side of the order.

    The photos' originals are stored privately with their SHA-256; the copies the parties see are
    made after commit.

    :raises NotAParticipant: ``sender`` is neither the order's buyer nor its seller
    :raises InvalidMessage: no text and no photos, or the text is too long
    :raises InvalidAttachments: a photo failed the content checks, or there are too many
    :raises TooManyMessages: the sender is over the policy's messages per window
    """
    party = roles.party_of(order, sender)
    if party is None:
        raise NotAParticipant(_("Only the buyer and the seller of this order can write here."))
    photos = [photo for photo in photos if photo]
    body = _clean_body(body, has_photos=bool(photos))
    _count_message(sender=sender, now=now)
    checked = _check_photos(photos) if photos else []
    message = _append(order=order, sender=sender, party=party, body=body, now=now)
    for photo, upload in zip(photos, checked, strict=True):
        attachment = MessageAttachment(
            message=message,
            content_type=upload.content_type,
            extension=upload.extension.lstrip(".").lower(),
            original_name=(upload.original_name or "photo")[:120],
            size=upload.size,
            sha256=upload.sha256,
            width=upload.width,
            height=upload.height,
            created_at=now,
        )
        attachment.file.save(f"photo.{attachment.extension}", photo, save=False)
        attachment.save()
        enqueue_after_commit(tasks.process_attachment, attachment_id=attachment.pk)
    _deliver(message, now=now)
    return message


@transaction.atomic
def post_mediator_message(*, order: Order, mediator: User, body: str, now: datetime) -> Message:
    """A mediator writes into a disputed order's conversation; both parties see it.

    :raises NotAParticipant: ``mediator`` may not work disputes
    :raises OrderNotDisputed: the order has never been disputed
    :raises InvalidMessage: the text is empty or too long
    """
    if not roles.can_post_as_mediator(mediator):
        raise NotAParticipant(_("Only a mediator can post into a dispute's conversation."))
    if not order.disputes.exists():
        raise OrderNotDisputed(_("Mediators only write in conversations of disputed orders."))
    body = _clean_body(body, has_photos=False)
    message = _append(order=order, sender=mediator, party=Party.MEDIATOR, body=body, now=now)
    _deliver(message, now=now)
    return message


def _advance_read_state(*, conversation: Conversation, user: User, to: datetime) -> datetime:
    """Move ``user``'s read position in ``conversation`` forward to ``to``, never back, and say
    where it stands: one conditional UPDATE (atomic by itself), and an INSERT the first time."""
    mine = ConversationReadState.objects.filter(conversation=conversation, user=user)
    if mine.filter(last_read_at__lt=to).update(last_read_at=to):
        return to
    state, created = ConversationReadState.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_at": to}
    )
    if not created and state.last_read_at < to and mine.filter(last_read_at__lt=to).update(last_read_at=to):
        return to  # another request created it a moment earlier
    return state.last_read_at


def mark_conversation_read(*, conversation: Conversation, user: User, now: datetime) -> None:
    """Everything in the conversation up to ``now`` counts as read by ``user`` (a read receipt,
    which a late one never moves back).

    With nothing unread for ``user`` (the conversation's unread count of their side, read
    without a lock) nothing is written: every message of the other side is already before the
    receipt, and one sent from now on is after ``now`` too. Opening a conversation is most often
    that, and it was a transaction of four statements on every view (issue 17). A message that
    commits after this read was not on the page, and is left unread.

    Otherwise the conversation's row is locked first, as a sender's is, and the reader's unread
    count is counted again after the receipt moves, so it sees every message committed before
    the lock (:mod:`messaging.unread`).

    :raises NotAParticipant: ``user`` is neither the order's buyer nor its seller
    """
    order = conversation.order
    if roles.party_of(order, user) is None:
        raise NotAParticipant(_("Only the buyer and the seller of this order have read receipts here."))
    counts = _own_unread_counts(order, user)
    row = Conversation.objects.filter(pk=conversation.pk)
    if row.filter(reduce(operator.or_, (Q(**{f"{count}__gt": 0}) for count in counts))).exists():
        _read_what_was_unread(row, counts, conversation=conversation, user=user, now=now)


def _own_unread_counts(order: Order, user: User) -> list[str]:
    """The conversation's unread counts (``unread.SIDES``) that are ``user``'s: the buyer's, the
    seller's, or both for someone who bought from their own store."""
    mine = {"buyer_unread": order.buyer_id == user.pk, "seller_unread": order.store.owner_id == user.pk}
    return [count for count, is_mine in mine.items() if is_mine]


@transaction.atomic
def _read_what_was_unread(
    row: QuerySet[Conversation], counts: list[str], *, conversation: Conversation, user: User, now: datetime
) -> None:
    """``mark_conversation_read`` once something was unread: under the conversation's lock."""
    unread_now = row.select_for_update().values_list(*counts).get()
    _advance_read_state(conversation=conversation, user=user, to=now)
    if any(unread_now):
        unread.recount(row)
