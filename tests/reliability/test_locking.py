"""Every row lock is taken inside a transaction.

On SQLite ``select_for_update()`` is silently dropped, even outside ``atomic()``, so a service that
forgot its transaction passes every SQLite test and fails on PostgreSQL. This test watches every
locking query while real flows run (outside the test's own transaction) and names any that ran
outside an atomic block, on either database.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models.sql.compiler import SQLCompiler

from disputes import services
from messaging import services as messaging
from orders import services as order_services
from portal import deadlines
from tests.factories import (
    OrderFactory,
    confirm,
    deliver,
    evidence_files,
    image_upload,
    mediator_user,
    open_dispute_for,
    ship,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def locking_queries(monkeypatch) -> list[tuple[str, bool]]:
    """(SQL, ran inside atomic) of every ``SELECT ... FOR UPDATE`` from now on."""
    seen: list[tuple[str, bool]] = []
    original = SQLCompiler.execute_sql

    def watched(self, *args, **kwargs):
        if self.query.select_for_update:
            seen.append((str(self.query)[:200], self.connection.in_atomic_block))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "execute_sql", watched)
    return seen


def test_every_service_that_locks_rows_does_it_inside_a_transaction(
    now, mediators_group, locking_queries, celery_eager
):
    mediator = mediator_user()
    order = OrderFactory(paid_at=now)
    ship(order, at=now + timedelta(days=1))
    order_services.request_protection_extension(
        order=order, buyer=order.buyer, note="Late", now=now + timedelta(days=2)
    )
    order_services.grant_protection_extension(
        order=order, seller=order.store.owner, days=5, now=now + timedelta(days=2)
    )
    messaging.send_message(order=order, sender=order.buyer, body="Hello", photos=[image_upload()], now=now)
    at = now + timedelta(days=8)
    dispute = open_dispute_for(order, at=at)
    services.add_evidence(dispute=dispute, user=order.buyer, files=evidence_files("a.jpg"), note="", now=at)
    services.reject_request(dispute=dispute, seller=order.store.owner, note="No", evidence=[], now=at)
    services.escalate_dispute(dispute=dispute, user=order.buyer, note="Please", now=at)
    services.assign_to_mediator(dispute=dispute, mediator=mediator, now=at)
    services.request_evidence(
        dispute=dispute,
        mediator=mediator,
        party="seller",
        note="Tracking",
        due_at=at + timedelta(days=5),
        now=at,
    )
    services.provide_evidence(dispute=dispute, user=order.store.owner, note="Here", files=[], now=at)
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision=services.Decision.PARTIAL_REFUND,
        amount=Decimal("10.00"),
        note="Half the case",
        now=at,
    )
    services.set_buyer_blacklisted(
        buyer=order.buyer, mediator=mediator, blacklisted=False, reason="Fine", now=at
    )

    other = OrderFactory(paid_at=now)
    deliver(ship(other, at=now + timedelta(days=1)), at=now + timedelta(days=2))
    confirm(other, at=now + timedelta(days=3))
    unshipped = OrderFactory(paid_at=now)
    deadlines.enforce_all(now=now + timedelta(days=60))

    outside = [sql for sql, in_atomic in locking_queries if not in_atomic]
    assert outside == [], "row locks taken outside a transaction:\n" + "\n".join(outside)
    assert len(locking_queries) >= 20, "the flows above should have taken many row locks"
    unshipped.refresh_from_db()
    assert unshipped.state == unshipped.State.CANCELLED
