"""Photos to attach and orders in the states conversations care about."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes import services as dispute_services
from disputes.models import Dispute
from messaging import services
from tests.factories import ship


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def photo(name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, photo_bytes(fmt, size), content_type=content_type)


def not_a_photo(name: str = "invoice.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n not an image at all", content_type="image/jpeg")


@pytest.fixture
def disputed_order(order, now):
    """The order, shipped and then disputed as not received (no evidence needed)."""
    order = ship(order, at=now + timedelta(days=1))
    claim = dispute_services.DisputeClaim(
        reason=Dispute.Reason.NOT_RECEIVED,
        item_received=False,
        items=[(item, item.quantity) for item in order.items.all()],
        amount=Decimal("60.00"),
        with_return=False,
        description="Tracking has not moved for a week.",
    )
    dispute_services.open_dispute(order=order, buyer=order.buyer, claim=claim, now=now + timedelta(days=8))
    return order


@pytest.fixture
def send(now):
    """Send a message as ``sender`` at ``now`` plus ``after``."""

    def send(order, sender, body="Hello", *, photos=(), after=timedelta(0)):
        return services.send_message(
            order=order, sender=sender, body=body, photos=list(photos), now=now + after
        )

    return send
