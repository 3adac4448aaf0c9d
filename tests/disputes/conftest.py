"""Fixtures the dispute tests share; a module with other times defines its own."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from tests.disputes.test_admin import escalated_dispute
from tests.factories import OrderFactory, StoreFactory, mediator_user

DAY = timedelta(days=1)
#: The statistics tests' now, a Wednesday: this week began on Monday 14 December.
T = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)
STATS = reverse("admin:disputes_dispute_statistics")


@pytest.fixture
def t0(now):
    """When the dispute in a test is opened: 9 Nov 2026, 12:00 UTC."""
    return now + timedelta(days=8)


@pytest.fixture
def clock(time_machine, t0):
    """The wall clock the views read, stopped a day after the dispute was opened."""
    time_machine.move_to(t0 + DAY, tick=False)
    return time_machine


def case(store, *, escalated_at: datetime, amount=Decimal("60.00")):
    """A case in mediation in ``store``, escalated at ``escalated_at``."""
    order = OrderFactory(store=store, paid_at=escalated_at - 10 * DAY)
    return escalated_dispute(order, at=escalated_at, amount=amount)


@pytest.fixture
def team(db):
    """Three decisions (two for the buyer), one overdue case, and two stores of different rates."""
    mediator = mediator_user(username="dora_decider")
    busy = StoreFactory(name="Busy Bazaar")
    calm = StoreFactory(name="Calm Corner")
    for _ in range(3):
        OrderFactory(store=calm)
    full = case(busy, escalated_at=T - 10 * DAY)
    rejected = case(busy, escalated_at=T - 10 * DAY)
    partial = case(calm, escalated_at=T - 3 * DAY)
    overdue = case(busy, escalated_at=T - 9 * DAY)
    for dispute, decision, amount, at in [
        (full, services.Decision.FULL_REFUND, None, T - 8 * DAY),
        (rejected, services.Decision.REJECT, None, T - 6 * DAY),
        (partial, services.Decision.PARTIAL_REFUND, Decimal("10.00"), T - 2 * DAY),
    ]:
        services.decide_dispute(
            dispute=dispute, mediator=mediator, decision=decision, amount=amount, note="Reason", now=at
        )
    return {"busy": busy, "calm": calm, "overdue": overdue}
