"""The outbound parcel of an order."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models.carrier import CARRIER_CLASS, Carrier
from orders.models.order import Order
from portal.choices import ChoiceLabels


class Shipment(ChoiceLabels, models.Model):
    """The outbound parcel: carrier and tracking number entered by the seller."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="shipment", verbose_name=_("order")
    )
    carrier = models.CharField(max_length=16, choices=Carrier.choices, verbose_name=_("carrier"))
    tracking_number = models.CharField(max_length=64, verbose_name=_("tracking number"))
    shipped_at = models.DateTimeField(verbose_name=_("shipped at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [
            # A carrier's tracking update finds its parcel by carrier and tracking number.
            models.Index(fields=["carrier", "tracking_number"], name="shipment_tracking_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.tracking_number}"

    @property
    def carrier_class(self) -> str:
        return CARRIER_CLASS[self.carrier]
