"""A 40-day outage of the worker and beat, then a restart.

While the clock is stopped people go on working: disputes open, sellers answer, returns ship,
mediators ask for evidence, orders go unshipped. No sweep runs and no queued job is delivered.
Then one sweep runs (the restart): every deadline that passed is applied exactly once, in
deadline order; a reminder is sent once where its deadline is still ahead, and missed ones are
skipped; running the sweep again changes nothing. Runs on SQLite and on PostgreSQL.
"""

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from disputes import services
from disputes.models import Dispute, DisputeEvent, Evidence
from orders.models import Order, OrderEvent, Refund
from portal import deadlines
from tests.factories import OrderFactory, open_dispute_for, shipped_order

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
K = Dispute.DeadlineKind


def _open(at: datetime, **claim) -> Dispute:
    """A dispute opened at ``at`` on an order shipped a week earlier by express carrier."""
    order = shipped_order(paid_at=at - 8 * DAY)
    return open_dispute_for(order, at=at, **claim)


def awaiting_seller(at, mediator):
    return _open(at)


def awaiting_buyer(at, mediator):
    dispute = _open(at)
    return services.counter_offer(
        dispute=dispute,
        seller=dispute.store.owner,
        amount=Decimal("20.00"),
        with_return=False,
        note="Half",
        evidence=[],
        now=at + HOUR,
    )


def awaiting_return(at, mediator):
    dispute = _open(at, reason=Dispute.Reason.DAMAGED, with_return=True)
    return services.accept_request(dispute=dispute, seller=dispute.store.owner, now=at + HOUR)


def return_in_transit(at, mediator):
    dispute = awaiting_return(at, mediator)
    return services.ship_return(
        dispute=dispute, buyer=dispute.buyer, carrier="dhl", tracking_number="RT123456789", now=at + 2 * HOUR
    )


def _escalated(at):
    dispute = _open(at)
    services.reject_request(
        dispute=dispute, seller=dispute.store.owner, note="Delivered", evidence=[], now=at + HOUR
    )
    return services.escalate_dispute(
        dispute=dispute, user=dispute.buyer, note="It was not", now=at + 2 * HOUR
    )


def evidence_requested(at, mediator):
    dispute = _escalated(at)
    return services.request_evidence(
        dispute=dispute,
        mediator=mediator,
        party="seller",
        note="Proof of delivery, please",
        due_at=at + 5 * DAY,
        now=at + 3 * HOUR,
    )


def in_mediation(at, mediator):
    return _escalated(at)


def withdrawn(at, mediator):
    dispute = _open(at)
    return services.withdraw_dispute(dispute=dispute, buyer=dispute.buyer, now=at + HOUR)


#: Stage -> when its disputes open, relative to the restart (``up``): long before it (deadline
#: passed during the outage), shortly before (deadline still ahead, its reminder due) and just
#: before (deadline well ahead, nothing to send yet).
STAGES = {
    awaiting_seller: [-45 * DAY, -30 * DAY, -16 * DAY, -14 * DAY - 12 * HOUR, -5 * DAY],
    awaiting_buyer: [-40 * DAY, -10 * DAY, -8 * DAY, -7 * DAY + 12 * HOUR, -2 * DAY],
    awaiting_return: [-38 * DAY, -12 * DAY, -10 * DAY + 10 * HOUR, -3 * DAY],
    return_in_transit: [-39 * DAY, -31 * DAY, -30 * DAY + 20 * HOUR, -DAY],
    evidence_requested: [-35 * DAY, -6 * DAY, -5 * DAY + 6 * HOUR, -2 * DAY],
    in_mediation: [-36 * DAY, -DAY],
    withdrawn: [-37 * DAY],
}


@pytest.fixture
def outage(now, mediator):
    """Everything that happened while the worker and beat were down, and the restart's time."""
    up = now + 40 * DAY
    disputes = [stage(up + offset, mediator) for stage, offsets in STAGES.items() for offset in offsets]
    unshipped = [OrderFactory(paid_at=up - days * DAY) for days in (30, 20, 8, 3)]
    unconfirmed = [shipped_order(paid_at=up - days * DAY) for days in (35, 28)]
    return {"up": up, "disputes": disputes, "orders": unshipped + unconfirmed}


def _snapshot(dispute: Dispute) -> dict:
    dispute.refresh_from_db()
    return {
        "state": dispute.state,
        "deadline_at": dispute.deadline_at,
        "kind": dispute.deadline_kind,
        "next_reminder_at": dispute.next_reminder_at,
        "events": set(dispute.events.values_list("pk", flat=True)),
    }


