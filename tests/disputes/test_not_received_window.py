"""When "not received" can be opened: some days after shipment, or at once when the carrier, a
mediator or the seller says it arrived (SPEC "Delivery"); and, whatever happens to an order,
there is always a moment when it can be (issue 13, item 5)."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import policy
from disputes.models import Dispute
from disputes.permissions import check_can_open, dispute_window
from disputes.services import DisputeError, DisputeWindowClosed
from disputes.services.opening import _check_reason
from orders import services as order_services
from orders.models import Carrier, Order
from tests.factories import OrderFactory, confirm, deliver, dispute_claim, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def shipped(order, now):
    return ship(order, at=now + DAY)


def test_a_carrier_delivery_lets_the_buyer_with_nothing_open_not_received_at_once(shipped, now):
    delivered_at = shipped.shipped_at + DAY  # long before the 6 days after shipment
    deliver(shipped, at=delivered_at)

    dispute = open_dispute_for(shipped, at=delivered_at, reason=Dispute.Reason.NOT_RECEIVED)

    assert dispute.reason == Dispute.Reason.NOT_RECEIVED and dispute.is_open
    assert dispute_window(dispute.order).not_received_from == delivered_at


def test_a_late_carrier_update_opens_not_received_from_the_carriers_time(shipped, now):
    order_services.mark_order_delivered(
        order=shipped, actor=None, now=shipped.shipped_at + 3 * DAY, delivered_at=shipped.shipped_at + 2 * DAY
    )
    shipped.refresh_from_db()

    assert dispute_window(shipped).not_received_from == shipped.shipped_at + 2 * DAY


def test_a_mediator_recorded_delivery_lets_the_buyer_say_not_received_at_once(shipped, mediator, now):
    at = shipped.shipped_at + 2 * DAY
    order_services.mark_order_delivered(order=shipped, actor=mediator, now=at, reason="Carrier's proof")

    dispute = open_dispute_for(shipped, at=at, reason=Dispute.Reason.NOT_RECEIVED)

    assert dispute.is_open


def test_the_sellers_report_lets_the_buyer_say_not_received_at_once(shipped, seller, now):
    reported_at = shipped.shipped_at + MINUTE
    order_services.report_delivery(order=shipped, seller=seller, now=reported_at)

    dispute = open_dispute_for(shipped, at=reported_at, reason=Dispute.Reason.NOT_RECEIVED)

    assert dispute.is_open
    shipped.refresh_from_db()
    assert shipped.protection_ends_at == shipped.shipped_at + 23 * DAY  # the report shortened nothing


def test_without_word_of_delivery_not_received_waits_6_days_after_shipment(shipped):
    opens_at = shipped.shipped_at + policy.NOT_RECEIVED_AFTER_SHIPMENT

    with pytest.raises(DisputeWindowClosed, match="Parcels often take a few days"):
        open_dispute_for(shipped, at=opens_at - MINUTE, reason=Dispute.Reason.NOT_RECEIVED)
    dispute = open_dispute_for(shipped, at=opens_at, reason=Dispute.Reason.NOT_RECEIVED)

    assert dispute.is_open


def test_the_buyers_own_confirmation_does_not_open_not_received_early(shipped):
    confirm(shipped, at=shipped.shipped_at + DAY)

    with pytest.raises(DisputeWindowClosed, match="Parcels often take a few days"):
        open_dispute_for(shipped, at=shipped.shipped_at + 2 * DAY, reason=Dispute.Reason.NOT_RECEIVED)


# --- the property: every order always has a moment for "not received" ---------------------------
def can_open_not_received(order: Order, at: datetime) -> bool:
    """The services' own rules: the order is disputable and "not received" is allowed at ``at``."""
    try:
        window = check_can_open(order=order, buyer=order.buyer, now=at)
        _check_reason(order=order, claim=dispute_claim(order, reason="not_received"), window=window, now=at)
    except DisputeError:
        return False
    return True


def first_moment(order: Order, since: datetime, until: datetime) -> datetime | None:
    """The earliest moment in ``[since, until)`` at which the order's current state lets the buyer
    open "not received", if any (the window only ever starts at ``not_received_from``)."""
    window = dispute_window(order)
    if window.not_received_from is None or window.closes_at is None:
        return None
    moment = max(since, window.not_received_from)
    if moment >= min(until, window.closes_at):
        return None
    return moment if can_open_not_received(order, moment) else None


minutes = st.integers(min_value=0, max_value=60 * 24 * 60).map(lambda n: n * MINUTE)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shipped_after=st.integers(min_value=0, max_value=7 * 24 * 60 - 1).map(lambda n: n * MINUTE),
    carrier=st.sampled_from(Carrier.values),
    delivery=st.none() | st.tuples(minutes, minutes),
    seller_report=st.none() | minutes,
    extension=st.none() | st.tuples(minutes, st.integers(min_value=1, max_value=30)),
)
def test_every_order_has_a_moment_when_not_received_can_be_opened(
    buyer, store, now, shipped_after, carrier, delivery, seller_report, extension
):
    """Shipped any time within the handling time, with any carrier; then, in any order, maybe a
    carrier delivery (learnt at one time, said to have happened up to days earlier), maybe the
    seller's report, maybe an extension asked for and granted. Each step the services refuse (it
    came after protection ended) is skipped, as it would be refused in life. Some moment of the
    order's life must let the buyer open "not received" before protection ends."""
    with transaction.atomic():
        order = ship(
            OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + shipped_after, carrier=carrier
        )
        shipped_at = order.shipped_at
        steps = []
        if delivery is not None:
            learnt_after, occurred_before = delivery
            steps.append((shipped_at + learnt_after, "delivery", occurred_before))
        if seller_report is not None:
            steps.append((shipped_at + seller_report, "report", None))
        if extension is not None:
            steps.append((shipped_at + extension[0], "extension", extension[1]))
        steps.sort(key=lambda step: (step[0], step[1]))

        found: list[datetime] = []
        since = shipped_at
        for at, kind, detail in steps:
            order.refresh_from_db()
            if at >= order.protection_ends_at:
                continue  # refused in life: protection is over and the clock confirms the order
            moment = first_moment(order, since, at)
            try:
                if kind == "delivery":
                    order_services.mark_order_delivered(
                        order=order, actor=None, now=at, delivered_at=at - detail
                    )
                elif kind == "report":
                    order_services.report_delivery(order=order, seller=store.owner, now=at)
                else:
                    order_services.request_protection_extension(order=order, buyer=buyer, note="Late", now=at)
                    order_services.grant_protection_extension(
                        order=order, seller=store.owner, days=detail, now=at
                    )
            except order_services.OrderError:
                continue
            if moment is not None:
                found.append(moment)
            since = at
            if kind == "delivery":
                # Tracking says delivered: a buyer with nothing can say so at that very moment.
                order.refresh_from_db()
                assert can_open_not_received(order, at), (order.delivered_at, order.protection_ends_at)
        order.refresh_from_db()
        moment = first_moment(order, since, order.protection_ends_at)
        if moment is not None:
            found.append(moment)

        assert found, f"no moment to open 'not received' (shipped {shipped_at}, steps {steps})"
        transaction.set_rollback(True)
