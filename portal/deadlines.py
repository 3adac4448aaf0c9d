"""The clock: one idempotent sweep over every app's stored deadlines.

Each domain app registers an enforcer ``fn(*, now) -> int`` in its ``AppConfig.ready``. The
beat task and ``manage.py enforce_deadlines`` both call :func:`enforce_all`. Enforcers use
:func:`apply_due` so that every due row is claimed under a row lock, re-checked, and changed
in its own transaction: re-running the sweep, or running two sweeps at once, never applies a
deadline twice, and a sweep that was down for hours catches up in deadline order.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import models, transaction

logger = logging.getLogger(__name__)

Enforcer = Callable[..., int]
_enforcers: dict[str, Enforcer] = {}


def register(name: str, enforcer: Enforcer) -> None:
    """Add an app's deadline enforcer to the sweep (idempotent by name)."""
    _enforcers[name] = enforcer


def registered() -> dict[str, Enforcer]:
    return dict(_enforcers)


#: Passes one sweep makes at most; see :func:`enforce_all`.
MAX_PASSES = 5


def enforce_all(*, now: datetime) -> dict[str, int]:
    """Apply every deadline due at ``now``; return how many each enforcer applied.

    Applying a deadline can make another one due at once (a dispute closed by the clock hands
    its order back to the order clock, whose own deadline passed during a long outage), so the
    enforcers run again until a pass finds nothing left: one sweep after a restart catches up.
    """
    applied = dict.fromkeys(_enforcers, 0)
    for _pass in range(MAX_PASSES):
        applied_in_pass = 0
        for name, enforcer in _enforcers.items():
            count = enforcer(now=now)
            applied[name] += count
            applied_in_pass += count
            if count:
                logger.info("deadline sweep applied %s %s deadline(s)", count, name)
        if not applied_in_pass:
            break
    return applied


def apply_due(
    *,
    queryset: models.QuerySet,
    now: datetime,
    apply: Callable[[models.Model, datetime], object],
    lock: Callable[[int], models.Model | None],
    batch_size: int,
    due_field: str = "deadline_at",
) -> int:
    """Claim rows of ``queryset`` due at ``now`` in deadline order and ``apply`` each one.

    ``lock(pk)`` must run inside the transaction, lock the row (skipping rows another sweep
    holds) and return it only if it is still due; ``apply(row, now)`` then changes it.
    Batches repeat until nothing due is left, so an outage's backlog drains in one run.
    """
    applied = 0
    after: tuple[datetime, int] | None = None
    while True:
        due = queryset.filter(**{f"{due_field}__lte": now})
        if after is not None:
            # Keyset paging: a row skipped because another sweep holds it is not fetched again.
            due = due.filter(
                models.Q(**{f"{due_field}__gt": after[0]})
                | models.Q(**{due_field: after[0], "pk__gt": after[1]})
            )
        batch = list(due.order_by(due_field, "pk").values_list(due_field, "pk")[:batch_size])
        if not batch:
            return applied
        for _deadline, pk in batch:
            try:
                with transaction.atomic():
                    row = lock(pk)
                    if row is None:
                        continue
                    apply(row, now)
                    applied += 1
            except Exception:
                # One broken row must not stop every other deadline; it is retried next run.
                logger.exception("deadline sweep could not apply %s pk=%s", queryset.model.__name__, pk)
        after = batch[-1]
