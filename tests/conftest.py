"""Personas and the injected clock."""

from datetime import UTC, datetime

import pytest

from tests.factories import FlakyPaymentProvider, OrderFactory, StoreFactory, UserFactory, mediator_user


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the dispute page's copies live there)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def buyer(db):
    return UserFactory(username="bella_buyer", first_name="Bella")


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="oscar_other", first_name="Oscar")


@pytest.fixture
def store(db):
    return StoreFactory(owner=UserFactory(username="sam_seller", first_name="Sam"), name="Sam's Gadgets")


@pytest.fixture
def seller(store):
    return store.owner


@pytest.fixture
def other_store(db):
    return StoreFactory(owner=UserFactory(username="olga_seller", first_name="Olga"), name="Olga's Outlet")


@pytest.fixture
def other_seller(other_store):
    return other_store.owner


@pytest.fixture
def mediator(db):
    return mediator_user(username="maria_mediator", first_name="Maria")


@pytest.fixture
def staff_non_mediator(db):
    return UserFactory(username="stan_staff", is_staff=True)


@pytest.fixture
def order(buyer, store, now):
    return OrderFactory(buyer=buyer, store=store, paid_at=now)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process the moment they are queued, raising their errors."""
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def flaky_provider(monkeypatch) -> FlakyPaymentProvider:
    """The payment provider the refund services use; set ``failures_left`` to simulate an outage,
    ``refusals_left`` a refusal."""
    provider = FlakyPaymentProvider()
    monkeypatch.setattr("orders.refunds.get_provider", lambda: provider)
    return provider


@pytest.fixture
def broken_order_deadline(monkeypatch):
    """``break_(order)`` makes applying that order's deadline fail after it changed the order (as
    a provider SDK blowing up would), so only the rollback can undo it; ``break_(None)`` mends it."""
    from orders.services import clock

    apply = clock.apply_order_deadlines

    def break_(broken) -> None:
        def apply_unless_broken(orders, at):
            apply(orders, at)
            if broken is not None and any(order.pk == broken.pk for order in orders):
                raise RuntimeError("provider SDK exploded")

        monkeypatch.setattr(clock, "apply_order_deadlines", apply_unless_broken)

    return break_
