"""Rate limits: at most ``limit`` uses per fixed window of time, per scope and key.

Counters are rows in the database (``accounts.RateCounter``), not entries in Django's cache: the
cache is each process's own memory unless ``PORTAL_CACHE_URL`` names a Redis, and a limit kept
there would be multiplied by the number of web processes and forgotten at every restart. The
database is shared by every process already, and a counter raised inside the caller's
transaction is undone with it, so an attempt that fails for another reason (a bad photo, a
refused dispute action) costs nothing. Windows are fixed (aligned to the epoch): a burst across
a window's end can reach twice the limit, the usual price of a counter this simple.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone

from portal.accounts.models import RateCounter

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rate:
    limit: int
    window: timedelta


class RateLimited(Exception):
    """Over the limit; nothing was counted. ``retry_at`` is when the current window ends."""

    def __init__(self, *, scope: str, retry_at: datetime) -> None:
        super().__init__(f"{scope}: over the limit until {retry_at.isoformat()}")
        self.scope = scope
        self.retry_at = retry_at

    @property
    def retry_time(self) -> str:
        """When to try again, "15:40" in the active time zone."""
        return formats.time_format(timezone.localtime(self.retry_at), "H:i")

    @property
    def retry_after_seconds(self) -> int:
        return max(1, int((self.retry_at - timezone.now()).total_seconds()))


def _window_start(now: datetime, window: timedelta) -> datetime:
    return _EPOCH + (now - _EPOCH) // window * window


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def consume(*, scope: str, key: str, rate: Rate, now: datetime, amount: int = 1) -> int:
    """Count ``amount`` more uses of ``scope`` by ``key`` in the window around ``now``.

    Concurrent calls for one key queue on its counter's row lock (the ``UPDATE``), so two
    requests can never both take the last use. The count belongs to the caller's transaction.

    :returns: the uses counted in this window, these included
    :raises RateLimited: they would exceed ``rate.limit``; nothing is counted
    """
    start = _window_start(now, rate.window)
    retry_at = start + rate.window
    if amount > rate.limit:
        raise RateLimited(scope=scope, retry_at=retry_at)
    counter, created = RateCounter.objects.get_or_create(
        scope=scope, key=_digest(key), window_start=start, defaults={"expires_at": retry_at}
    )
    if created:
        # Once per key and window is often enough to keep the table to the live windows.
        RateCounter.objects.filter(expires_at__lte=now).delete()
    RateCounter.objects.filter(pk=counter.pk).update(count=F("count") + amount)
    count = RateCounter.objects.values_list("count", flat=True).get(pk=counter.pk)
    if count > rate.limit:
        raise RateLimited(scope=scope, retry_at=retry_at)
    return count
