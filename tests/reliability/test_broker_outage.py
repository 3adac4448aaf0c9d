"""The broker is down for hours while people act: nothing is lost and nothing is sent twice.

The buyer opens a dispute with a photo, the seller counter-offers, the buyer accepts and is owed a
refund, all while every send to the broker fails as Celery's does when Redis refuses connections.
Each action succeeds, and its jobs wait in the outbox. Then the broker comes back and the sweep
runs: each e-mail arrives exactly once, the refund is paid once, the photo gets its copies; the
next sweep sends nothing more. Real commits, so jobs leave exactly when production's would.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from disputes import services
from disputes.models import Dispute, Evidence
from orders.models import Refund
from portal.outbox import policy
from portal.outbox.models import OutboxMessage
from portal.outbox.tasks import OutboxTask
from portal.tasks import enforce_deadlines
from tests.factories import OrderFactory, open_dispute_for, ship, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def broker(monkeypatch):
    """``broker.down()`` makes every send raise as a refused connection does; ``broker.up()``."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    class Broker:
        def down(self) -> None:
            monkeypatch.setattr(OutboxTask, "apply_async", refuse)

        def up(self) -> None:
            monkeypatch.undo()

    return Broker()


def pending(tasks_of: set[int]) -> Counter:
    return Counter(
        m.task
        for m in OutboxMessage.objects.filter(pk__in=tasks_of, done_at__isnull=True, gave_up_at__isnull=True)
    )


def test_a_broker_outage_of_hours_loses_no_email_and_sends_none_twice(time_machine, broker, flaky_provider):
    time_machine.move_to(T0, tick=False)
    order = shipped_order(paid_at=T0 - 8 * 24 * HOUR)
    buyer, seller = order.buyer, order.store.owner
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    mail.outbox.clear()

    broker.down()
    dispute = open_dispute_for(order, at=T0, reason=Dispute.Reason.DAMAGED)
    time_machine.move_to(T0 + HOUR, tick=False)
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("20.00"),
        with_return=False,
        note="Half back, keep it",
        evidence=[],
        now=T0 + HOUR,
    )
    time_machine.move_to(T0 + 2 * HOUR, tick=False)
    services.accept_offer(dispute=dispute, buyer=buyer, now=T0 + 2 * HOUR)

    # Every action stood (the other 40.00 stays in escrow: no payment to the seller yet); nothing
    # reached anyone; every job waits in the outbox, none counted sent.
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.RESOLVED_BUYER
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.PENDING and flaky_provider.calls == 0
    assert Evidence.objects.get(dispute=dispute).status == Evidence.Status.PROCESSING
    assert mail.outbox == []
    ours = set(OutboxMessage.objects.values_list("pk", flat=True)) - before
    assert pending(ours) == Counter(
        {
            "portal.notifications.tasks.notify_event": 3,
            "orders.tasks.pay_refund": 1,
            "disputes.tasks.process_evidence": 1,
        }
    )
    assert set(OutboxMessage.objects.filter(pk__in=ours).values_list("dispatch_count", flat=True)) == {0}

    # Hours later the sweep runs while the broker is still down: it sends nothing, counts nothing.
    time_machine.move_to(T0 + 5 * HOUR, tick=False)
    enforce_deadlines()
    assert mail.outbox == [] and len(pending(ours)) == 3
    assert set(OutboxMessage.objects.filter(pk__in=ours).values_list("dispatch_count", flat=True)) == {0}

    # The broker is back; the next tick sends everything, and the workers run it.
    broker.up()
    time_machine.move_to(T0 + 6 * HOUR, tick=False)
    enforce_deadlines()

    sent = Counter((message.to[0], message.subject) for message in mail.outbox)
    case, number = dispute.reference, order.number
    assert sent == {
        (seller.email, f"Dispute {case} opened on order {number}"): 1,
        (buyer.email, f"Dispute {case}: the seller made a counter-offer"): 1,
        (seller.email, f"Dispute {case}: the buyer accepted the offer"): 1,
        (buyer.email, f"Refund paid on order {number}"): 1,
    }
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID and flaky_provider.calls == 1
    assert Evidence.objects.get(dispute=dispute).status == Evidence.Status.READY
    ours = set(OutboxMessage.objects.values_list("pk", flat=True)) - before
    assert pending(ours) == Counter()

    # Another tick, and a day later another: nothing more is sent.
    emails = len(mail.outbox)
    time_machine.move_to(T0 + 7 * HOUR, tick=False)
    enforce_deadlines()
    time_machine.move_to(T0 + 30 * HOUR + policy.REDISPATCH_AFTER_MAX, tick=False)
    enforce_deadlines()
    assert len(mail.outbox) == emails
    refund.refresh_from_db()
    assert flaky_provider.calls == 1


def test_an_action_that_rolls_back_leaves_no_job_to_send(time_machine, broker):
    time_machine.move_to(T0, tick=False)
    order = OrderFactory(paid_at=T0 - HOUR)
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    broker.down()

    with pytest.raises(RuntimeError), transaction.atomic():
        ship(order, at=T0)
        assert set(OutboxMessage.objects.values_list("pk", flat=True)) - before
        raise RuntimeError("the shipping form's next step failed")

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == before
    broker.up()
    time_machine.move_to(T0 + policy.REDISPATCH_AFTER_MAX, tick=False)
    enforce_deadlines()
    assert mail.outbox == []
