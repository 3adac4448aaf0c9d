"""The outbound parcel of an order."""

from django.db import models

from orders.models.carrier import CARRIER_CLASS, Carrier
from orders.models.order import Order


class Shipment(models.Model):
    """The outbound parcel: carrier and tracking number entered by the seller."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment")
    carrier = models.CharField(max_length=16, choices=Carrier.choices)
    tracking_number = models.CharField(max_length=64)
    shipped_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A carrier's tracking update finds its parcel by carrier and tracking number.
            models.Index(fields=["carrier", "tracking_number"], name="shipment_tracking_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.tracking_number}"

    @property
    def carrier_class(self) -> str:
        return CARRIER_CLASS[self.carrier]
