"""The outbox's worker and sweep: a message runs once, a failed or lost one is sent again with a
growing wait until it is done or given up, and done messages are forgotten after a while."""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from celery import Celery, shared_task
from django.urls import reverse
from kombu.exceptions import OperationalError

from portal.outbox import policy, services
from portal.outbox.models import OutboxMessage
from portal.outbox.tasks import OutboxTask, claim
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

runs: list[int] = []
failures_left = {"n": 0}


@shared_task(base=OutboxTask)
def record(*, n: int) -> None:
    runs.append(n)


@shared_task(base=OutboxTask)
def flaky(*, n: int) -> None:
    if failures_left["n"]:
        failures_left["n"] -= 1
        raise ConnectionRefusedError("mail server down")
    runs.append(n)


@shared_task(base=OutboxTask)
def slow(*, n: int) -> None:
    time.sleep(0.5)
    runs.append(n)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """The wall clock the outbox keeps, stopped at T0; ``clock(at)`` moves it."""
    runs.clear()
    failures_left["n"] = 0
    time_machine.move_to(T0, tick=False)
    return lambda at: time_machine.move_to(at, tick=False)


@pytest.fixture
def broker_down(monkeypatch):
    """Every send raises as Celery does when the broker refuses connections."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(OutboxTask, "apply_async", refuse)


@pytest.fixture
def written(django_capture_on_commit_callbacks):
    """``written(task, **kwargs)``: enqueue in a committed transaction, then send, as a service does."""

    def write(task, **kwargs) -> OutboxMessage:
        with django_capture_on_commit_callbacks(execute=True):
            message = services.enqueue_after_commit(task, **kwargs)
        message.refresh_from_db()
        return message

    return write


def test_a_message_runs_once_and_a_repeated_delivery_of_it_does_nothing(written):
    message = written(record, n=1)

    assert runs == [1]
    assert message.done_at == T0 and message.claimed_at is None and message.last_error == ""
    record.apply(kwargs={"outbox_id": message.pk})
    assert runs == [1]


def test_a_transactions_jobs_go_to_the_broker_a_few_to_a_message_and_each_runs_once(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[list[int]] = []
    send = OutboxTask.apply_async

    def count(self, *, kwargs, **options):
        sent.append(kwargs["outbox_ids"])
        return send(self, kwargs=kwargs, **options)

    monkeypatch.setattr(OutboxTask, "apply_async", count)
    monkeypatch.setattr(policy, "JOBS_PER_SEND", 10)  # the default is 5; any cap shows the split
    with django_capture_on_commit_callbacks(execute=True):
        messages = services.enqueue_many_after_commit(record, [{"n": n} for n in range(25)])
        services.enqueue_after_commit(flaky, n=99)

    ids = [message.pk for message in messages]
    flaky_id = OutboxMessage.objects.get(task=flaky.name).pk
    assert sorted(sent, key=len) == [[flaky_id], ids[20:], ids[:10], ids[10:20]]
    assert runs == [*range(25), 99]
    assert OutboxMessage.objects.filter(pk__in=[*ids, flaky_id], done_at=T0).count() == 26


def test_a_failing_job_leaves_the_other_jobs_of_its_broker_message_done(written, clock):
    failures_left["n"] = 1
    first, second = services.enqueue_many_after_commit(flaky, [{"n": 1}, {"n": 2}])

    with pytest.raises(ConnectionRefusedError):
        flaky.apply(kwargs={"outbox_ids": [first.pk, second.pk]}, throw=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert runs == [2]
    assert first.done_at is None and first.claimed_at is None
    assert first.last_error == "ConnectionRefusedError: mail server down"
    assert second.done_at == T0 and second.last_error == ""
    # The sweep sends the failed one again, on its own, when its wait is over.
    clock(first.next_dispatch_at)
    assert services.redispatch_due(now=first.next_dispatch_at) == 1
    assert runs == [2, 1]


def test_a_message_sent_before_messages_carried_several_jobs_still_runs(broker_down):
    message = services.enqueue_after_commit(record, n=5)

    record.apply(kwargs={"outbox_id": message.pk})

    message.refresh_from_db()
    assert runs == [5] and message.done_at == T0


def test_a_message_claimed_by_a_live_worker_is_left_to_it(written, broker_down, clock):
    message = written(record, n=1)
    assert claim(message.pk, now=T0) is not None

    clock(T0 + policy.CLAIM_LEASE - MINUTE)
    record.apply(kwargs={"outbox_id": message.pk})
    sent = services.redispatch_due(now=T0 + policy.CLAIM_LEASE - MINUTE)

    assert runs == [] and sent == 0
    message.refresh_from_db()
    assert message.done_at is None and message.claimed_at == T0


def test_a_message_whose_worker_died_is_sent_again_after_the_lease_and_runs_once(written, monkeypatch, clock):
    with monkeypatch.context() as patched:
        patched.setattr(OutboxTask, "apply_async", lambda self, **kwargs: None)
        message = written(record, n=1)
    # A worker took the message and died before it finished: its claim stays.
    assert claim(message.pk, now=T0) is not None
    assert services.redispatch_due(now=T0 + policy.CLAIM_LEASE - MINUTE) == 0

    clock(T0 + policy.CLAIM_LEASE + MINUTE)
    assert services.redispatch_due(now=T0 + policy.CLAIM_LEASE + MINUTE) == 1

    assert runs == [1]
    message.refresh_from_db()
    assert message.done_at == T0 + policy.CLAIM_LEASE + MINUTE and message.dispatch_count == 2
    assert services.redispatch_due(now=T0 + timedelta(days=1)) == 0
    assert runs == [1]


def test_a_failing_job_stays_pending_with_its_error_and_is_sent_again_with_a_growing_wait(written, clock):
    failures_left["n"] = 2
    message = written(flaky, n=7)

    message.refresh_from_db()
    assert runs == [] and message.done_at is None and message.claimed_at is None
    assert message.last_error == "ConnectionRefusedError: mail server down"
    assert message.next_dispatch_at == T0 + policy.REDISPATCH_AFTER

    # Not before its time.
    assert services.redispatch_due(now=T0 + policy.REDISPATCH_AFTER - MINUTE) == 0
    second = T0 + policy.REDISPATCH_AFTER
    clock(second)
    assert services.redispatch_due(now=second) == 1
    message.refresh_from_db()
    assert (message.dispatch_count, message.next_dispatch_at) == (2, second + 2 * policy.REDISPATCH_AFTER)
    assert runs == [] and message.done_at is None

    third = message.next_dispatch_at
    clock(third)
    assert services.redispatch_due(now=third) == 1
    message.refresh_from_db()
    assert runs == [7] and message.done_at == third and message.last_error == ""
    assert message.dispatch_count == 3


def test_the_wait_between_sends_doubles_up_to_its_ceiling():
    waits = [policy.redispatch_delay(n) for n in range(1, 8)]

    assert waits[:3] == [policy.REDISPATCH_AFTER, 2 * policy.REDISPATCH_AFTER, 4 * policy.REDISPATCH_AFTER]
    assert max(waits) == waits[-1] == policy.REDISPATCH_AFTER_MAX
    assert policy.redispatch_delay(10_000) == policy.REDISPATCH_AFTER_MAX


def test_a_message_sent_too_often_is_given_up_with_an_error_in_the_log(written, monkeypatch, clock, caplog):
    monkeypatch.setattr(policy, "MAX_DISPATCHES", 3)
    failures_left["n"] = 100
    message = written(flaky, n=1)
    at = T0
    for _send in range(2):
        at += policy.REDISPATCH_AFTER_MAX
        clock(at)
        assert services.redispatch_due(now=at) == 1
    message.refresh_from_db()
    assert message.dispatch_count == 3 and message.gave_up_at is None

    at += policy.REDISPATCH_AFTER_MAX
    with caplog.at_level(logging.ERROR, logger="portal.outbox.services"):
        assert services.redispatch_due(now=at) == 0

    message.refresh_from_db()
    assert message.gave_up_at == at and message.done_at is None and runs == []
    assert (
        f"outbox message {message.pk} ({flaky.name} {{'n': 1}}) given up after 3 sends; "
        "last error: ConnectionRefusedError: mail server down"
    ) in caplog.text
    assert services.redispatch_due(now=at + timedelta(days=30)) == 0


def test_while_the_broker_is_down_the_sweep_counts_no_send_and_sends_everything_once_it_is_back(
    written, monkeypatch, clock
):
    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(OutboxTask, "apply_async", refuse)
        messages = [written(record, n=n) for n in range(3)]
        for hours in range(1, 30):
            clock(T0 + timedelta(hours=hours))
            assert services.redispatch_due(now=T0 + timedelta(hours=hours)) == 0
    assert [m.dispatch_count for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages])] == [
        0
    ] * 3

    back = T0 + timedelta(hours=30)
    clock(back)
    assert services.redispatch_due(now=back) == 3

    assert sorted(runs) == [0, 1, 2]
    assert not OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], done_at__isnull=True).exists()


def test_a_message_for_a_task_that_no_longer_exists_is_given_up(clock):
    message = OutboxMessage.objects.create(
        task="orders.tasks.renamed_long_ago", kwargs={}, created_at=T0, next_dispatch_at=T0, dispatch_count=1
    )

    assert services.redispatch_due(now=T0 + MINUTE) == 0

    message.refresh_from_db()
    assert message.gave_up_at == T0 + MINUTE
    assert message.last_error == "No Celery task is named orders.tasks.renamed_long_ago."


def test_done_messages_are_forgotten_after_the_retention_period_and_pending_ones_never(written, broker_down):
    done = OutboxMessage.objects.create(
        task=record.name, kwargs={"n": 1}, created_at=T0, next_dispatch_at=T0, done_at=T0
    )
    given_up = OutboxMessage.objects.create(
        task=record.name, kwargs={"n": 2}, created_at=T0, next_dispatch_at=T0, gave_up_at=T0
    )
    pending = written(record, n=3)

    assert services.forget_done(now=T0 + policy.KEEP_DONE) == 0
    assert services.forget_done(now=T0 + policy.KEEP_DONE + MINUTE) == 1

    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert done.pk not in remaining and {given_up.pk, pending.pk} <= remaining


def test_the_real_refusal_of_a_dead_broker_is_what_the_outbox_waits_out(
    db, django_capture_on_commit_callbacks, time_machine
):
    """No stand-in exception: a Celery app whose Redis refuses connections."""
    import socket

    time_machine.move_to(T0, tick=True)  # the client's timeouts need a clock that moves

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = Celery("dead-broker", broker=f"redis://127.0.0.1:{port}/0", set_as_current=False)
    dead.conf.task_publish_retry = False
    dead.conf.broker_connection_retry = False
    dead.conf.broker_connection_timeout = 0.5

    @dead.task(base=OutboxTask, name="tests.portal.test_outbox.dead_broker_job", shared=False)
    def job(*, n: int) -> None:
        runs.append(n)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue_after_commit(job, n=1)
    dead.close()

    message.refresh_from_db()
    assert runs == [] and message.done_at is None and message.dispatch_count == 0


def test_the_admin_lists_messages_and_changes_none(client, superuser, written, broker_down):
    message = written(record, n=1)
    client.force_login(superuser)

    page = client.get(reverse("admin:outbox_outboxmessage_changelist"), {"state": "pending"})
    assert page.status_code == 200
    assert record.name in page.content.decode()
    assert client.get(reverse("admin:outbox_outboxmessage_change", args=[message.pk])).status_code == 200
    assert client.get(reverse("admin:outbox_outboxmessage_add")).status_code == 403
    assert client.post(reverse("admin:outbox_outboxmessage_delete", args=[message.pk])).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


# --- PostgreSQL: workers and sweeps at once ---------------------------------------------------------
@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_message_run_it_once(broker_down):
    message = services.enqueue_after_commit(slow, n=1)

    run_concurrently(
        lambda: slow.apply(kwargs={"outbox_id": message.pk}),
        lambda: slow.apply(kwargs={"outbox_id": message.pk}),
    )

    assert runs == [1]
    message.refresh_from_db()
    assert message.done_at is not None


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_due_message_once(monkeypatch, broker_down, clock):
    messages = [services.enqueue_after_commit(record, n=n) for n in range(40)]
    sent: list[int] = []
    lock = threading.Lock()

    def send(self, *, kwargs, **options):
        time.sleep(0.01)  # hold the sweep's batch long enough for the other to meet it
        with lock:
            sent.extend(kwargs["outbox_ids"])

    monkeypatch.setattr(OutboxTask, "apply_async", send)
    monkeypatch.setattr(policy, "SWEEP_BATCH_SIZE", 5)
    later = T0 + policy.REDISPATCH_AFTER_MAX

    counts = run_concurrently(
        lambda: services.redispatch_due(now=later), lambda: services.redispatch_due(now=later)
    )

    assert sorted(sent) == sorted(m.pk for m in messages)
    assert sum(counts) == 40


def test_a_broker_messages_jobs_fit_in_the_task_time_limit_even_when_the_payment_provider_hangs(settings):
    # The slowest job: a refund whose every request to the provider times out, plus its retry's pause.
    slowest = settings.STRIPE_TIMEOUT_SECONDS * (1 + settings.STRIPE_MAX_NETWORK_RETRIES) + 1
    assert policy.JOBS_PER_SEND * slowest <= settings.CELERY_TASK_TIME_LIMIT
