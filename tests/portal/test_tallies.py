"""The kernel's tallies: adding sums per key in one statement, and medians read from histograms
at the resolution the statistics page shows."""

import statistics
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.admin.statistics import duration_text
from portal.tallies.models import Tally
from portal.tallies.services import (
    HOURS_UP_TO_DAYS,
    WINDOW_WEEKS,
    Increment,
    add,
    duration_bucket,
    highest_ratios,
    median,
    medians,
    week_of,
    windows_holding,
)

MONDAY = date(2026, 12, 14)


def tallies() -> dict[tuple, int]:
    return {(t.name, t.subject, t.period, t.bucket): t.n for t in Tally.objects.filter(name__startswith="t.")}


@pytest.mark.django_db
def test_increments_to_one_key_add_up_and_new_keys_start_from_nothing():
    add([Increment("t.a", 0, MONDAY), Increment("t.a", 0, MONDAY, 0, 2), Increment("t.b", 7, MONDAY, 60)])
    add([Increment("t.a", 0, MONDAY, 0, 3), Increment("t.c", 0, MONDAY, 0, 0)])

    assert tallies() == {("t.a", 0, MONDAY, 0): 6, ("t.b", 7, MONDAY, 60): 1}


@pytest.mark.django_db
def test_adding_costs_one_statement_however_many_keys_and_none_for_nothing():
    # (SQLite splits the statement past 999 parameters, 199 keys; PostgreSQL never does.)
    add([Increment("t.a", subject, MONDAY) for subject in range(3)])
    many = [
        Increment("t.a", subject, MONDAY - timedelta(weeks=w)) for subject in range(15) for w in range(12)
    ]

    with CaptureQueriesContext(connection) as queries:
        add(many)
    with CaptureQueriesContext(connection) as nothing:
        add([Increment("t.a", 0, MONDAY, 0, 0)])

    assert len(queries) == 1 and len(nothing) == 0
    assert sum(tallies().values()) == 3 + 180


def test_weeks_start_on_monday_in_utc_and_a_week_sits_in_the_windows_that_follow_it():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert week_of(datetime(2026, 12, 20, 23, 59, tzinfo=UTC)) == MONDAY
    # Monday 00:30 in Berlin is still Sunday in UTC: the week before.
    assert week_of(datetime(2026, 12, 14, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))) == MONDAY - timedelta(
        weeks=1
    )
    windows = windows_holding(MONDAY)
    assert len(windows) == WINDOW_WEEKS and windows[0] == MONDAY
    assert windows[-1] == MONDAY + timedelta(weeks=WINDOW_WEEKS - 1)


