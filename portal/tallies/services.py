"""Adding to tallies, the weeks they are kept by, and durations kept as histograms.

Weeks, not days: every figure kept is shown per week or over whole weeks, so a week's row is the
fewest a page can read (12 weeks x a mediator is 12 rows, not 84). Weeks start on Monday in UTC:
a row cannot be cut again for each viewer, and the site's ``TIME_ZONE`` is UTC with no per-user
zone activated, so these are the weeks the pages showed when they counted rows. A site that
changes its time zone rebuilds the tallies (each app's ``tallies.rebuild``).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.db import connection

from portal.querying import sql_names
from portal.tallies.models import Tally

#: The weeks a rolling window spans (the statistics page's period): a figure ranked over a
#: window is kept once per window holding it, so the ranking reads one row per subject.
WINDOW_WEEKS = 12


class Increment(NamedTuple):
    """``n`` more under one tally's key."""

    name: str
    subject: int
    period: date
    bucket: int = 0
    n: int = 1


def week_of(moment: datetime) -> date:
    """The Monday, in UTC, of the week holding ``moment``."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def windows_holding(week: date) -> list[date]:
    """The last weeks of the ``WINDOW_WEEKS``-week windows that hold ``week``."""
    return [week + timedelta(weeks=ahead) for ahead in range(WINDOW_WEEKS)]


def in_windows(name: str, subject: int, moment: datetime, n: int = 1, *, bucket: int = 0) -> list[Increment]:
    """``n`` more (in ``bucket``, for a histogram) in every rolling window holding ``moment``'s
    week."""
    return [Increment(name, subject, last, bucket, n) for last in windows_holding(week_of(moment))]


def add(increments: Iterable[Increment]) -> None:
    """Add ``increments`` to their tallies, in the caller's transaction: one statement for any
    number of them on PostgreSQL (the deadline sweep closes a few hundred disputes at once).

    Increments to one key are summed first, then each sum is inserted as its key's row or, when
    the key has one, added to it (``INSERT ... ON CONFLICT DO UPDATE``): concurrent adders queue
    on the row's lock and none overwrites another, and a key first counted by two transactions
    at once is inserted by one and added to by the other. The rows are taken in key order, so two
    transactions adding to the same keys wait for each other instead of deadlocking; a
    transaction that adds twice (rather than once with everything) could still lock out of order.
    """
    sums: dict[tuple, int] = defaultdict(int)
    for increment in increments:
        sums[increment[:4]] += increment.n
    rows = [(*key, n) for key, n in sorted(sums.items()) if n]
    if not rows:
        return
    # PostgreSQL takes the rows as five arrays; SQLite as five parameters a row, up to its limit.
    per_statement = (connection.features.max_query_params or 5 * len(rows)) // 5
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            cursor.execute(*_upsert(rows[start : start + per_statement]))


def _upsert(rows: list[tuple]) -> tuple[str, list]:
    """The statement adding each (name, subject, period, bucket, n) row's ``n`` to its key's
    tally, and its parameters."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    on_conflict = f"ON CONFLICT (name, subject, period, bucket) DO UPDATE SET n = {table}.n + excluded.n"
    if connection.vendor == "postgresql":
        # One array per column, five parameters: the driver merges each parameter into the
        # statement, and a sweep's group adds hundreds of rows.
        return (
            f"INSERT INTO {table} (name, subject, period, bucket, n) "
            "SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::date[], %s::integer[], %s::bigint[]) "
            f"AS v (name, subject, period, bucket, n) ORDER BY name, subject, period, bucket {on_conflict}",
            [list(column) for column in zip(*rows, strict=True)],
        )
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [
        value
        for name, subject, period, bucket, n in rows
        for value in (name, subject, connection.ops.adapt_datefield_value(period), bucket, n)
    ]
    return f"INSERT INTO {table} (name, subject, period, bucket, n) VALUES {values} {on_conflict}", params


def replace(names: Iterable[str], counts: Mapping[tuple, int], *, model=Tally) -> None:
    """Make the tallies named ``names`` exactly ``counts`` ((name, subject, period, bucket) ->
    n): rebuilding them from the history. ``model`` is a migration's historical ``Tally``."""
    model.objects.filter(name__in=list(names)).delete()
    model.objects.bulk_create(
        (
            model(name=name, subject=subject, period=period, bucket=bucket, n=n)
            for (name, subject, period, bucket), n in sorted(counts.items())
            if n
        ),
        batch_size=2000,
    )


# --- durations --------------------------------------------------------------------------------------
#: Below an hour a duration is kept to the minute, up to this many days to the hour, then by day.
HOURS_UP_TO_DAYS = 30


def duration_bucket(delta: timedelta) -> int:
    """The bucket of a duration, in minutes, at the resolution a mediator reads it
    (``duration_text``): whole minutes below an hour, whole hours below ``HOURS_UP_TO_DAYS``
    days, whole days beyond. Minutes are rounded as the page rounds them, then cut down."""
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return minutes
    if minutes < HOURS_UP_TO_DAYS * 24 * 60:
        return minutes - minutes % 60
    return minutes - minutes % (24 * 60)


