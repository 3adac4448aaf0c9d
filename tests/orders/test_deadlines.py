"""The clock: the deadline sweep applies each order deadline exactly once, at the second it is due."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from orders import policy, refunds, services
from orders.models import Carrier, Order, OrderEvent, Refund
from portal.deadlines import enforce_all
from tests.factories import (
    OrderFactory,
    completed_order,
    delivered_order,
    ship,
    shipped_order,
)

pytestmark = pytest.mark.django_db

S = Order.State
T = OrderEvent.Type
SECOND = timedelta(seconds=1)
DUE = [pytest.param(timedelta(0), id="at-the-deadline"), pytest.param(SECOND, id="1s-after-the-deadline")]


def count(order: Order, event_type: str) -> int:
    return order.events.filter(type=event_type).count()


def hold(order: Order, *, now) -> Order:
    with transaction.atomic():
        return services.hold_for_dispute(order=services.lock_order(order.pk), now=now)


# --- auto-cancel: not shipped within the handling time -----------------------------------------
def test_an_unshipped_order_is_left_alone_one_second_before_its_handling_time_ends(order, now):
    assert order.handling_due_at == now + timedelta(days=7)

    enforce_all(now=order.handling_due_at - SECOND)

    order.refresh_from_db()
    assert order.state == S.PAID
    assert order.deadline_kind == Order.DeadlineKind.AUTO_CANCEL
    assert not order.refunds.exists()
    # Only the seller's reminder: nothing was applied.
    assert list(order.events.values_list("type", flat=True)) == [OrderEvent.Type.SHIP_BY_REMINDER]


@pytest.mark.parametrize("offset", DUE)
def test_an_order_not_shipped_within_7_days_is_cancelled_and_fully_refunded(order, offset):
    swept_at = order.handling_due_at + offset

    enforce_all(now=swept_at)

    order.refresh_from_db()
    assert order.state == S.CANCELLED
    assert order.closed_at == swept_at
    assert order.settled_amount == Decimal("0.00")
    assert (order.deadline_at, order.deadline_kind) == (None, "")
    refund = order.refunds.get()
    assert (refund.amount, refund.currency) == (Decimal("60.00"), "USD")
    assert refund.reason == Refund.Reason.NOT_SHIPPED
    assert refund.status == Refund.Status.PENDING
    assert refund.created_at == swept_at
    cancelled = order.events.get(type=T.AUTO_CANCELLED)
    assert cancelled.actor is None
    assert cancelled.created_at == swept_at
    assert (cancelled.data["rule"], cancelled.data["deadline"]) == (
        "handling_time_missed",
        order.handling_due_at.isoformat(),
    )
    assert count(order, T.REFUND_ISSUED) == 1


def test_an_auto_cancelled_order_tells_both_sides_and_pays_the_refund_after_commit(
    order, buyer, seller, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enforce_all(now=order.handling_due_at)

    refund = order.refunds.get()
    assert refund.status == Refund.Status.PAID
    assert count(order, T.REFUND_PAID) == 1
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == sorted([buyer.email, seller.email, buyer.email])
    subjects = {message.subject for message in mailoutbox}
    assert f"Order {order.number} was cancelled and refunded" in subjects
    assert f"Order {order.number} was cancelled" in subjects
    assert f"Refund paid on order {order.number}" in subjects


# --- auto-confirm: protection ended with no dispute --------------------------------------------
def test_a_shipped_order_is_left_alone_one_second_before_protection_ends(now):
    order = shipped_order(paid_at=now)
    assert order.protection_ends_at == now + timedelta(days=24)

    enforce_all(now=order.protection_ends_at - SECOND)

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert count(order, T.AUTO_CONFIRMED) == 0


@pytest.mark.parametrize("offset", DUE)
def test_an_order_is_confirmed_automatically_when_protection_ends(now, offset):
    order = shipped_order(paid_at=now)
    swept_at = order.protection_ends_at + offset

    enforce_all(now=swept_at)

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.confirmed_automatically is True
    assert order.confirmed_at == swept_at
    assert order.dispute_window_ends_at == swept_at + timedelta(days=15)
    assert (order.deadline_at, order.deadline_kind) == (
        swept_at + timedelta(days=15),
        Order.DeadlineKind.SETTLE,
    )
    event = order.events.get(type=T.AUTO_CONFIRMED)
    assert (event.actor, event.created_at) == (None, swept_at)


@pytest.mark.parametrize(("offset", "confirmed"), [(-SECOND, False), (timedelta(0), True), (SECOND, True)])
def test_a_delivered_order_is_confirmed_automatically_5_days_after_delivery(now, offset, confirmed):
    order = delivered_order(paid_at=now, delivered_after=timedelta(days=4))

    enforce_all(now=now + timedelta(days=9) + offset)

    order.refresh_from_db()
    assert (order.state == S.COMPLETED) is confirmed
    assert count(order, T.AUTO_CONFIRMED) == int(confirmed)


def test_a_granted_extension_moves_the_automatic_confirmation(now):
    order = shipped_order(paid_at=now)
    services.request_protection_extension(
        order=order, buyer=order.buyer, note="", now=now + timedelta(days=20)
    )
    services.grant_protection_extension(
        order=order, seller=order.store.owner, days=10, now=now + timedelta(days=21)
    )

    enforce_all(now=now + timedelta(days=34) - SECOND)
    order.refresh_from_db()
    assert order.state == S.SHIPPED

    enforce_all(now=now + timedelta(days=34))
    order.refresh_from_db()
    assert order.state == S.COMPLETED


# --- settle: the dispute window after confirmation closed --------------------------------------
def test_a_completed_order_is_not_settled_one_second_before_its_dispute_window_closes(now):
    order = completed_order(paid_at=now, confirmed_after=timedelta(days=5))
    assert order.dispute_window_ends_at == now + timedelta(days=20)

    enforce_all(now=order.dispute_window_ends_at - SECOND)

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.settled_amount is None
    assert count(order, T.SETTLED) == 0


@pytest.mark.parametrize("offset", DUE)
def test_the_payment_is_released_to_the_seller_15_days_after_confirmation(now, offset):
    order = completed_order(paid_at=now, confirmed_after=timedelta(days=5))
    swept_at = now + timedelta(days=20) + offset

    enforce_all(now=swept_at)

    order.refresh_from_db()
    assert order.state == S.SETTLED
    assert order.closed_at == swept_at
    assert order.settled_amount == Decimal("60.00")
    assert (order.deadline_at, order.deadline_kind) == (None, "")
    settled = order.events.get(type=T.SETTLED).data
    assert (settled["amount"], settled["rule"]) == ("60.00", "dispute_window_closed")


def test_the_seller_is_paid_what_was_paid_minus_what_was_refunded(now, flaky_provider):
    order = completed_order(paid_at=now, confirmed_after=timedelta(days=5))
    with transaction.atomic():
        locked = services.lock_order(order.pk)
        services.issue_refund(order=locked, amount=Decimal("15.00"), reason=Refund.Reason.DISPUTE, now=now)
        services.issue_refund(order=locked, amount=Decimal("5.50"), reason=Refund.Reason.DISPUTE, now=now)
        failed = services.issue_refund(
            order=locked, amount=Decimal("20.00"), reason=Refund.Reason.DISPUTE, now=now
        )
    flaky_provider.refusals_left = 1
    refunds.pay_refund(refund_id=failed.pk, now=now)

    enforce_all(now=now + timedelta(days=20))

    order.refresh_from_db()
    assert order.state == S.SETTLED
    assert order.settled_amount == Decimal("39.50")


# --- idempotency and holds ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "due", "event_type"),
    [
        (lambda now: OrderFactory(paid_at=now), timedelta(days=7), T.AUTO_CANCELLED),
        (lambda now: shipped_order(paid_at=now), timedelta(days=24), T.AUTO_CONFIRMED),
        (
            lambda now: completed_order(paid_at=now, confirmed_after=timedelta(days=5)),
            timedelta(days=20),
            T.SETTLED,
        ),
    ],
    ids=["auto-cancel", "auto-confirm", "settle"],
)
def test_running_the_sweep_twice_applies_a_deadline_once(now, make, due, event_type):
    order = make(now)

    enforce_all(now=now + due)
    enforce_all(now=now + due)
    enforce_all(now=now + due + timedelta(minutes=1))

    assert count(order, event_type) == 1
    assert order.refunds.count() == (1 if event_type == T.AUTO_CANCELLED else 0)


def test_an_order_on_hold_is_never_touched_by_the_sweep(now):
    order = shipped_order(paid_at=now)
    hold(order, now=now + timedelta(days=6))

    enforce_all(now=now + timedelta(days=365))

    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.on_hold is True
    assert count(order, T.AUTO_CONFIRMED) == 0


@pytest.mark.parametrize("stage", ["paid", "completed"])
def test_an_order_put_on_hold_after_the_sweep_listed_it_is_left_alone(now, stage):
    order = OrderFactory(paid_at=now) if stage == "paid" else completed_order(paid_at=now)
    due_at, kind = order.deadline_at, order.deadline_kind
    events_before = order.events.count()
    hold(order, now=now + timedelta(days=2))
    # A stale row: the sweep's listing still sees the old deadline; the lock's re-check must not.
    Order.objects.filter(pk=order.pk).update(deadline_at=due_at, deadline_kind=kind)

    enforce_all(now=now + timedelta(days=365))

    order.refresh_from_db()
    assert order.state == stage
    assert order.closed_at is None
    assert not order.refunds.exists()
    assert [e.type for e in order.events.order_by("id")][events_before:] == [T.HELD]


def test_a_released_order_picks_up_its_deadline_again(now):
    order = shipped_order(paid_at=now)
    hold(order, now=now + timedelta(days=6))
    with transaction.atomic():
        services.release_from_dispute(
            order=services.lock_order(order.pk), now=now + timedelta(days=8), finished=False
        )

    enforce_all(now=now + timedelta(days=24))

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.confirmed_automatically is True


# --- catching up after an outage ---------------------------------------------------------------
def test_a_sweep_after_a_long_outage_applies_every_due_deadline_once_in_deadline_order(now):
    # Created in an order different from their deadlines' order, so row ids cannot hide a bug.
    cancel_day_8 = OrderFactory(paid_at=now + timedelta(days=1))
    confirm_day_18 = ship(
        OrderFactory(paid_at=now - timedelta(days=10)), at=now - timedelta(days=9), carrier=Carrier.EMS
    )
    settle_day_5 = completed_order(paid_at=now - timedelta(days=20), confirmed_after=timedelta(days=10))
    cancel_day_7 = OrderFactory(paid_at=now)
    not_due = shipped_order(paid_at=now + timedelta(days=30))
    last_event = OrderEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    outage_over = now + timedelta(days=40)

    enforce_all(now=outage_over)
    enforce_all(now=outage_over)

    for order in (cancel_day_8, confirm_day_18, settle_day_5, cancel_day_7, not_due):
        order.refresh_from_db()
    assert (cancel_day_7.state, cancel_day_8.state) == (S.CANCELLED, S.CANCELLED)
    assert confirm_day_18.state == S.COMPLETED
    assert settle_day_5.state == S.SETTLED
    assert not_due.state == S.SHIPPED
    applied = list(
        OrderEvent.objects.filter(pk__gt=last_event, type__in=[T.AUTO_CANCELLED, T.AUTO_CONFIRMED, T.SETTLED])
        .order_by("pk")
        .values_list("order_id", "type")
    )
    assert applied == [
        (settle_day_5.pk, T.SETTLED),
        (cancel_day_7.pk, T.AUTO_CANCELLED),
        (cancel_day_8.pk, T.AUTO_CANCELLED),
        (confirm_day_18.pk, T.AUTO_CONFIRMED),
    ]
    assert cancel_day_7.refunds.count() == cancel_day_8.refunds.count() == 1


def test_the_next_deadline_an_applied_one_creates_waits_for_its_own_time(now):
    order = shipped_order(paid_at=now)

    enforce_all(now=now + timedelta(days=100))

    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.deadline_at == now + timedelta(days=115)

    enforce_all(now=now + timedelta(days=115))

    order.refresh_from_db()
    assert order.state == S.SETTLED


def test_a_backlog_larger_than_one_batch_drains_in_one_run(now, monkeypatch):
    monkeypatch.setattr(policy, "SWEEP_BATCH_SIZE", 2)
    orders = [OrderFactory(paid_at=now + timedelta(hours=hour)) for hour in range(5)]

    applied = services.enforce_order_deadlines(now=now + timedelta(days=30))

    assert applied == 5
    assert {Order.objects.get(pk=order.pk).state for order in orders} == {S.CANCELLED}


def test_one_order_that_cannot_be_applied_does_not_stop_the_others(now, broken_order_deadline):
    broken, fine = OrderFactory(paid_at=now), OrderFactory(paid_at=now + timedelta(hours=1))
    broken_order_deadline(broken)
    enforce_all(now=now + timedelta(days=8))

    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.state == S.PAID
    assert not broken.refunds.exists()
    assert count(broken, T.AUTO_CANCELLED) == 0
    assert fine.state == S.CANCELLED

    broken_order_deadline(None)
    enforce_all(now=now + timedelta(days=8, minutes=1))

    broken.refresh_from_db()
    assert broken.state == S.CANCELLED
    assert broken.refunds.count() == 1


def test_enforce_order_deadlines_applies_and_counts_what_is_due(now):
    due, not_yet = OrderFactory(paid_at=now), OrderFactory(paid_at=now + timedelta(days=1))

    applied = services.enforce_order_deadlines(now=now + timedelta(days=7))

    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert applied == 1
    assert (due.state, not_yet.state) == (S.CANCELLED, S.PAID)


# --- refunds whose job was lost ----------------------------------------------------------------
@pytest.fixture
def lost_refund(order):
    """The auto-cancel refund, its queued payment job never run (on_commit is not executed here)."""
    enforce_all(now=order.handling_due_at)
    return order.refunds.get()


def test_a_refund_whose_job_was_lost_waits_for_its_retry_time(lost_refund):
    enforce_all(now=lost_refund.next_attempt_at - SECOND)

    lost_refund.refresh_from_db()
    assert lost_refund.status == Refund.Status.PENDING
    assert lost_refund.attempts == 0
    assert lost_refund.provider_reference == ""


@pytest.mark.parametrize("offset", DUE)
def test_the_sweep_pays_a_refund_whose_job_was_lost(lost_refund, offset):
    assert lost_refund.next_attempt_at == lost_refund.created_at + policy.REFUND_RETRY_DELAY
    swept_at = lost_refund.next_attempt_at + offset

    enforce_all(now=swept_at)
    enforce_all(now=swept_at + timedelta(minutes=30))

    lost_refund.refresh_from_db()
    assert lost_refund.status == Refund.Status.PAID
    assert lost_refund.paid_at == swept_at
    assert lost_refund.attempts == 1
    assert count(lost_refund.order, T.REFUND_PAID) == 1


def test_the_sweep_retries_a_refund_the_provider_refused_after_a_growing_delay(lost_refund, flaky_provider):
    flaky_provider.failures_left = 1
    first_try = lost_refund.next_attempt_at

    enforce_all(now=first_try)
    lost_refund.refresh_from_db()
    assert lost_refund.status == Refund.Status.PENDING
    assert lost_refund.next_attempt_at == first_try + policy.REFUND_RETRY_DELAY

    enforce_all(now=lost_refund.next_attempt_at - SECOND)
    lost_refund.refresh_from_db()
    assert lost_refund.status == Refund.Status.PENDING
    assert flaky_provider.calls == 1

    enforce_all(now=lost_refund.next_attempt_at)
    lost_refund.refresh_from_db()
    assert lost_refund.status == Refund.Status.PAID
    assert lost_refund.attempts == 2
