"""An order's append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models.order import Order
from portal.choices import ChoiceLabels
from portal.records import AppendOnlyModel


class OrderEvent(ChoiceLabels, AppendOnlyModel):
    """Append-only timeline of an order. ``actor`` is ``None`` when the clock acted."""

    class Type(models.TextChoices):
        PLACED = "placed", _("Order paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        DELIVERY_REPORTED = "delivery_reported", _("The seller reported it delivered")
        DELIVERY_RECORDED = "delivery_recorded", _("Delivery recorded by a mediator")
        CONFIRMED = "confirmed", _("Receipt confirmed")
        AUTO_CONFIRMED = "auto_confirmed", _("Receipt confirmed automatically")
        SETTLED = "settled", _("Payment released to the seller")
        AUTO_CANCELLED = "auto_cancelled", _("Cancelled: not shipped in time")
        REFUNDED = "refunded", _("Closed with a full refund")
        EXTENSION_REQUESTED = "extension_requested", _("Protection extension requested")
        EXTENSION_GRANTED = "extension_granted", _("Protection extended")
        EXTENSION_DECLINED = "extension_declined", _("Protection extension declined")
        REFUND_ISSUED = "refund_issued", _("Refund issued")
        REFUND_PAID = "refund_paid", _("Refund paid")
        REFUND_FAILED = "refund_failed", _("Refund failed")
        HELD = "held", _("Protection clock paused by a dispute")
        RESUMED = "resumed", _("Protection clock resumed")
        SHIP_BY_REMINDER = "ship_by_reminder", _("Reminder sent: ship by the deadline")
        PROTECTION_REMINDER = "protection_reminder", _("Reminder sent: protection ends soon")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events", verbose_name=_("order"))
    type = models.CharField(max_length=32, choices=Type.choices, verbose_name=_("type"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.order} {self.type}"
