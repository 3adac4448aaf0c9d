"""Jobs are rows of the transaction that asks for them: written with the change, sent after it
commits, gone with it when it rolls back; the deadline sweep's groups write theirs the same way."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from orders import policy
from orders.models import Order, OrderEvent
from portal.deadlines import enforce_all
from portal.outbox.models import OutboxMessage
from portal.outbox.services import enqueue_after_commit
from portal.outbox.tasks import OutboxTask
from tests.factories import OrderFactory

# Real commits: on_commit hooks run only when the outermost transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

received: list[int] = []


@shared_task(base=OutboxTask)
def remember(*, n: int) -> None:
    received.append(n)


@shared_task
def not_through_the_outbox(*, n: int) -> None:
    received.append(n)


@pytest.fixture(autouse=True)
def eager(celery_eager):
    received.clear()
    return celery_eager


def test_a_job_is_written_with_the_change_and_runs_once_it_commits():
    with transaction.atomic():
        message = enqueue_after_commit(remember, n=1)
        assert received == []
        assert OutboxMessage.objects.get(pk=message.pk).kwargs == {"n": 1}

    assert received == [1]
    message.refresh_from_db()
    assert message.task == remember.name
    assert message.done_at is not None and message.dispatch_count == 1 and message.claimed_at is None


def test_jobs_of_a_rolled_back_transaction_or_savepoint_are_never_written_nor_sent():
    with transaction.atomic():
        kept = enqueue_after_commit(remember, n=1)
        try:
            with transaction.atomic():
                enqueue_after_commit(remember, n=2)
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
    try:
        with transaction.atomic():
            enqueue_after_commit(remember, n=3)
            raise RuntimeError("undo the transaction")
    except RuntimeError:
        pass

    assert received == [1]
    assert list(OutboxMessage.objects.filter(task=remember.name).values_list("pk", flat=True)) == [kept.pk]


def test_a_broker_that_cannot_be_reached_leaves_the_job_pending_and_the_change_saved(
    monkeypatch, caplog, order
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to broker: Connection refused.")

    monkeypatch.setattr(remember, "apply_async", unreachable)
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(on_hold=True)
        message = enqueue_after_commit(remember, n=1)

    assert Order.objects.get(pk=order.pk).on_hold
    assert received == []
    message.refresh_from_db()
    assert message.done_at is None and message.next_dispatch_at > message.created_at
    # A send the broker never took is not counted against the message.
    assert message.dispatch_count == 0
    unreachable = f"outbox messages [{message.pk}] ({remember.name}) not sent, the broker is unreachable"
    assert unreachable in caplog.text


def test_only_an_outbox_task_can_be_enqueued():
    with pytest.raises(TypeError, match="base=OutboxTask"), transaction.atomic():
        enqueue_after_commit(not_through_the_outbox, n=1)

    assert not OutboxMessage.objects.filter(task=not_through_the_outbox.name).exists()


def test_a_job_takes_ids_not_objects(order):
    with pytest.raises(TypeError), transaction.atomic():
        enqueue_after_commit(remember, n=order)

    assert received == []


def subjects_to(order: Order) -> list[tuple[str, str]]:
    return [(message.to[0], message.subject) for message in mail.outbox if order.number in message.subject]


def jobs_of(order: Order) -> list[tuple[str, str, int]]:
    """The outbox messages about ``order``'s events and refunds, as (task, id argument, id)."""
    events = set(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))
    refunds = set(order.refunds.values_list("pk", flat=True))
    wanted = {("event_id", pk) for pk in events} | {("refund_id", pk) for pk in refunds}
    return sorted(
        (m.task, name.removesuffix("s"), value)
        for m in OutboxMessage.objects.all()
        # A dispute event's id may equal an order event's.
        if m.kwargs.get("event_label", "orders.orderevent") == "orders.orderevent"
        for name, values in m.kwargs.items()
        for value in (values if isinstance(values, list) else [values])
        if (name.removesuffix("s"), value) in wanted
    )


# --- the sweep -------------------------------------------------------------------------------------
def test_the_sweep_commits_a_group_with_its_events_and_jobs_and_each_job_runs_once(now, monkeypatch):
    monkeypatch.setattr(policy, "SWEEP_ROWS_PER_TRANSACTION", 3)
    orders = [OrderFactory(paid_at=now + timedelta(minutes=n)) for n in range(5)]

    applied = enforce_all(now=now + timedelta(days=8))

    assert applied["orders"] == 5
    assert {order.state for order in Order.objects.filter(pk__in=[o.pk for o in orders])} == {
        Order.State.CANCELLED
    }
    assert OrderEvent.objects.filter(order__in=orders, type=OrderEvent.Type.AUTO_CANCELLED).count() == 5
    for order in orders:
        cancelled = OrderEvent.objects.get(order=order, type=OrderEvent.Type.AUTO_CANCELLED)
        paid = OrderEvent.objects.get(order=order, type=OrderEvent.Type.REFUND_PAID)
        refund = order.refunds.get()
        # Per order: notify the cancellation and pay the refund; the payment notifies in turn.
        assert jobs_of(order) == sorted(
            [
                ("orders.tasks.pay_refund", "refund_id", refund.pk),
                ("portal.notifications.tasks.notify_event", "event_id", cancelled.pk),
                ("portal.notifications.tasks.notify_event", "event_id", paid.pk),
            ]
        )
        assert sorted(subjects_to(order)) == sorted(
            [
                (order.buyer.email, f"Order {order.number} was cancelled and refunded"),
                (order.buyer.email, f"Refund paid on order {order.number}"),
                (order.store.owner.email, f"Order {order.number} was cancelled"),
            ]
        )
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_a_broken_row_rolls_its_group_back_with_its_jobs_and_the_others_are_told_once(
    now, monkeypatch, broken_order_deadline
):
    monkeypatch.setattr(policy, "SWEEP_ROWS_PER_TRANSACTION", 10)
    broken, *fine = [OrderFactory(paid_at=now + timedelta(minutes=n)) for n in range(3)]
    broken_order_deadline(broken)
    mail.outbox.clear()

    applied = enforce_all(now=now + timedelta(days=8))

    assert applied["orders"] == 2
    assert Order.objects.get(pk=broken.pk).state == Order.State.PAID
    assert not OrderEvent.objects.filter(order=broken, type=OrderEvent.Type.AUTO_CANCELLED).exists()
    for order in fine:
        assert Order.objects.get(pk=order.pk).state == Order.State.CANCELLED
        # The group's failed attempt left no job behind: each party hears about it exactly once.
        assert len(jobs_of(order)) == 3
        assert sorted(subjects_to(order)) == sorted(
            [
                (order.buyer.email, f"Order {order.number} was cancelled and refunded"),
                (order.buyer.email, f"Refund paid on order {order.number}"),
                (order.store.owner.email, f"Order {order.number} was cancelled"),
            ]
        )
    assert subjects_to(broken) == []
    assert jobs_of(broken) == []
