"""The clock for real: a Celery worker and beat, started as subprocesses, cancel an overdue order.

Slow and process-spawning, so it runs only when ``PORTAL_RUN_INTEGRATION=1`` (``.ci/run`` sets it).
It uses whatever broker and database the environment names: by default the embedded ones
(a ``filesystem://`` broker and SQLite under a temporary ``PORTAL_VAR_DIR``); with
``CELERY_BROKER_URL=redis://...`` and ``DATABASE_URL=postgres://...`` the scale-out ones.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("PORTAL_RUN_INTEGRATION") != "1", reason="set PORTAL_RUN_INTEGRATION=1 to run"
    ),
]

CREATE_OVERDUE_ORDER = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from orders import events, policy
from orders.models import LineItem, Order, Store
from portal.accounts.models import User

number = "{number}"
paid_at = timezone.now() - policy.HANDLING_TIME - timedelta(hours=1)
seller = User.objects.create_user(f"seller-{{number}}", password="smoke-test-pass")
buyer = User.objects.create_user(f"buyer-{{number}}", password="smoke-test-pass")
store = Store.objects.create(owner=seller, name=f"Smoke store {{number}}")
order = Order(
    number=number, buyer=buyer, store=store, currency="USD", total_paid=Decimal("25.00"),
    ship_to_country="US", paid_at=paid_at, handling_due_at=paid_at + policy.HANDLING_TIME,
)
order.reschedule()
order.save()
LineItem.objects.create(order=order, title="Smoke detector", quantity=1, unit_price=Decimal("25.00"))
events.order_placed(order=order, at=paid_at)
print("due", order.deadline_kind, order.deadline_at.isoformat())
"""

READ_ORDER = """
from orders.models import Order
order = Order.objects.get(number="{number}")
refund = order.refunds.first()
print("state", order.state, refund.status if refund else "none")
"""


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _start(name: str, args: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen:
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own process group, so the worker's pool children are stopped with it.
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name}: no output)"
    return f"--- {path.name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _wait_for(expected: str, read: Callable[[], str], processes: list[subprocess.Popen], logs: Path) -> str:
    """Poll ``read()`` until it says ``expected`` or WAIT_SECONDS pass, failing at once if a
    Celery process died; the processes are stopped either way. Returns what was last read."""
    seen = ""
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            seen = read().strip()
            if seen == expected:
                break
            for process in processes:
                assert process.poll() is None, f"a Celery process exited early\n{_tail(logs / 'worker.log')}"
            time.sleep(1)
    finally:
        for process in processes:
            _stop(process)
    return seen


@pytest.fixture
def clock_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_DEADLINE_SWEEP_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    broker = tmp_path / "var" / "broker"
    for folder in ("queue", "control", "processed"):
        (broker / folder).mkdir(parents=True, exist_ok=True)
    return env


def test_a_real_worker_and_beat_cancel_an_order_past_its_handling_time_and_pay_the_refund(
    clock_env, tmp_path
):
    number = f"SMOKE-{uuid.uuid4().hex[:10]}"
    _manage(clock_env, "migrate", "--noinput", "-v", "0")
    assert "due auto_cancel" in _manage(
        clock_env, "shell", "--no-imports", "-c", CREATE_OVERDUE_ORDER.format(number=number)
    )

    processes = [
        _start(
            "worker",
            ["worker", "--loglevel=INFO", "--concurrency=1", "--hostname=smoke@%h"],
            clock_env,
            tmp_path,
        ),
        _start("beat", ["beat", "--loglevel=INFO"], clock_env, tmp_path),
    ]
    seen = _wait_for(
        "state cancelled paid",
        lambda: _manage(clock_env, "shell", "--no-imports", "-c", READ_ORDER.format(number=number)),
        processes,
        tmp_path,
    )

    logs = "\n".join(_tail(tmp_path / f"{name}.log") for name in ("beat", "worker"))
    assert seen == "state cancelled paid", f"after {WAIT_SECONDS}s the order is still: {seen}\n{logs}"
    beat_log = (tmp_path / "beat.log").read_text(errors="replace")
    worker_log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "Sending due task enforce-deadlines" in beat_log, logs
    assert "portal.tasks.enforce_deadlines" in worker_log and "orders.tasks.pay_refund" in worker_log, logs