def test_after_a_40_day_outage_one_sweep_applies_every_deadline_once_and_in_order(
    outage, django_capture_on_commit_callbacks
):
    up = outage["up"]
    before = {d.pk: _snapshot(d) for d in outage["disputes"]}
    orders_before = {
        o.pk: (o.deadline_at, o.deadline_kind)
        for o in Order.objects.filter(pk__in=[o.pk for o in outage["orders"]])
    }
    due = {pk for pk, s in before.items() if s["state"] in Dispute.ENFORCED_STATES and s["deadline_at"] <= up}
    remind = {
        pk
        for pk, s in before.items()
        if pk not in due and s["next_reminder_at"] is not None and s["next_reminder_at"] <= up
    }
    # The scenario covers what it claims to: many disputes, every enforced kind overdue, some
    # reminders due and some deadlines still quiet.
    assert len(before) >= 20
    assert {before[pk]["kind"] for pk in due} == {
        K.GRANT_REQUEST,
        K.WITHDRAW,
        K.RESOLVE_FOR_SELLER,
        K.REFUND_ANYWAY,
        K.BACK_TO_MEDIATOR,
    }
    assert len(remind) >= 4
    quiet = set(before) - due - remind
    assert {before[pk]["state"] for pk in quiet} >= {
        Dispute.State.AWAITING_SELLER,
        Dispute.State.IN_MEDIATION,
    }

    with django_capture_on_commit_callbacks(execute=True):
        applied = deadlines.enforce_all(now=up)

    new_events = DisputeEvent.objects.filter(dispute_id__in=before, created_at=up).order_by("id")
    auto = [e for e in new_events if e.type == DisputeEvent.Type.AUTO_RESOLVED]
    reminders = [e for e in new_events if e.type == DisputeEvent.Type.REMINDER_SENT]

    # Every passed deadline applied exactly once, from the state it was in, by its own rule.
    assert Counter(e.dispute_id for e in auto) == Counter(due)
    for event in auto:
        assert event.from_state == before[event.dispute_id]["state"]
        assert event.data["deadline"] == before[event.dispute_id]["deadline_at"].isoformat()
        assert event.actor is None
    # ... in the order the deadlines fell due.
    deadline_order = [datetime.fromisoformat(e.data["deadline"]) for e in auto]
    assert deadline_order == sorted(deadline_order)
    # One reminder where the deadline is still ahead; none where it passed or is far off.
    assert Counter(e.dispute_id for e in reminders) == Counter(remind)
    for pk, snapshot in before.items():
        dispute = Dispute.objects.get(pk=pk)
        if pk not in due:
            assert (dispute.state, dispute.deadline_at) == (snapshot["state"], snapshot["deadline_at"])
        if pk in remind:
            assert dispute.next_reminder_at is None or dispute.next_reminder_at > up

    # Orders: each overdue order deadline once, in order; every refund paid, none above paid.
    order_events = list(
        OrderEvent.objects.filter(
            order_id__in=orders_before,
            created_at=up,
            type__in=[
                OrderEvent.Type.AUTO_CANCELLED,
                OrderEvent.Type.AUTO_CONFIRMED,
                OrderEvent.Type.CONFIRMED,
            ],
        ).order_by("id")
    )
    overdue_orders = {pk for pk, (at, _kind) in orders_before.items() if at is not None and at <= up}
    assert Counter(e.order_id for e in order_events) == Counter(overdue_orders)
    order_deadlines = [orders_before[e.order_id][0] for e in order_events]
    assert order_deadlines == sorted(order_deadlines)
    for order in Order.objects.filter(pk__in=[*orders_before, *(d.order_id for d in outage["disputes"])]):
        refunds = Refund.objects.filter(order=order)
        assert all(r.status == Refund.Status.PAID for r in refunds), [(r.pk, r.status) for r in refunds]
        assert sum((r.amount for r in refunds), Decimal("0.00")) <= order.total_paid
    # Evidence whose processing job was lost in the outage is processed by the restart.
    assert not Evidence.objects.filter(dispute_id__in=before, status=Evidence.Status.PROCESSING).exists()
    assert applied["disputes"] >= len(due) + len(remind)

    # The restart's sweep running again (or a second beat) changes nothing.
    events_after = DisputeEvent.objects.filter(dispute_id__in=before).count()
    with django_capture_on_commit_callbacks(execute=True):
        again = deadlines.enforce_all(now=up)
    assert again == {name: 0 for name in again}
    assert DisputeEvent.objects.filter(dispute_id__in=before).count() == events_after
