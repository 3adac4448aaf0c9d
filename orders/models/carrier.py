"""Carriers, their classes, and how long each class's delivery protection runs."""

from datetime import timedelta
from urllib.parse import quote

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders import policy
from orders.policy import CarrierClass


class Carrier(models.TextChoices):
    DHL = "dhl", "DHL"
    TNT = "tnt", "TNT"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    EMS = "ems", "EMS"
    SF_EXPRESS = "sf_express", "SF Express"
    CHINA_POST = "china_post", "China Post"
    HONGKONG_POST = "hongkong_post", "Hong Kong Post"
    OTHER_POST = "other_post", _("Other postal service")


CARRIER_CLASS: dict[str, str] = {
    Carrier.DHL: CarrierClass.EXPRESS,
    Carrier.TNT: CarrierClass.EXPRESS,
    Carrier.UPS: CarrierClass.EXPRESS,
    Carrier.FEDEX: CarrierClass.EXPRESS,
    Carrier.EMS: CarrierClass.EMS,
    Carrier.SF_EXPRESS: CarrierClass.EMS,
    Carrier.CHINA_POST: CarrierClass.POSTAL,
    Carrier.HONGKONG_POST: CarrierClass.POSTAL,
    Carrier.OTHER_POST: CarrierClass.POSTAL,
}


def protection_period(carrier: str) -> timedelta:
    """How long delivery protection runs from shipment with this carrier."""
    return policy.PROTECTION_BY_CARRIER_CLASS[CARRIER_CLASS[carrier]]


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's public tracking page for this parcel, or "" when the carrier has none."""
    template = policy.TRACKING_URLS.get(carrier, "")
    if not template or not tracking_number:
        return ""
    return template.format(number=quote(tracking_number.replace(" ", ""), safe=""))
