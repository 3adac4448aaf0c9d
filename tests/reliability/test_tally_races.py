"""Two transactions adding to the same tallies at once, on PostgreSQL (``portal.tallies.add``,
one ``INSERT ... ON CONFLICT DO UPDATE``): nothing added is lost, and adders wait for each other
in key order instead of deadlocking."""

import time
from datetime import date

import pytest
from django.db import transaction

from portal.tallies.models import Tally
from portal.tallies.services import Increment, add
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently
from tests.reliability.test_races import HOLD, later

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

WEEK = date(2026, 12, 7)
A, B = Increment("race.a", 1, WEEK), Increment("race.b", 1, WEEK)


def counts() -> dict[str, int]:
    return dict(Tally.objects.filter(name__startswith="race.").values_list("name", "n"))


def adding(*steps: list[Increment]):
    """One transaction adding each step's increments in turn, holding its locks between them."""

    def run():
        with transaction.atomic():
            for index, step in enumerate(steps):
                if index:
                    time.sleep(HOLD)
                add(step)

    return run


def test_two_transactions_counting_the_same_new_keys_at_once_lose_nothing():
    results = run_concurrently(adding([A, B], []), later(adding([A._replace(n=2), B._replace(n=5)])))

    assert not any(isinstance(result, Exception) for result in results), results
    assert counts() == {"race.a": 3, "race.b": 6}


def test_an_adder_given_keys_out_of_order_waits_in_key_order_instead_of_deadlocking():
    # The first holds "a" while it goes on to "b"; the second, given "b" first, must wait at "a"
    # before it takes "b", or each would hold the key the other waits for.
    results = run_concurrently(adding([A], [B]), later(adding([B, A])))

    assert not any(isinstance(result, Exception) for result in results), results
    assert counts() == {"race.a": 2, "race.b": 2}
