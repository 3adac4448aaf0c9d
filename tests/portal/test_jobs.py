"""Jobs leave only after their transaction commits; the sweep hands a group's jobs to the broker
in one fan-out message, and a worker queues each as itself."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.core import mail
from django.db import transaction

from orders import policy
from orders.models import Order, OrderEvent
from portal import jobs, tasks
from portal.deadlines import enforce_all
from tests.factories import OrderFactory

# Real commits: on_commit hooks run only when the outermost transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

received: list[int] = []


@shared_task
def remember(*, n: int) -> None:
    received.append(n)


@pytest.fixture(autouse=True)
def eager(celery_eager):
    received.clear()
    return celery_eager


@pytest.fixture
def fan_outs(monkeypatch) -> list[list]:
    """Every fan-out message published (the real task still runs, eagerly)."""
    sent: list[list] = []
    real = tasks.fan_out.delay

    def spy(*, jobs):
        sent.append(jobs)
        return real(jobs=jobs)

    monkeypatch.setattr(tasks.fan_out, "delay", spy)
    return sent


def test_outside_a_collected_block_a_job_leaves_at_its_own_commit(fan_outs):
    with transaction.atomic():
        jobs.enqueue_after_commit(remember, n=1)
        assert received == []

    assert received == [1]
    assert fan_outs == []


def test_jobs_committed_inside_a_collected_block_leave_together_at_its_end(fan_outs):
    with jobs.collected():
        for n in (1, 2, 3):
            with transaction.atomic():
                jobs.enqueue_after_commit(remember, n=n)
        assert received == []

    assert received == [1, 2, 3]
    assert fan_outs == [[[remember.name, {"n": 1}], [remember.name, {"n": 2}], [remember.name, {"n": 3}]]]


def test_a_single_collected_job_is_sent_as_itself(fan_outs):
    with jobs.collected(), transaction.atomic():
        jobs.enqueue_after_commit(remember, n=7)

    assert received == [7]
    assert fan_outs == []


def test_jobs_of_a_rolled_back_transaction_or_savepoint_are_never_sent(fan_outs):
    with jobs.collected():
        with transaction.atomic():
            jobs.enqueue_after_commit(remember, n=1)
            try:
                with transaction.atomic():
                    jobs.enqueue_after_commit(remember, n=2)
                    raise RuntimeError("undo the savepoint")
            except RuntimeError:
                pass
        try:
            with transaction.atomic():
                jobs.enqueue_after_commit(remember, n=3)
                raise RuntimeError("undo the transaction")
        except RuntimeError:
            pass

    assert received == [1]


def test_a_broker_that_cannot_be_reached_does_not_undo_committed_work(monkeypatch, caplog, order):
    def unreachable(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.fan_out, "delay", unreachable)
    with jobs.collected():
        for n in (1, 2):
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(on_hold=True)
                jobs.enqueue_after_commit(remember, n=n)

    assert Order.objects.get(pk=order.pk).on_hold
    assert received == []
    assert "could not queue 2 committed job(s)" in caplog.text


def test_large_groups_are_split_into_chunks(fan_outs, monkeypatch):
    monkeypatch.setattr(jobs, "FAN_OUT_CHUNK", 2)
    with jobs.collected():
        for n in range(5):
            with transaction.atomic():
                jobs.enqueue_after_commit(remember, n=n)

    assert [len(chunk) for chunk in fan_outs] == [2, 2, 1]
    assert received == [0, 1, 2, 3, 4]


def subjects_to(order: Order) -> list[tuple[str, str]]:
    return [(message.to[0], message.subject) for message in mail.outbox if order.number in message.subject]


# --- the sweep -------------------------------------------------------------------------------------
def test_the_sweep_commits_a_group_together_and_publishes_its_jobs_in_one_message(now, fan_outs, monkeypatch):
    monkeypatch.setattr(policy, "SWEEP_ROWS_PER_TRANSACTION", 3)
    orders = [OrderFactory(paid_at=now + timedelta(minutes=n)) for n in range(5)]

    applied = enforce_all(now=now + timedelta(days=8))

    assert applied["orders"] == 5
    assert {order.state for order in Order.objects.filter(pk__in=[o.pk for o in orders])} == {
        Order.State.CANCELLED
    }
    # Groups of 3 and 2: per order, notify the cancellation and pay the refund (whose payment
    # notifies in turn, from the worker).
    assert [len(chunk) for chunk in fan_outs] == [6, 4]
    assert OrderEvent.objects.filter(order__in=orders, type=OrderEvent.Type.AUTO_CANCELLED).count() == 5
    for order in orders:
        assert sorted(subjects_to(order)) == [
            (order.buyer.email, f"Order {order.number} was cancelled and refunded"),
            (order.buyer.email, f"Refund paid on order {order.number}"),
            (order.store.owner.email, f"Order {order.number} was cancelled"),
        ]


def test_a_broken_row_rolls_its_group_back_and_the_others_are_applied_and_told_once(
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
        # The group's failed attempt sent nothing: each party hears about it exactly once.
        assert sorted(subjects_to(order)) == [
            (order.buyer.email, f"Order {order.number} was cancelled and refunded"),
            (order.buyer.email, f"Refund paid on order {order.number}"),
            (order.store.owner.email, f"Order {order.number} was cancelled"),
        ]
    assert subjects_to(broken) == []
