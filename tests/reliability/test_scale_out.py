"""The scale-out setup for real: Redis as the broker, PostgreSQL as the database, and a Celery worker
and beat started as subprocesses, enforce an overdue *dispute* deadline end to end.

It extends tests/portal/test_worker_smoke.py (an overdue order, on whatever broker is configured)
and reuses its process helpers. It runs only with ``PORTAL_RUN_INTEGRATION=1``,
``DATABASE_URL=postgres://...`` and ``CELERY_BROKER_URL=redis://...`` (``.ci/run`` starts both
servers on loopback). The worker writes JSON logs, so the task lines are checked too.
"""

import json
import os
import time
import uuid
from pathlib import Path

import pytest

from tests.portal.test_worker_smoke import _manage, _start, _tail, _wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("PORTAL_RUN_INTEGRATION") != "1"
        or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
        or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
        reason="set PORTAL_RUN_INTEGRATION=1, DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...",
    ),
]

CREATE_OVERDUE_DISPUTE = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from disputes import policy as dispute_policy, services
from orders import events, policy, services as order_services
from orders.models import LineItem, Order, Store
from portal.accounts.models import User

number = "{number}"
now = timezone.now()
opened_at = now - dispute_policy.SELLER_RESPONSE_WINDOW - timedelta(minutes=5)
paid_at = opened_at - timedelta(days=8)
seller = User.objects.create_user(f"seller-{{number}}", password="scale-out-test-pass")
buyer = User.objects.create_user(f"buyer-{{number}}", password="scale-out-test-pass")
store = Store.objects.create(owner=seller, name=f"Scale-out store {{number}}")
order = Order(
    number=number, buyer=buyer, store=store, currency="USD", total_paid=Decimal("25.00"),
    ship_to_country="US", paid_at=paid_at, handling_due_at=paid_at + policy.HANDLING_TIME,
)
order.reschedule()
order.save()
item = LineItem.objects.create(order=order, title="Smart plug", quantity=1, unit_price=Decimal("25.00"))
events.order_placed(order=order, at=paid_at)
shipped_at = paid_at + timedelta(days=1)
order = order_services.ship_order(
    order=order, seller=seller, carrier="dhl", tracking_number="LX123456789CN", now=shipped_at
)
claim = services.DisputeClaim(
    reason="not_received", item_received=False, items=[(item, 1)], amount=None,
    with_return=False, description="Nothing arrived.",
)
dispute = services.open_dispute(order=order, buyer=buyer, claim=claim, now=opened_at)
print("due", dispute.state, dispute.deadline_kind, dispute.deadline_at <= now)
"""

READ_DISPUTE = """
from disputes.models import Dispute
dispute = Dispute.objects.select_related("order").get(order__number="{number}")
refund = dispute.refunds.first()
auto = dispute.events.filter(type="auto_resolved").count()
print("state", dispute.state, refund.status if refund else "none", auto, dispute.order.state)
"""


@pytest.fixture
def scale_out_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_DEADLINE_SWEEP_SECONDS="2",
        PORTAL_LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    return env


def _json_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_redis_a_worker_and_beat_refund_the_buyer_when_the_seller_never_answered(scale_out_env, tmp_path):
    number = f"SCALE-{uuid.uuid4().hex[:10]}"
    _manage(scale_out_env, "migrate", "--noinput", "-v", "0")
    created = _manage(
        scale_out_env, "shell", "--no-imports", "-c", CREATE_OVERDUE_DISPUTE.format(number=number)
    )
    assert "due awaiting_seller grant_request True" in created, created

    processes = [
        _start(
            "worker",
            ["worker", "--loglevel=INFO", "--concurrency=2", "--hostname=scale@%h"],
            scale_out_env,
            tmp_path,
        ),
        _start("beat", ["beat", "--loglevel=INFO"], scale_out_env, tmp_path),
    ]
    started = time.monotonic()
    seen = _wait_for(
        "state resolved_buyer paid 1 refunded",
        lambda: _manage(scale_out_env, "shell", "--no-imports", "-c", READ_DISPUTE.format(number=number)),
        processes,
        tmp_path,
    )
    elapsed = time.monotonic() - started

    logs = "\n".join(_tail(tmp_path / f"{name}.log") for name in ("beat", "worker"))
    assert seen == "state resolved_buyer paid 1 refunded", (
        f"after {elapsed:.0f}s the dispute is: {seen}\n{logs}"
    )
    tasks = [line for line in _json_lines(tmp_path / "worker.log") if line.get("logger") == "portal.task"]
    done = {(line["task"], line["state"]) for line in tasks}
    assert ("portal.tasks.enforce_deadlines", "SUCCESS") in done, logs
    assert ("orders.tasks.pay_refund", "SUCCESS") in done, logs
    assert all(isinstance(line["runtime_ms"], float) for line in tasks), tasks
    print(f"dispute deadline enforced by the worker {elapsed:.1f}s after it started")