def median(histogram: Mapping[int, int]) -> timedelta | None:
    """The median duration of a histogram (bucket in minutes -> how many), none when empty.

    For an odd count the middle bucket: below ``HOURS_UP_TO_DAYS`` days, exactly the figure the
    page shows for the exact median. For an even count the midpoint of the two middle buckets, as
    ``statistics.median`` takes the midpoint of the two middle values; the buckets having cut
    those values to the resolution shown, its figure can be one unit (a minute below an hour, an
    hour above) off the exact median's. Past ``HOURS_UP_TO_DAYS`` days the figure is in whole
    days, without the hours. ``tests/portal/test_tallies.py`` checks both on random samples.
    """
    total = sum(histogram.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle position(s), from 0
    found: list[int] = []
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        while wanted and wanted[0] < seen:
            found.append(bucket)
            wanted.pop(0)
        if not wanted:
            break
    return timedelta(minutes=(found[0] + found[1]) / 2)


def highest_ratios(name: str, per: str, period: date, *, limit: int) -> list[tuple[int, int, int, float]]:
    """The ``limit`` subjects with the most ``name`` per ``per`` in the rolling window ending with
    ``period`` (two window tallies, e.g. a store's disputes opened per order paid), highest first,
    then by the larger count and by subject: ``(subject, n, per's n, ratio)``. A subject without
    ``per`` in the window has no ratio and is left out.

    The two windows' rows are read side by side in subject order from the tally's index and
    joined as they come (a merge join): looking up each subject's ``per`` row on its own took
    11 ms for 2,000 stores at 1M orders, the join 4 ms (issue 17)."""
    counts, count_params = (
        Tally.objects.filter(name=name, period=period, n__gt=0)
        .values_list("subject", "n")
        .order_by()
        .query.sql_with_params()
    )
    pers, per_params = (
        Tally.objects.filter(name=per, period=period, n__gt=0)
        .values_list("subject", "n")
        .order_by()
        .query.sql_with_params()
    )
    sql = (
        "SELECT c.subject, c.n, p.n, CAST(c.n AS DOUBLE PRECISION) / p.n AS ratio"
        f" FROM ({counts}) c INNER JOIN ({pers}) p ON p.subject = c.subject"
        " ORDER BY ratio DESC, c.n DESC, c.subject LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*count_params, *per_params, limit))
        return [tuple(row) for row in cursor.fetchall()]


#: The buckets ``medians`` first sums in groups: 2**11 minutes (about 34 hours of buckets: up to 35
#: hourly ones, or the minute buckets below an hour with 15 hourly ones), and a shift, which rounds
#: down as grouping needs, finds a bucket's group.
GROUP_BITS = 11


def medians(name: str, period: date) -> dict[int, timedelta]:
    """Each subject's :func:`median` of the histogram tally ``name`` keeps for the rolling window
    ending with ``period`` (``in_windows``), worked out by the database in two steps, so only the
    buckets near a subject's middle are counted up, however many buckets the window holds (a
    quarter of decisions fills hundreds per mediator). A subject without rows has no entry.

    First the window's buckets are summed in groups of ``2**GROUP_BITS`` minutes and each
    subject's groups counted up in order, which finds the one or two groups holding its middle
    position(s) and how many durations come before each. Then, for each of those groups, its
    buckets are read again from the tally's index and counted up from there, to the first whose
    count passes each middle position. Counting every bucket up at once took 9.5-12 ms at 1M
    orders over 7,243 rows (21 mediators and the team), the two steps about 6 (issue 17). Each
    sum is an ``integer`` (a window holds far fewer than 2**31 decisions): a sum of ``bigint``
    counts is a ``numeric``, slower to add up."""
    # The quoted names of the columns (the rows read below are ``who``, ``held``, ...).
    table, name_, period_, subject, bucket, n = sql_names(Tally, "name", "period", "subject", "bucket", "n")

    def passing(position: str) -> str:
        """The first bucket of group m whose durations, with those before the group, pass
        ``position``."""
        return (
            f"(SELECT x.bucket FROM (SELECT t.{bucket} AS bucket,"
            f" SUM(CAST(t.{n} AS integer)) OVER (ORDER BY t.{bucket} ROWS UNBOUNDED PRECEDING) AS cum"
            f" FROM {table} t WHERE t.{name_} = %s AND t.{period_} = %s AND t.{subject} = m.subject"
            f" AND t.{bucket} >= m.grp << {GROUP_BITS} AND t.{bucket} < (m.grp + 1) << {GROUP_BITS}) x"
            f" WHERE m.before + x.cum > {position} ORDER BY x.bucket LIMIT 1)"
        )

    sql = (
        "SELECT m.subject, m.before, m.n, m.total,"
        f" {passing('(m.total - 1) / 2')}, {passing('m.total / 2')}"
        " FROM (SELECT subject, grp, n, cum - n AS before, total FROM ("
        " SELECT subject, grp, n,"
        " SUM(n) OVER (PARTITION BY subject ORDER BY grp ROWS UNBOUNDED PRECEDING) AS cum,"
        " SUM(n) OVER (PARTITION BY subject) AS total FROM ("
        f"  SELECT {subject} AS subject, {bucket} >> {GROUP_BITS} AS grp, CAST(SUM({n}) AS integer) AS n"
        f"  FROM {table} WHERE {name_} = %s AND {period_} = %s GROUP BY {subject}, {bucket} >> {GROUP_BITS}"
        " ) grouped) counted WHERE cum > (total - 1) / 2 AND cum - n <= total / 2) m"
    )
    period_value = connection.ops.adapt_datefield_value(period)
    middles: dict[int, dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, period_value] * 3)
        for who, before, held, total, low, high in cursor.fetchall():
            # The group holds the positions before .. before + held - 1 (from 0); the middle
            # ones are (total - 1) // 2 and total // 2, the same position for an odd total.
            for position, middle in (((total - 1) // 2, low), (total // 2, high)):
                if before <= position < before + held:
                    middles[who][position] = middle
    return {
        who: timedelta(minutes=(min(found.values()) + max(found.values())) / 2)
        for who, found in middles.items()
    }