def histogram(durations: list[timedelta]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for duration in durations:
        counts[duration_bucket(duration)] = counts.get(duration_bucket(duration), 0) + 1
    return counts


def shown_minutes(delta: timedelta) -> int:
    """The figure ``duration_text`` shows, in minutes (it shows whole minutes below an hour,
    whole hours above)."""
    minutes = round(delta.total_seconds() / 60)
    return minutes if minutes < 60 else minutes - minutes % 60


BELOW_THE_DAYS_LIMIT = st.lists(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=HOURS_UP_TO_DAYS) - timedelta(hours=1)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(BELOW_THE_DAYS_LIMIT.filter(lambda sample: len(sample) % 2 == 1))
def test_an_odd_samples_histogram_median_is_the_exact_median_as_the_page_shows_it(durations):
    assert duration_text(median(histogram(durations))) == duration_text(statistics.median(durations))


@settings(max_examples=400, deadline=None)
@given(BELOW_THE_DAYS_LIMIT.filter(lambda sample: len(sample) % 2 == 0))
def test_an_even_samples_histogram_median_is_at_most_one_unit_off_the_exact_one(durations):
    """The midpoint of the two middle buckets, not of the two middle values: a minute off below
    an hour, an hour off above (never more)."""
    from_histogram = shown_minutes(median(histogram(durations)))
    exact = shown_minutes(statistics.median(durations))
    unit = 1 if max(from_histogram, exact) < 60 else 60

    assert abs(from_histogram - exact) <= unit


def test_past_the_days_limit_the_median_is_in_whole_days():
    durations = [timedelta(days=HOURS_UP_TO_DAYS + 5, hours=7)]

    assert duration_text(statistics.median(durations)) == f"{HOURS_UP_TO_DAYS + 5} days 7 hours"
    assert duration_text(median(histogram(durations))) == f"{HOURS_UP_TO_DAYS + 5} days"


def test_an_empty_histogram_has_no_median():
    assert median({}) is None and median({5: 0}) is None


@pytest.mark.django_db
@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.integers(min_value=1, max_value=4),  # subjects
        st.lists(
            st.tuples(
                st.integers(0, 2),
                # Around the edges of the groups medians sums first (2**11 minutes), far apart
                # (a month, two), anywhere, and below zero (a clock set back).
                st.one_of(
                    st.sampled_from(
                        [-60, -1, 0, 5, 59, 60, 120, 1440, 2047, 2048, 2880, 4095, 4096, 43200, 86400]
                    ),
                    st.integers(0, 200_000),
                ),
                st.integers(1, 4),
            ),
            min_size=1,
            max_size=12,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_the_database_reads_each_subjects_median_from_its_middle_buckets_as_median_does(histograms):
    # One window's histograms of several subjects, each added to in several steps (the same
    # bucket added to again adds up), and other windows' rows, which the window's medians ignore.
    Tally.objects.filter(name__in=["t.took", "t.other"]).delete()
    summed: dict[int, dict[int, int]] = {}
    for subject, rows in histograms.items():
        summed[subject] = {}
        for week, bucket, n in rows:
            add([Increment("t.took", subject, MONDAY, bucket, n)])
            add([Increment("t.took", subject, MONDAY + timedelta(weeks=week + 1), bucket + 7, n)])
            summed[subject][bucket] = summed[subject].get(bucket, 0) + n
            # Another histogram's rows under the same subject and window, ignored too.
            add([Increment("t.other", subject, MONDAY, bucket, 5)])
    add([Increment("t.took", 99, MONDAY - timedelta(weeks=1), 30)])
    with CaptureQueriesContext(connection) as captured:
        found = medians("t.took", MONDAY)

    assert len(captured.captured_queries) == 1
    assert found == {subject: median(histogram) for subject, histogram in summed.items()}


@pytest.mark.django_db
def test_the_highest_ratios_rank_one_windows_counts_per_anothers_and_leave_out_subjects_without_any():
    week = MONDAY
    add(
        [
            *(
                Increment("t.disputes", subject, week, 0, n)
                for subject, n in [(1, 2), (2, 4), (3, 1), (4, 3), (5, 5), (8, 3)]
            ),
            # Subject 4 has no orders in the window, subject 5 none at all: no ratio.
            *(
                Increment("t.orders", subject, week, 0, n)
                for subject, n in [(1, 10), (2, 20), (3, 5), (4, 0), (8, 5)]
            ),
            # Other windows and subjects without disputes are not ranked.
            Increment("t.disputes", 6, week - timedelta(weeks=1), 0, 9),
            Increment("t.orders", 6, week, 0, 1),
            Increment("t.orders", 7, week, 0, 1),
        ]
    )

    ranked = highest_ratios("t.disputes", "t.orders", week, limit=10)

    # The highest first; three at 0.2, the larger count first, then by subject.
    assert [row[:3] for row in ranked] == [(8, 3, 5), (2, 4, 20), (1, 2, 10), (3, 1, 5)]
    assert [row[3] for row in ranked] == pytest.approx([0.6, 0.2, 0.2, 0.2])
    assert highest_ratios("t.disputes", "t.orders", week, limit=2) == ranked[:2]
