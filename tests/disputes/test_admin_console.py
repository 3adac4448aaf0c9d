"""The console's home page counts, and the statistics page's mediators, chart and wording."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from disputes import services
from disputes.admin.selectors import team_statistics
from disputes.admin.statistics import MEDIATOR_COLUMNS, decisions_chart, duration_text, mediator_rows
from disputes.models import Party
from tests.disputes.conftest import STATS, T, case
from tests.disputes.test_mediation import without_permission
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
QUEUE = reverse("admin:disputes_dispute_changelist")


def count_link(html: str, key: str) -> tuple[str, str]:
    match = re.search(rf'id="queue-count-{key}"><a href="([^"]+)">([^<]+)</a>', html)
    assert match, key
    return match.group(1).replace("&amp;", "&"), match.group(2)


def test_the_home_page_counts_new_overdue_and_evidence_requested_cases_as_links_to_the_queue(
    client, mediator, time_machine
):
    store = StoreFactory()
    fresh = case(store, escalated_at=T - DAY)
    case(store, escalated_at=T - 2 * DAY)
    overdue = case(store, escalated_at=T - 8 * DAY)
    services.assign_to_mediator(dispute=overdue, mediator=mediator, now=T - 7 * DAY)
    services.request_evidence(
        dispute=fresh, mediator=mediator, party=Party.BUYER, note="Box", due_at=T + 3 * DAY, now=T
    )
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    html = client.get(reverse("admin:index")).content.decode()

    assert count_link(html, "new") == (f"{QUEUE}?assigned=nobody", "2 new cases, not taken yet")
    assert count_link(html, "overdue") == (f"{QUEUE}?overdue=yes", "1 overdue case")
    assert count_link(html, "evidence") == (
        f"{QUEUE}?state=evidence_requested",
        "1 case waiting for evidence",
    )
    assert 'class="queue-count alert" id="queue-count-overdue"' in html
    # Each link opens the queue showing exactly the cases it counted.
    for key, expected in (("new", 2), ("overdue", 1), ("evidence", 1)):
        url, _text = count_link(html, key)
        assert client.get(url).context["cl"].result_count == expected, key


def test_the_home_page_shows_no_counts_to_a_mediator_who_may_not_view_disputes(client, mediator):
    client.force_login(mediator)
    assert 'id="queue-count-new"' in client.get(reverse("admin:index")).content.decode()

    without_permission("view_dispute")

    assert 'id="queue-counts"' not in client.get(reverse("admin:index")).content.decode()


def test_the_mediators_table_counts_each_mediators_decisions_open_cases_and_median(team, mediator):
    store = StoreFactory()
    held = case(store, escalated_at=T - DAY)
    services.assign_to_mediator(dispute=held, mediator=mediator, now=T)
    rows = {row.mediator.username: row.cells for row in mediator_rows(team_statistics(now=T))}

    assert [column.key for column in MEDIATOR_COLUMNS] == [
        "open_cases",
        "decided",
        "decided_for_buyer",
        "median_to_decision",
    ]
    # dora decided three (two for the buyer), 2, 4 and 1 days after escalation.
    assert rows == {"dora_decider": [0, 3, 2, "2 days"], "maria_mediator": [1, 0, 0, ""]}


def test_the_chart_draws_one_bar_per_week_oldest_first_scaled_to_the_busiest(team):
    chart = decisions_chart(team_statistics(now=T).weeks)

    assert len(chart.bars) == 12 and chart.busiest == 2
    last_week, this_week = chart.bars[-2], chart.bars[-1]
    assert (last_week.y, last_week.buyer_height, last_week.seller_height) == (0, 78, 78)
    assert (this_week.y, this_week.buyer_height, this_week.seller_height) == (78, 78, 0)
    assert this_week.label == "14 Dec" and chart.bars[0].x < this_week.x
    assert this_week.title == "Week of 14 Dec: 1 decision, 1 for the buyer"
    assert chart.bars[0].buyer_height == chart.bars[0].seller_height == 0


def test_the_statistics_page_has_the_chart_the_mediators_and_no_two_columns_named_alike(
    client, team, mediator, time_machine
):
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    html = client.get(STATS).content.decode()

    assert html.count('<rect class="buyer"') == 2 and html.count('<rect class="seller"') == 1
    assert "Week of 7 Dec: 2 decisions, 1 for the buyer" in html
    assert "dora_decider" in html
    for table in re.findall(r"<table id=\"[^\"]+\">.*?</thead>", html, re.S):
        headings = re.findall(r"<th[^>]*>([^<]+)</th>", table)
        assert len(headings) == len(set(headings)), headings
    assert 'id="stat-decided">3</div><div class="label">decisions in the last 12 weeks</div>' in html


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=12), "12 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=7, minutes=20), "7 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, hours=1), "1 day 1 hour"),
        (timedelta(days=3, hours=4), "3 days 4 hours"),
        (None, ""),
    ],
)
def test_durations_read_in_whole_units_with_plurals(delta, text):
    with translation.override("en"):
        assert duration_text(delta) == text
