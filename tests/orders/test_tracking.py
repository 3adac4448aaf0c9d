"""Carrier tracking: the signed webhook and the bulk import record deliveries, once; anything
unsigned, stale, malformed or about an unknown parcel changes nothing and is never a 500."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from orders.models import Carrier, Order, OrderEvent
from orders.tracking import SignedJsonProvider
from tests.factories import OrderFactory, confirm, ship

pytestmark = pytest.mark.django_db

S = Order.State
T = OrderEvent.Type
DAY = timedelta(days=1)
URL = "/tracking/webhook/"


@pytest.fixture
def shipped(order, now):
    """Shipped with DHL, tracking number LX123456789CN, a day after payment (23 days' protection)."""
    return ship(order, at=now + DAY)


@pytest.fixture
def at(time_machine, now):
    """The wall clock the webhook reads: three days after shipment."""
    moment = now + 4 * DAY
    time_machine.move_to(moment, tick=False)
    return moment


def update(**fields) -> bytes:
    record = {
        "carrier": "dhl",
        "tracking_number": "LX123456789CN",
        "status": "delivered",
        "occurred_at": "2026-11-05T09:30:00Z",
    } | fields
    return json.dumps(record).encode()


def post(client, body: bytes, *, at, signed_at=None, secret: str | None = None):
    stamp = int((signed_at or at).timestamp())
    signature = SignedJsonProvider(secret=secret).sign(body, timestamp=stamp)
    return client.post(
        URL, body, content_type="application/json", headers={"X-Tracking-Signature": signature}
    )


def snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.state,
        order.delivered_at,
        order.delivery_source,
        order.protection_ends_at,
        order.deadline_at,
        order.events.count(),
    )


def test_the_url_is_the_documented_one():
    assert reverse("orders:tracking_webhook") == URL


# --- the webhook -------------------------------------------------------------------------------
def test_a_signed_delivered_update_records_the_delivery_and_shrinks_protection(client, shipped, now, at):
    response = post(client, update(), at=at)

    assert response.status_code == 200
    assert response.json() == {"result": "delivered"}
    shipped.refresh_from_db()
    assert shipped.state == S.DELIVERED
    assert shipped.delivery_source == Order.DeliverySource.CARRIER
    assert shipped.delivered_at.isoformat() == "2026-11-05T09:30:00+00:00"
    assert shipped.protection_ends_at == at + 5 * DAY
    assert shipped.shipment.delivered_at == shipped.delivered_at
    event = shipped.events.get(type=T.DELIVERED)
    assert (event.actor, event.created_at) == (None, at)


def test_a_replayed_update_changes_nothing(client, shipped, at):
    first = post(client, update(), at=at)
    before = snapshot(shipped)

    again = post(client, update(), at=at)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"result": "already delivered"}
    assert snapshot(shipped) == before
    assert shipped.events.filter(type=T.DELIVERED).count() == 1


def test_delivery_never_lengthens_protection(client, order, now, time_machine):
    shipped = ship(order, at=now + DAY)
    late = shipped.protection_ends_at - 2 * DAY
    time_machine.move_to(late, tick=False)

    response = post(client, update(occurred_at=late.isoformat()), at=late)

    assert response.json() == {"result": "delivered"}
    shipped.refresh_from_db()
    assert shipped.protection_ends_at == now + 24 * DAY


@pytest.mark.parametrize(
    "signature",
    [None, "", "t=abc,v1=00", "v1=deadbeef", "t={t},v1=" + "0" * 64],
    ids=["missing", "empty", "bad-timestamp", "no-timestamp", "wrong-digest"],
)
def test_a_bad_signature_is_a_400_and_changes_nothing(client, shipped, at, signature):
    before = snapshot(shipped)
    headers = {} if signature is None else {"X-Tracking-Signature": signature.format(t=int(at.timestamp()))}

    response = client.post(URL, update(), content_type="application/json", headers=headers)

    assert response.status_code == 400
    assert "signature" in response.json()["error"]
    assert snapshot(shipped) == before


def test_an_update_signed_with_another_secret_is_refused(client, shipped, at):
    before = snapshot(shipped)

    response = post(client, update(), at=at, secret="not-our-secret")

    assert response.status_code == 400
    assert snapshot(shipped) == before


@pytest.mark.parametrize("skew", [-301, 301], ids=["replayed-later", "from-the-future"])
def test_a_signature_outside_the_tolerance_is_refused(client, shipped, at, skew):
    before = snapshot(shipped)

    response = post(client, update(), at=at, signed_at=at + timedelta(seconds=skew))

    assert response.status_code == 400
    assert "too old" in response.json()["error"]
    assert snapshot(shipped) == before


def test_a_signature_inside_the_tolerance_is_accepted(client, shipped, at):
    assert post(client, update(), at=at, signed_at=at - timedelta(seconds=299)).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"tracking_number": "XX000000000XX"},
        {"carrier": "ups"},
    ],
    ids=["unknown-number", "same-number-other-carrier"],
)
def test_an_update_for_an_unknown_shipment_is_a_404_and_changes_nothing(client, shipped, at, fields):
    before = snapshot(shipped)

    response = post(client, update(**fields), at=at)

    assert response.status_code == 404
    assert "no " in response.json()["error"]
    assert snapshot(shipped) == before


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        update(carrier="pigeon"),
        update(tracking_number=""),
        update(tracking_number="X" * 65),
        update(status=""),
        update(occurred_at="yesterday"),
        update(occurred_at="2026-11-05T09:30:00"),
        update(occurred_at="2026-13-45T09:30:00Z"),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "a-list",
        "unknown-carrier",
        "no-number",
        "number-too-long",
        "no-status",
        "not-a-time",
        "naive-time",
        "impossible-date",
    ],
)
def test_a_malformed_signed_body_is_a_400_and_changes_nothing(client, shipped, at, body):
    before = snapshot(shipped)

    response = post(client, body, at=at)

    assert response.status_code == 400
    assert snapshot(shipped) == before


