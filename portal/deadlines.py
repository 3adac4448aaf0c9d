"""The clock: one idempotent sweep over every app's stored deadlines.

Each domain app registers an enforcer ``fn(*, now, share) -> int`` in its ``AppConfig.ready``. The
beat task and ``manage.py enforce_deadlines`` both call :func:`enforce_all`. Enforcers use
:func:`apply_due` so that every due row is claimed under a row lock, re-checked, and changed
inside a transaction it commits with a few dozen others: re-running the sweep, or running two
sweeps at once, never applies a deadline twice, and a sweep that was down for hours catches up
in deadline order. The events and outbox jobs a deadline writes are ordinary rows of its
transaction (``create()``); the jobs go to the broker when it commits (``portal.outbox``).
"""

import functools
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, models, transaction
from django.db.models.functions import Mod

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


@dataclass(frozen=True)
class Share:
    """The rows one of ``parts`` sweepers running side by side takes: those whose buyer's id
    leaves ``part`` when divided by ``parts``. Everything a deadline changes belongs to one
    buyer (their order, dispute, refunds and standing), so the sweepers never wait for each
    other's locks — shared by row instead, two sweepers closing disputes of the same buyer
    would each hold the standing the other needs."""

    part: int = 0
    parts: int = 1

    def of(self, queryset: models.QuerySet, buyer_field: str) -> models.QuerySet:
        """The rows of ``queryset`` in this share; ``buyer_field`` names each row's buyer."""
        if self.parts == 1:
            return queryset
        return queryset.alias(sweep_share=Mod(buyer_field, self.parts)).filter(sweep_share=self.part)


EVERYTHING = Share()


def enforce_all(*, now: datetime, share: Share = EVERYTHING) -> dict[str, int]:
    """Apply every deadline due at ``now``; return how many each enforcer applied.

    Applying a deadline can make another one due at once (a dispute closed by the clock hands
    its order back to the order clock, whose own deadline passed during a long outage), so the
    enforcers run again until a pass finds nothing left: one sweep after a restart catches up.
    """
    applied = dict.fromkeys(_enforcers, 0)
    for _pass in range(MAX_PASSES):
        applied_in_pass = 0
        for name, enforcer in _enforcers.items():
            count = enforcer(now=now, share=share)
            applied[name] += count
            applied_in_pass += count
            if count:
                logger.info("deadline sweep applied %s %s deadline(s)", count, name)
        if not applied_in_pass:
            break
    return applied


def enforce_side_by_side(*, now: datetime, sweepers: int) -> dict[str, int]:
    """Run ``sweepers`` sweeps at once in child processes, each on its :class:`Share`, and add up
    what they applied: a large backlog on PostgreSQL drains about as many times faster as there
    are CPUs. (SQLite writes one transaction at a time: use one sweeper there.)"""
    if sweepers <= 1:
        return enforce_all(now=now)
    connections.close_all()  # each child opens its own connections
    with ProcessPoolExecutor(max_workers=sweepers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_enforce_share, [(now, Share(part, sweepers)) for part in range(sweepers)]))
    return {name: sum(result.get(name, 0) for result in results) for name in _enforcers}


def _enforce_share(job: tuple[datetime, Share]) -> dict[str, int]:
    now, share = job
    try:
        return enforce_all(now=now, share=share)
    finally:
        connections.close_all()


def apply_due(
    *,
    queryset: models.QuerySet,
    now: datetime,
    apply: Callable[[list[models.Model], datetime], object],
    lock: Callable[[list[int]], list[models.Model]],
    batch_size: int,
    due_field: str = "deadline_at",
    per_transaction: int = 1,
    share: Share = EVERYTHING,
    buyer_field: str = "buyer_id",
) -> int:
    """Claim rows of ``queryset`` due at ``now`` in deadline order and ``apply`` each one.

    ``lock(pks)`` must run inside the transaction, lock those rows (skipping rows another sweep
    holds) and return, in deadline order, the ones still due; ``apply(rows, now)`` then changes
    them all (:func:`each` makes it of a function that changes one row). Up to
    ``per_transaction`` rows share a transaction: a backlog of thousands drains in seconds. If
    any row of a group fails, the group is rolled back and its rows are applied one per
    transaction, so one broken row never holds back the others. Batches repeat until nothing
    due is left, so an outage's backlog drains in one run. ``share`` limits the rows to one
    sweeper's part when several run side by side (``buyer_field`` names the row's buyer).
    """
    queryset = share.of(queryset, buyer_field)
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
        pks = [pk for _deadline, pk in batch]
        for start in range(0, len(pks), per_transaction):
            group = pks[start : start + per_transaction]
            applied += _apply_group(group, now=now, apply=apply, lock=lock, model=queryset.model)
        after = batch[-1]


def each(
    apply_one: Callable[[models.Model, datetime], object],
) -> Callable[[list[models.Model], datetime], None]:
    """An ``apply`` for :func:`apply_due` that changes the rows one at a time."""

    def apply(rows: list[models.Model], now: datetime) -> None:
        for row in rows:
            apply_one(row, now)

    return apply


def _apply_group(
    pks: list[int],
    *,
    now: datetime,
    apply: Callable[[list[models.Model], datetime], object],
    lock: Callable[[list[int]], list[models.Model]],
    model: type[models.Model],
) -> int:
    """Apply the due rows among ``pks`` in one transaction, or one per transaction if that fails.

    The group's rows stay locked until it commits (under half a second for a group of 200): a
    party acting on one of them meanwhile waits that long, never longer.
    """
    if len(pks) > 1:
        try:
            with transaction.atomic():
                rows = lock(pks)
                if rows:
                    apply(rows, now)
                return len(rows)
        except Exception:
            logger.warning("deadline sweep: a %s in %s failed; applying them one by one", model.__name__, pks)
    applied = 0
    for pk in pks:
        try:
            with transaction.atomic():
                rows = lock([pk])
                if rows:
                    apply(rows, now)
                    applied += len(rows)
        except Exception:
            # One broken row must not stop every other deadline; it is retried next run.
            logger.exception("deadline sweep could not apply %s pk=%s", model.__name__, pk)
    return applied


def deadline_first(
    *,
    catch_up: Callable[[int, datetime], str],
    subject: str,
    refusals: type[Exception],
    passed: Callable[[str], Exception],
) -> Callable:
    """Make a service apply its object's due deadline before acting, and own its transaction.

    A deadline is authoritative when anyone acts, not only when the sweep runs:
    ``catch_up(pk, now)`` applies the deadline of the object in the service's ``subject`` keyword
    argument if it is due at ``now`` (through the sweep's own code, committed in a transaction of
    its own, so the outcome stands even though the action is then refused) and returns a sentence
    naming it, or ``""``. The service then runs in its own transaction; if one of ``refusals``
    says no after a deadline was applied, ``passed(sentence)`` is raised instead, so the late
    actor learns which deadline passed and what it did.
    """

    def decorate(service: Callable) -> Callable:
        @functools.wraps(service)
        def act(**kwargs):
            sentence = catch_up(kwargs[subject].pk, kwargs["now"])
            try:
                with transaction.atomic():
                    return service(**kwargs)
            except refusals as refusal:
                if sentence:
                    raise passed(sentence) from refusal
                raise

        return act

    return decorate
