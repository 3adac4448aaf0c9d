"""Take over paid orders from the marketplace's checkout, one JSON object per line.

Each line::

    {"number": "AE-1001", "buyer": "jack_buyer", "store_owner": "lin_seller", "currency": "USD",
     "paid_at": "2026-11-20T10:00:00Z", "payment_method": "card",
     "payment_reference": "pi_3Nx...", "ship_to_country": "US",
     "ship_to_address": "...", "extra_charges": "4.99",
     "lines": [{"title": "Phone case", "quantity": 2, "unit_price": "9.99", "sku": "PC-1",
                "personalised": false, "used": false,
                "image_url": "https://cdn.example/phone-case.jpg"}]}

Orders already recorded are skipped, so an export can be imported again safely. Each order is
recorded on its own; a bad line is reported with its line number and the rest go on.
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime

from orders import services
from orders.models import Order, Store
from portal.accounts.models import User


class BadLine(Exception):
    pass


def _money(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise BadLine(f"{what} is not an amount: {value!r}") from error
    if amount != amount.quantize(Decimal("0.01")):
        raise BadLine(f"{what} has more than two decimals: {value!r}")
    return amount


def _image_url(value) -> str:
    """A product picture's address: https only (the portal's pages load nothing over http)."""
    url = str(value or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as error:
        raise BadLine(f"image_url is not an https URL: {url[:80]!r}") from error
    if len(url) > 500:
        raise BadLine("image_url is longer than 500 characters")
    return url


def parse_paid_order(record: dict) -> services.PaidOrder:
    """Turn one exported record into a PaidOrder, or say what is wrong with it."""
    try:
        buyer = User.objects.get(username=record["buyer"])
    except User.DoesNotExist as error:
        raise BadLine(f"no user {record['buyer']!r}") from error
    store = Store.objects.filter(owner__username=record["store_owner"]).first()
    if store is None:
        raise BadLine(f"{record['store_owner']!r} has no store")
    paid_at = parse_datetime(record["paid_at"])
    if paid_at is None or paid_at.tzinfo is None:
        raise BadLine("paid_at needs an ISO-8601 time with a time zone")
    if record.get("payment_method", "card") not in Order.PaymentMethod.values:
        raise BadLine(f"unknown payment method {record['payment_method']!r}")
    lines = [
        services.CheckoutLine(
            title=str(line["title"])[:200],
            quantity=int(line["quantity"]),
            unit_price=_money(line["unit_price"], "unit_price"),
            sku=str(line.get("sku", ""))[:64],
            is_personalised=bool(line.get("personalised", False)),
            is_used=bool(line.get("used", False)),
            image_url=_image_url(line.get("image_url", "")),
        )
        for line in record["lines"]
    ]
    return services.PaidOrder(
        number=str(record["number"])[:32],
        buyer=buyer,
        store=store,
        currency=str(record["currency"])[:3],
        lines=lines,
        paid_at=paid_at,
        payment_method=record.get("payment_method", "card"),
        payment_reference=str(record.get("payment_reference") or "")[:255],
        ship_to_country=str(record.get("ship_to_country", ""))[:2],
        ship_to_address=str(record.get("ship_to_address", "")),
        extra_charges=_money(record.get("extra_charges", "0"), "extra_charges"),
    )


class Command(BaseCommand):
    help = "Import paid orders from a JSON Lines export of the marketplace's checkout."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="A .jsonl file, one order per line.")

    def handle(self, *args, path: Path, **options) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        recorded = skipped = failed = 0
        with path.open(encoding="utf-8") as export:
            for number, text in enumerate(export, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                    if Order.objects.filter(number=record.get("number")).exists():
                        skipped += 1
                        continue
                    services.record_paid_order(paid=parse_paid_order(record))
                    recorded += 1
                except (BadLine, KeyError, TypeError, ValueError, services.OrderError) as error:
                    failed += 1
                    self.stderr.write(f"line {number}: {error.__class__.__name__}: {error}")
        self.stdout.write(f"recorded {recorded}, already there {skipped}, refused {failed}")
        if failed:
            raise CommandError(f"{failed} line(s) could not be imported; the others were.")
