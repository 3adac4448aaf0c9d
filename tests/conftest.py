"""Personas and the injected clock."""

from datetime import UTC, datetime

import pytest

from tests.factories import OrderFactory, StoreFactory, UserFactory, mediator_user


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
