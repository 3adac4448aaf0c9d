"""Carrier tracking: a parcel is delivered when the carrier's tracking says so (SPEC "Delivery").

A tracking provider verifies and parses what a carrier (or a tracking aggregator) posts to the
webhook; :func:`record_tracking_update` then applies one update to the shipment it names. The
default provider is a generic signed JSON webhook::

    POST /tracking/webhook/
    X-Tracking-Signature: t=1793534400,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>

    {"carrier": "dhl", "tracking_number": "LX123456789CN", "status": "delivered",
     "occurred_at": "2026-11-05T10:00:00Z"}

The secret is ``settings.TRACKING_WEBHOOK_SECRET``. A signature older or newer than
``TRACKING_WEBHOOK_TOLERANCE`` (default 5 minutes) is refused, so a captured request cannot be
replayed later; a replay inside that window changes nothing, since an update already recorded is
recorded once. Another provider plugs in through ``settings.TRACKING_PROVIDER`` (a dotted path to
a class with the :class:`TrackingProvider` interface).
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from orders import services
from orders.models import Carrier, Order, Shipment

logger = logging.getLogger(__name__)

DELIVERED = "delivered"


class TrackingError(Exception):
    """A tracking update that cannot be taken; ``str(error)`` says why, for the sender."""


class BadSignature(TrackingError):
    pass


class MalformedUpdate(TrackingError):
    pass


class UnknownShipment(TrackingError):
    pass


class NotConfigured(TrackingError):
    pass


@dataclass(frozen=True)
class TrackingUpdate:
    """One carrier event for one parcel."""

    carrier: str
    tracking_number: str
    #: ``"delivered"``, or any other carrier status (``"in_transit"``, ...), which changes nothing.
    status: str
    #: When the carrier says it happened; ``None``: when the update arrives.
    occurred_at: datetime | None = None


class TrackingProvider(Protocol):
    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> TrackingUpdate:
        """Verify the request came from the carrier and read the update it carries.

        :raises BadSignature: not signed with the shared secret, or signed too long ago
        :raises MalformedUpdate: signed, but not an update this portal can read
        :raises NotConfigured: the provider has no secret to verify with
        """
        ...


_CARRIERS = {value.lower(): value for value in Carrier.values} | {
    str(label).lower(): value for value, label in Carrier.choices
}


def parse_update(record: Mapping) -> TrackingUpdate:
    """Read one update from a decoded webhook body, a JSON line or a CSV row.

    :raises MalformedUpdate: a field is missing, the carrier is unknown or the time has no zone
    """
    if not isinstance(record, Mapping):
        raise MalformedUpdate("an update is a JSON object")
    carrier = _CARRIERS.get(str(record.get("carrier") or "").strip().lower())
    if carrier is None:
        raise MalformedUpdate(f"unknown carrier {record.get('carrier')!r}")
    tracking_number = str(record.get("tracking_number") or "").strip()
    if not tracking_number or len(tracking_number) > Shipment._meta.get_field("tracking_number").max_length:
        raise MalformedUpdate("tracking_number is missing or too long")
    status = str(record.get("status") or "").strip().lower()
    if not status:
        raise MalformedUpdate("status is missing")
    occurred_at = None
    if record.get("occurred_at"):
        try:
            occurred_at = parse_datetime(str(record["occurred_at"]))
        except ValueError:
            occurred_at = None
        if occurred_at is None or occurred_at.tzinfo is None:
            raise MalformedUpdate("occurred_at needs an ISO-8601 time with a time zone")
    return TrackingUpdate(
        carrier=carrier, tracking_number=tracking_number, status=status, occurred_at=occurred_at
    )


class SignedJsonProvider:
    """The generic webhook: a JSON body signed with HMAC-SHA256 over ``"<timestamp>.<body>"``."""

    header = "X-Tracking-Signature"

    def __init__(self, secret: str | None = None, tolerance: timedelta | None = None) -> None:
        self.secret = settings.TRACKING_WEBHOOK_SECRET if secret is None else secret
        self.tolerance = settings.TRACKING_WEBHOOK_TOLERANCE if tolerance is None else tolerance

    def sign(self, body: bytes, *, timestamp: int) -> str:
        """The header value a sender puts on ``body`` at ``timestamp`` (Unix seconds)."""
        digest = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return f"t={timestamp},v1={digest.hexdigest()}"

    def verify(self, *, body: bytes, header: str, now: datetime) -> None:
        """:raises BadSignature: no valid signature, or one made outside the tolerance"""
        if not self.secret:
            raise NotConfigured("TRACKING_WEBHOOK_SECRET is not set")
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError as error:
            raise BadSignature("no timestamp in the signature") from error
        if abs(now.timestamp() - timestamp) > self.tolerance.total_seconds():
            raise BadSignature("the signature is too old (or from the future)")
        expected = self.sign(body, timestamp=timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise BadSignature("the signature does not match")

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str], now: datetime) -> TrackingUpdate:
        self.verify(body=body, header=headers.get(self.header, ""), now=now)
        try:
            record = json.loads(body)
        except (UnicodeDecodeError, ValueError) as error:
            raise MalformedUpdate("the body is not JSON") from error
        return parse_update(record)


def get_provider() -> TrackingProvider:
    return import_string(settings.TRACKING_PROVIDER)()


def find_shipment(update: TrackingUpdate) -> Shipment:
    """The parcel the update is about: the latest shipment with that carrier and number
    (carriers reuse numbers after a while).

    :raises UnknownShipment: no such parcel here
    """
    shipment = (
        Shipment.objects.select_related("order")
        .filter(carrier=update.carrier, tracking_number=update.tracking_number)
        .order_by("-shipped_at", "-id")
        .first()
    )
    if shipment is None:
        raise UnknownShipment(f"no {update.carrier} shipment with tracking number {update.tracking_number}")
    return shipment


def record_tracking_update(*, update: TrackingUpdate, now: datetime) -> str:
    """Apply one carrier update; return what it did, in a word for logs and the sender.

    ``"delivered"``: the delivery is recorded and protection shrinks. ``"already delivered"``,
    ``"not in transit"``, ``"not applied"``, ``"status noted"``: nothing changed (a replay, an order
    confirmed meanwhile, or a status other than delivered). Safe to call again with the same update.

    :raises UnknownShipment: no shipment with that carrier and tracking number
    """
    shipment = find_shipment(update)
    order = shipment.order
    if update.status != DELIVERED:
        return "status noted"
    if order.delivered_at is not None and order.delivery_source != Order.DeliverySource.BUYER:
        return "already delivered"
    if order.state != Order.State.SHIPPED:
        return "not in transit"
    try:
        services.mark_order_delivered(order=order, actor=None, now=now, delivered_at=update.occurred_at)
    except services.OrderError as refusal:
        # Decided under the order's lock: another update won the race, or protection just ended.
        logger.info("tracking update for order %s not applied: %s", order.number, refusal)
        return "not applied"
    logger.info(
        "order %s delivered, says %s tracking %s", order.number, update.carrier, update.tracking_number
    )
    return "delivered"
