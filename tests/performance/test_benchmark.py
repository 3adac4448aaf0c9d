"""The benchmark's measuring parts on a small seeded dataset: it finds its pages, counts their
queries for a large and a small account, and prints its table. (The timed run itself is
``manage.py benchmark --quick``; no timing is asserted here.)"""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from tests.scale.bench import (
    MIX_WEIGHTS,
    TARGETS,
    Benchmark,
    PageResult,
    Report,
    lua_rotation,
    percentile,
    table,
    weighted,
)
from tests.scale.growth import growth
from tests.scale.growth import lines as growth_lines
from tests.scale.pages import Page

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def benchmark():
    call_command(
        "seed_scale", orders=120, disputes=40, buyers=6, stores=3, now=NOW.isoformat(), stdout=StringIO()
    )
    return Benchmark(mode="test", requests=3, sweep_due=5, wrk_seconds=1, wrk_rounds=1, say=lambda line: None)


def test_every_key_page_is_measured_with_the_same_queries_for_a_large_and_a_small_account(benchmark):
    pages = benchmark.pages()
    results = {page.key: benchmark.measure_page(page) for page in pages}

    assert {
        "buyer_orders",
        "buyer_orders_last",
        "buyer_dispute",
        "buyer_conversation",
        "buyer_store_record",
        "seller_orders",
        "seller_inbox",
        "seller_dispute",
        "seller_record",
        "admin_queue",
        "admin_queue_all",
        "admin_queue_search",
        "admin_orders",
        "admin_orders_search",
        "admin_users",
        "admin_standings",
        "admin_appeals",
        "admin_case",
        "admin_statistics",
    } <= results.keys()
    # Lists cost the same for any viewer; a dispute page's count depends on its state (a decided
    # one shows its appeal and dossier), so it is compared across data sizes, not viewers.
    for key in ("buyer_orders", "buyer_store_record", "seller_record", "admin_queue_search", "admin_case"):
        assert results[key].queries == results[key].queries_small, key
    for page in pages:
        assert len(page.views) >= 2
        if page.key != "admin_statistics":  # one page; every view computes it afresh
            assert len(set(page.views)) == len(page.views), page.key
    for result in results.values():
        assert 1 <= result.requests <= 3
        assert result.p50_ms <= result.p95_ms <= result.max_ms


def test_no_timed_view_repeats_one_served_before(benchmark):
    page = next(page for page in benchmark.pages() if page.key == "buyer_dispute")

    viewers = [user.pk for user, _url in page.views]
    urls = [url for _user, url in page.views]

    assert len(set(urls)) == len(urls) == 4  # requests + 1: the first warms up
    assert len(set(viewers)) > 1


def test_the_growth_table_compares_each_page_with_the_smaller_run():
    earlier = {
        "dataset": {"orders": 10_000},
        "pages": [{"key": "k", "label": "Page", "p50_ms": 10.0, "p95_ms": 20.0, "queries": 7}],
    }
    now = [{"key": "k", "label": "Page", "p50_ms": 16.0, "p95_ms": 22.0, "queries": 7, "queries_small": 7}]

    table = growth(now, {"orders": 1_000_000}, earlier)
    text = "\n".join(growth_lines(table))

    assert table["pages"]["k"]["p50_growth"] == 1.6
    assert "10,000 to 1,000,000 orders" in text and "1.60x" in text and "MISSED" in text


def test_the_table_shows_each_figure_next_to_its_target():
    page = PageResult(
        key="buyer_orders",
        label="Buyer: orders list",
        url="/orders/",
        subject="buyer with 9 orders",
        queries=7,
        queries_small=7,
        requests=60,
        p50_ms=8.0,
        p95_ms=12.5,
        max_ms=20.0,
        target_p95_ms=TARGETS["page_p95_ms"],
    )
    rows = {
        "orders": 10,
        "disputes": 2,
        "orders_with_a_deadline_ahead": 3,
        "open_disputes_with_a_deadline_ahead": 1,
    }
    report = Report(
        mode="test",
        generated_at="2026-11-20T09:30:00+00:00",
        machine={"cpus": 2, "load_before": (0.5, 0.5, 0.5), "load_after": (0.6, 0.5, 0.5)},
        database={"vendor": "sqlite", "version": "3"},
        dataset={"orders": 10, "disputes": 2},
        pages=[page.__dict__],
        sweep={
            "due": 100,
            "empty": {"seconds": 0.2, "deadlines_per_s": 500.0, "rows_not_due": rows},
            "loaded": {"seconds": 0.22, "deadlines_per_s": 454.5, "rows_not_due": rows},
            "slowdown": 1.1,
        },
        web={
            "server": "gunicorn",
            "load": "wrk",
            "mixed": "400 distinct views",
            "bare_rps": 400.0,
            "mixed_rps": 220.0,
            "mixed_p99": "80ms",
            "ratio": 0.55,
            "flat": "120 distinct views",
            "flat_rps": 100.0,
            "flat_p99": "120ms",
            "flat_ratio": 0.25,
        },
    )

    text = "\n".join(table(report))

    assert "Buyer: orders list" in text and "7 / 7" in text and "12.5" in text
    assert "max ms" in text and text.splitlines()[3].split()[-2:] == ["ok", "20.0"]  # the slowest view
    assert "slowdown 1.10x" in text and "MISSED" in text  # 454.5/s is under the 500/s target
    assert "weighted mix 220 req/s" in text and "55%" in text
    assert "flat mix 100 req/s (p99 120ms): 25% of the bare view" in text


def test_percentiles_come_from_the_sorted_timings():
    timings = [float(n) for n in range(1, 101)]

    assert percentile(timings, 0.5) in (50.0, 51.0)
    assert percentile(timings, 0.95) in (95.0, 96.0)


def test_the_weighted_mix_keeps_every_view_in_the_audiences_proportions():
    pages = [
        Page(key, key, "", [(f"{key}-viewer-{n}", f"/{key}/{n}") for n in range(views)])
        for key, views in [("buyer_a", 4), ("buyer_b", 3), ("seller_a", 5), ("admin_a", 6), ("admin_b", 2)]
    ]

    order = weighted(pages)

    per_round = sum(MIX_WEIGHTS.values())
    assert len(order) % per_round == 0
    assert {url for _viewer, url in order} == {url for page in pages for _viewer, url in page.views}
    audience = {url: page.audience for page in pages for _viewer, url in page.views}
    for start in range(0, len(order), per_round):
        counts = {who: 0 for who in MIX_WEIGHTS}
        for _viewer, url in order[start : start + per_round]:
            counts[audience[url]] += 1
        assert counts == MIX_WEIGHTS
    # The lightest audience's views come once each, in turn across its pages.
    console = [url for _viewer, url in order if audience[url] == "mediators"]
    assert console[:4] == ["/admin_a/0", "/admin_b/0", "/admin_a/1", "/admin_b/1"]
    assert len(console) == 8


def test_a_rotation_begins_where_the_previous_run_stopped():
    """Each wrk run of a round starts at the view after the last one served, never at the first
    again, so no timed response repeats one an earlier round served."""
    views = [(f"/page/{n}", f"sessionid=s{n}") for n in range(5)]

    script = lua_rotation(views, start=3)

    # wrk calls request() for each request; it advances ``i`` (1-based) before reading views[i].
    first = int(script.split("local i = ", 1)[1].split("\n", 1)[0]) % len(views) + 1
    assert script.count('{"/page/') == 5
    assert f'{{"/page/{first - 1}", "sessionid=s{first - 1}"}}' in script
    assert first - 1 == 3
    assert "local i = 0" in lua_rotation(views)
