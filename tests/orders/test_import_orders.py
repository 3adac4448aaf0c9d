import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from orders import services
from orders.models import Order, OrderEvent


def _record(buyer_user, seller_user, **overrides) -> dict:
    record = {
        "number": "MP-1001",
        "buyer": buyer_user.username,
        "store_owner": seller_user.username,
        "currency": "usd",
        "paid_at": "2026-11-20T10:00:00Z",
        "payment_method": "wallet",
        "ship_to_country": "us",
        "extra_charges": "4.99",
        "lines": [{"title": "Phone case", "quantity": 2, "unit_price": "9.99"}],
    }
    return {**record, **overrides}


def _export(tmp_path, *records) -> str:
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_an_imported_order_is_paid_with_its_handling_clock_running(tmp_path, buyer, seller):
    call_command("import_orders", _export(tmp_path, _record(buyer, seller)))

    order = Order.objects.get(number="MP-1001")
    paid_at = datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert (order.state, order.total_paid, order.currency, order.ship_to_country) == (
        Order.State.PAID,
        Decimal("24.97"),
        "USD",
        "US",
    )
    assert order.deadline_at == order.handling_due_at == paid_at + timedelta(days=7)
    assert order.items.get().line_total == Decimal("19.98")
    assert order.events.get().type == OrderEvent.Type.PLACED


@pytest.mark.django_db
def test_importing_the_same_export_again_records_nothing_twice(tmp_path, buyer, seller):
    path = _export(tmp_path, _record(buyer, seller))
    call_command("import_orders", path)
    call_command("import_orders", path)

    assert Order.objects.filter(number="MP-1001").count() == 1


@pytest.mark.django_db
def test_a_bad_line_is_reported_and_the_good_ones_are_recorded(tmp_path, buyer, seller, capsys):
    path = _export(
        tmp_path,
        _record(buyer, seller, number="MP-1", lines=[{"title": "x", "quantity": 1, "unit_price": "1.999"}]),
        _record(buyer, seller, number="MP-2"),
        _record(buyer, seller, number="MP-3", buyer="nobody"),
    )

    with pytest.raises(CommandError, match="2 line"):
        call_command("import_orders", path)

    assert list(Order.objects.filter(number__startswith="MP-").values_list("number", flat=True)) == ["MP-2"]
    errors = capsys.readouterr().err
    assert "line 1:" in errors and "two decimals" in errors
    assert "line 3:" in errors and "nobody" in errors


@pytest.mark.django_db
def test_an_order_without_lines_is_refused_and_nothing_is_stored(buyer, store, now):
    paid = services.PaidOrder(number="MP-9", buyer=buyer, store=store, currency="USD", lines=[], paid_at=now)

    with pytest.raises(services.OrderError):
        services.record_paid_order(paid=paid)

    assert not Order.objects.filter(number="MP-9").exists()
