"""Shared helpers of the reliability tests: PostgreSQL detection, concurrent runs, restored groups."""

import importlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite has no row locks to race on",
)


def run_concurrently(*actions: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run each action in its own thread (and so its own database connection), all released at
    once by a barrier; return what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a), daemon=True) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent action did not finish: a lock was never released"
    return results


@pytest.fixture
def mediators_group(transactional_db):
    """A transactional test starts from whatever the previous one's flush left: the Mediators
    group and its permissions come from a data migration, so put them back."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from portal.accounts.roles import MEDIATORS_GROUP

    for migration_module, function in (
        ("disputes.migrations.0003_mediators_group", "create_group"),
        ("messaging.migrations.0002_mediators_read_conversations", "grant"),
    ):
        getattr(importlib.import_module(migration_module), function)(apps, None)
    return Group.objects.get(name=MEDIATORS_GROUP)
