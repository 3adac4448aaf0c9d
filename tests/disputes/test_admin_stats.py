"""The team's statistics page: per-week counts, the share decided for buyers, medians, sellers."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services
from disputes.admin.selectors import team_statistics
from tests.disputes.conftest import DAY, STATS, T, case
from tests.factories import StoreFactory, mediator_user

pytestmark = pytest.mark.django_db


def test_team_statistics_count_per_week_share_median_and_overdue(team):
    stats = team_statistics(now=T)

    assert len(stats.weeks) == 12
    this_week, last_week = stats.weeks[0], stats.weeks[1]
    assert this_week.week == date(2026, 12, 14) and stats.weeks[-1].week == date(2026, 9, 28)
    assert (this_week.decided, this_week.decided_for_buyer) == (1, 1)
    assert (last_week.decided, last_week.decided_for_buyer) == (2, 1)
    assert sum(week.opened for week in stats.weeks) == 4
    assert sum(week.escalated for week in stats.weeks) == 4
    assert (stats.decided, stats.decided_for_buyer) == (3, 2)
    assert round(stats.buyer_share_percent) == 67 and stats.reference_percent == 70
    assert not stats.meets_reference
    # 2, 4 and 1 days from escalation to decision.
    assert stats.median_time_to_decision == timedelta(days=2)
    assert (stats.in_mediation, stats.overdue, stats.unassigned) == (1, 1, 1)


def test_sellers_are_ranked_by_dispute_rate_with_their_first_response_time(team):
    busy, calm = team_statistics(now=T).sellers

    assert (busy.store, busy.orders, busy.disputes, busy.rate) == (team["busy"], 3, 3, 1.0)
    assert (calm.store, calm.orders, calm.disputes, calm.rate) == (team["calm"], 4, 1, 0.25)
    # The seller counter-offered one day after each dispute was opened.
    assert busy.median_first_response == timedelta(days=1)
    assert (busy.closed, busy.closed_without_mediation, busy.share_without_mediation) == (2, 0, 0.0)


def test_the_statistics_page_renders_with_data(client, team, time_machine, mediator):
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    response = client.get(STATS)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="value" id="stat-buyer-share">67%</div>' in html
    assert "Reference: over 70% of mediated cases go to buyers with clear evidence." in html
    assert '<div class="value" id="stat-median">2 days</div>' in html
    assert '<div class="value" id="stat-overdue">1</div>' in html
    assert html.index("Busy Bazaar") < html.index("Calm Corner")
    assert "14 Dec 2026" in html
    assert "100.0" in html and "25.0" in html  # disputes per 100 orders


def test_the_statistics_page_renders_without_data(client, mediator, time_machine):
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    response = client.get(STATS)

    assert response.status_code == 200
    assert '<div class="value" id="stat-buyer-share">—</div>' in response.content.decode()


def test_the_statistics_page_is_linked_from_the_index_and_the_queue(client, mediator):
    client.force_login(mediator)

    for url in (reverse("admin:index"), reverse("admin:disputes_dispute_changelist")):
        assert f'href="{STATS}"' in client.get(url).content.decode(), url


def test_staff_outside_the_mediators_group_cannot_see_statistics(client, staff_non_mediator):
    client.force_login(staff_non_mediator)

    assert client.get(STATS).status_code == 302


def test_the_seller_ranking_counts_only_the_weeks_the_page_shows(team):
    stats = team_statistics(now=T)
    # A year-old dispute (and its order) at the calm store: outside the window, not counted.
    case(team["calm"], escalated_at=stats.since - timedelta(days=365))

    calm = next(row for row in team_statistics(now=T).sellers if row.store == team["calm"])

    assert (calm.orders, calm.disputes) == (4, 1)


def test_the_statistics_page_costs_the_same_queries_with_more_cases_and_mediators(
    client, team, time_machine, mediator, django_assert_max_num_queries
):
    time_machine.move_to(T, tick=False)
    client.force_login(mediator)

    def count() -> int:
        with django_assert_max_num_queries(11), CaptureQueriesContext(connection) as queries:
            assert client.get(STATS).status_code == 200
        return len(queries)

    before = count()
    second = mediator_user(username="sam_second")
    for days in range(1, 7):
        dispute = case(StoreFactory(), escalated_at=T - days * DAY)
        services.decide_dispute(
            dispute=dispute,
            mediator=second,
            decision=services.Decision.REJECT,
            amount=None,
            note="Reason",
            now=T - days * DAY + timedelta(hours=2),
        )

    assert count() == before
