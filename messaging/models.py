"""Order conversations: one per order between its buyer and its seller, where a mediator may also
speak once the order is disputed. Everything said is evidence, so messages and their photos are
append-only: saving a sent message again, or deleting one, raises."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Store
from portal.choices import ChoiceLabels
from portal.records import AppendOnlyModel, AppendOnlyQuerySet, PermanentRecordError


class Party(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    MEDIATOR = "mediator", _("Mediator")


class Conversation(models.Model):
    """The one conversation of an order, created with its first message."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="conversation", verbose_name=_("order")
    )
    #: The order's buyer and store, kept here so a person's conversations (the inbox, the unread
    #: count on every page) come from an index, not from a join across every order.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("buyer"),
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("store")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    #: Orders the inbox: the newest conversation first.
    last_message_at = models.DateTimeField(db_index=True, verbose_name=_("last message at"))
    #: How many messages each side has not read yet, kept by :mod:`messaging.unread` with every
    #: message and read receipt, so the navigation bar's badge reads a few rows of an index instead
    #: of every message a store was ever sent (issue 17).
    buyer_unread = models.PositiveIntegerField(default=0, db_default=0, verbose_name=_("unread by the buyer"))
    seller_unread = models.PositiveIntegerField(
        default=0, db_default=0, verbose_name=_("unread by the seller")
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_idx"),
            models.Index(fields=["store", "-last_message_at"], name="conversation_store_idx"),
            # Only the conversations with something unread: what the badge reads.
            models.Index(
                fields=["buyer"], condition=Q(buyer_unread__gt=0), name="conversation_buyer_unread_idx"
            ),
            models.Index(
                fields=["store"], condition=Q(seller_unread__gt=0), name="conversation_seller_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Conversation about order %(number)s") % {"number": self.order.number})


class Message(ChoiceLabels, AppendOnlyModel):
    """One message as sent. Never edited, never deleted."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="messages", verbose_name=_("conversation")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sender")
    )
    sender_party = models.CharField(max_length=8, choices=Party.choices, verbose_name=_("sender party"))
    #: May be empty only when the message carries photos (checked by the service).
    body = models.TextField(blank=True, verbose_name=_("body"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(sender_party__in=["buyer", "seller", "mediator"]),
                name="message_sender_party_known",
            )
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_thread_idx")]

    def __str__(self) -> str:
        return f"{self.sender_party} @ {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "MessageAttachment", filename: str) -> str:
    return f"messages/{instance.message.conversation_id}/{uuid.uuid4().hex}.{instance.extension}"


def derivative_path(instance: "MessageAttachment", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"messages/{instance.message.conversation_id}/derived/{uuid.uuid4().hex}.{extension}"


class MessageAttachment(ChoiceLabels, models.Model):
    """One photo of a message. The original is kept as received, with its SHA-256; the parties
    only ever see the re-encoded display and thumbnail copies, which carry no metadata."""

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be processed")

    #: Filled in once, when the derivatives are made; everything else is written at send time.
    DERIVED_FIELDS = frozenset({"display", "thumbnail", "status"})

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id"))
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("message")
    )
    content_type = models.CharField(max_length=40, verbose_name=_("content type"))
    extension = models.CharField(max_length=8, verbose_name=_("extension"))
    file = models.FileField(upload_to=attachment_path, max_length=200, verbose_name=_("file"))
    original_name = models.CharField(max_length=120, verbose_name=_("original name"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    display = models.FileField(
        upload_to=derivative_path, max_length=200, blank=True, verbose_name=_("display")
    )
    thumbnail = models.FileField(
        upload_to=derivative_path, max_length=200, blank=True, verbose_name=_("thumbnail")
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PROCESSING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("message photo")
        verbose_name_plural = _("message photos")
        indexes = [models.Index(fields=["message", "id"], name="attachment_message_idx")]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= self.DERIVED_FIELDS
        ):
            raise PermanentRecordError("A photo is never changed once sent; only its copies are added.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermanentRecordError("A photo is never deleted once sent.")

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class ConversationReadState(models.Model):
    """How far one participant has read a conversation; later messages from others are unread."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_states", verbose_name=_("conversation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    last_read_at = models.DateTimeField(verbose_name=_("last read at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="read_state_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} up to {self.last_read_at:%Y-%m-%d %H:%M}"
