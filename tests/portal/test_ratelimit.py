"""Rate limits: counted in the database, per scope and key, in fixed windows, inside the caller's
transaction."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from portal import ratelimit
from portal.accounts.models import RateCounter
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently

RATE = ratelimit.Rate(limit=3, window=timedelta(minutes=10))
AT = datetime(2026, 11, 1, 12, 4, tzinfo=UTC)


def use(key: str = "user:1", *, now: datetime = AT, amount: int = 1, scope: str = "message") -> int:
    return ratelimit.consume(scope=scope, key=key, rate=RATE, now=now, amount=amount)


def counted(key: str = "user:1", scope: str = "message") -> int:
    return sum(
        RateCounter.objects.filter(scope=scope, key=ratelimit._digest(key)).values_list("count", flat=True)
    )


@pytest.mark.django_db
def test_uses_are_counted_up_to_the_limit_and_the_next_is_refused_uncounted():
    assert [use(), use(), use()] == [1, 2, 3]

    with pytest.raises(ratelimit.RateLimited) as refused:
        use()

    assert counted() == 3
    assert refused.value.retry_at == datetime(2026, 11, 1, 12, 10, tzinfo=UTC)


@pytest.mark.django_db
def test_several_uses_at_once_are_refused_whole_when_they_do_not_fit():
    use(amount=2)

    with pytest.raises(ratelimit.RateLimited):
        use(amount=2)

    assert counted() == 2
    assert use(amount=1) == 3


@pytest.mark.django_db
def test_each_key_and_scope_has_its_own_count():
    use(amount=3)

    assert use("user:2") == 1
    assert use(scope="evidence") == 1


@pytest.mark.django_db
def test_the_next_window_starts_from_zero_and_old_windows_are_purged():
    use(amount=3)

    assert use(now=AT + timedelta(minutes=6)) == 1
    assert RateCounter.objects.filter(window_start__lt=datetime(2026, 11, 1, 12, 10, tzinfo=UTC)).count() == 0


@pytest.mark.django_db
def test_a_use_in_a_transaction_that_is_rolled_back_is_not_counted():
    with pytest.raises(RuntimeError), transaction.atomic():
        use(amount=2)
        raise RuntimeError("the photo was broken")

    assert counted() == 0


@pytest.mark.django_db
def test_the_retry_time_is_shown_in_the_active_time_zone():
    from django.utils import timezone

    error = ratelimit.RateLimited(scope="message", retry_at=datetime(2026, 11, 1, 12, 10, tzinfo=UTC))

    with timezone.override("Europe/Moscow"):
        assert error.retry_time == "15:10"


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_uses_never_take_more_than_the_limit():
    def attempt():
        try:
            with transaction.atomic():
                return use("user:race")
        except ratelimit.RateLimited:
            return "refused"

    results = run_concurrently(*[attempt] * 8)

    assert sorted(r for r in results if r != "refused") == [1, 2, 3]
    assert results.count("refused") == 5
    assert counted("user:race") == 3
