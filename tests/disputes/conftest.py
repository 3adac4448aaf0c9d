"""Fixtures the dispute tests share; a module with other times defines its own."""

from datetime import timedelta

import pytest

DAY = timedelta(days=1)


@pytest.fixture
def t0(now):
    """When the dispute in a test is opened: 9 Nov 2026, 12:00 UTC."""
    return now + timedelta(days=8)


@pytest.fixture
def clock(time_machine, t0):
    """The wall clock the views read, stopped a day after the dispute was opened."""
    time_machine.move_to(t0 + DAY, tick=False)
    return time_machine