def test_a_status_other_than_delivered_changes_nothing(client, shipped, at):
    before = snapshot(shipped)

    response = post(client, update(status="in_transit"), at=at)

    assert response.json() == {"result": "status noted"}
    assert snapshot(shipped) == before


def test_a_delivered_update_for_an_order_already_confirmed_changes_nothing(client, shipped, now, at):
    confirm(shipped, at=now + 2 * DAY)
    before = snapshot(shipped)

    response = post(client, update(), at=at)

    assert response.json() == {"result": "not in transit"}
    assert snapshot(shipped) == before


def test_an_update_after_protection_ended_is_left_to_the_clock(client, shipped, time_machine):
    time_machine.move_to(shipped.protection_ends_at + timedelta(hours=1), tick=False)

    response = post(client, update(), at=shipped.protection_ends_at + timedelta(hours=1))

    assert response.status_code == 200
    shipped.refresh_from_db()
    assert shipped.delivered_at is None
    assert shipped.delivery_source == ""


def test_a_reused_tracking_number_means_the_latest_parcel(client, buyer, store, now, at):
    older = ship(OrderFactory(buyer=buyer, store=store, paid_at=now - 30 * DAY), at=now - 29 * DAY)
    confirm(older, at=now - 20 * DAY)
    newer = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)

    response = post(client, update(), at=at)

    assert response.json() == {"result": "delivered"}
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.state == S.DELIVERED and older.delivery_source == Order.DeliverySource.BUYER


def test_without_a_secret_every_update_is_refused(client, shipped, at, settings):
    settings.TRACKING_WEBHOOK_SECRET = ""
    before = snapshot(shipped)

    response = post(client, update(), at=at, secret="anything")

    assert response.status_code == 503
    assert snapshot(shipped) == before


def test_the_webhook_answers_get_with_405(client):
    assert client.get(URL).status_code == 405


def test_the_webhook_needs_no_csrf_token(shipped, at):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), update(), at=at)

    assert response.status_code == 200


# --- the bulk import ---------------------------------------------------------------------------
def run_import(path) -> tuple[str, str, Exception | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_tracking", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def two_parcels(buyer, store, now):
    first = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
    second = OrderFactory(buyer=buyer, store=store, paid_at=now)
    second = ship(second, at=now + DAY, carrier=Carrier.CHINA_POST)
    second.shipment.tracking_number = "RR000000002CN"
    second.shipment.save()
    return first, second


def test_a_jsonl_import_records_deliveries_and_reports_bad_lines_without_stopping(tmp_path, two_parcels, at):
    first, second = two_parcels
    path = tmp_path / "tracking.jsonl"
    path.write_text(
        "\n".join(
            [
                update().decode(),
                "this is not json",
                update(tracking_number="NOPE123").decode(),
                "",
                update(carrier="China Post", tracking_number="RR000000002CN", occurred_at="").decode(),
            ]
        )
    )

    out, err, error = run_import(path)

    assert "line 2: not a JSON object" in err
    assert "line 3: no dhl shipment with tracking number NOPE123" in err
    assert "bad line: 1" in out and "delivered: 2" in out and "unknown shipment: 1" in out
    assert error is not None
    for order in (first, second):
        order.refresh_from_db()
        assert order.state == S.DELIVERED and order.delivery_source == Order.DeliverySource.CARRIER
    assert second.delivered_at == at


def test_importing_the_same_file_again_changes_nothing(tmp_path, two_parcels, at):
    first, _second = two_parcels
    path = tmp_path / "tracking.jsonl"
    path.write_text(update().decode() + "\n")
    run_import(path)
    before = snapshot(first)

    out, err, error = run_import(path)

    assert (out.strip(), err, error) == ("already delivered: 1", "", None)
    assert snapshot(first) == before


def test_a_csv_import_records_deliveries(tmp_path, two_parcels, at):
    first, second = two_parcels
    path = tmp_path / "tracking.csv"
    path.write_text(
        "carrier,tracking_number,status,occurred_at\n"
        "DHL,LX123456789CN,in_transit,2026-11-03T08:00:00Z\n"
        "china_post,RR000000002CN,delivered,2026-11-04T08:00:00+08:00\n"
        "dhl,,delivered,\n"
    )

    out, err, error = run_import(path)

    assert error is not None and "1 line(s) could not be applied" in str(error)
    assert "line 4: tracking_number is missing" in err
    assert "delivered: 1" in out and "status noted: 1" in out and "bad line: 1" in out
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == S.SHIPPED
    assert second.state == S.DELIVERED
    assert second.delivered_at.isoformat() == "2026-11-04T00:00:00+00:00"


def test_an_import_of_a_missing_file_fails_cleanly(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_tracking", str(tmp_path / "nope.jsonl"))
