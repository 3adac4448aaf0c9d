"""The public seller record: the SPEC's seller metrics over 90 days and all time, and the seller's
own page with trends."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from disputes.models import Dispute, Party
from disputes.seller_record import seller_record
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
S = Dispute.State


def a_dispute(order, *, opened_at, state, first_response_after=None, escalated=False, decided_by=None):
    closed = state in Dispute.CLOSED_STATES
    return Dispute.objects.create(
        order=order,
        buyer=order.buyer,
        store=order.store,
        reason=Dispute.Reason.DAMAGED,
        item_received=True,
        description="Cracked.",
        currency=order.currency,
        max_refund=Decimal("60.00"),
        requested_amount=Decimal("60.00"),
        requested_return=False,
        state=state,
        opened_at=opened_at,
        seller_first_response_at=opened_at + first_response_after if first_response_after else None,
        escalated_at=opened_at + 2 * DAY if escalated else None,
        escalated_by=Party.BUYER if escalated else "",
        decided_by=decided_by,
        outcome=(Dispute.Outcome.NO_REFUND if state == S.RESOLVED_SELLER else Dispute.Outcome.FULL_REFUND)
        if closed
        else "",
        refund_amount=Decimal("0.00") if closed else None,
        closed_at=opened_at + 5 * DAY if closed else None,
        deadline_at=None if closed else opened_at + 15 * DAY,
        deadline_party="" if closed else Party.SELLER,
        deadline_kind="" if closed else Dispute.DeadlineKind.GRANT_REQUEST,
    )


@pytest.fixture
def record_now(now):
    return now + 400 * DAY


@pytest.fixture
def history(store, buyer, mediator, record_now):
    """Four orders in the last 90 days, two in the 90 before, two a year ago; disputes on some."""
    recent = [OrderFactory(store=store, buyer=buyer, paid_at=record_now - (10 + n) * DAY) for n in range(4)]
    previous = [
        OrderFactory(store=store, buyer=buyer, paid_at=record_now - (100 + n) * DAY) for n in range(2)
    ]
    old = [OrderFactory(store=store, buyer=buyer, paid_at=record_now - (365 + n) * DAY) for n in range(2)]
    # Last 90 days: one settled between the parties, one a mediator gave to the buyer.
    a_dispute(
        recent[0], opened_at=record_now - 8 * DAY, state=S.RESOLVED_BUYER, first_response_after=10 * HOUR
    )
    a_dispute(
        recent[1],
        opened_at=record_now - 7 * DAY,
        state=S.RESOLVED_BUYER,
        first_response_after=30 * HOUR,
        escalated=True,
        decided_by=mediator,
    )
    # The 90 days before: one a mediator gave to the seller, answered in 2 hours.
    a_dispute(
        previous[0],
        opened_at=record_now - 95 * DAY,
        state=S.RESOLVED_SELLER,
        first_response_after=2 * HOUR,
        escalated=True,
        decided_by=mediator,
    )
    # A year ago: one still open, never answered (not counted as closed or as a response).
    a_dispute(old[0], opened_at=record_now - 360 * DAY, state=S.AWAITING_SELLER)
    return recent, previous, old


def test_the_last_90_days_count_orders_disputes_and_shares(store, history, record_now):
    recent = seller_record(store=store, now=record_now).recent

    assert (recent.orders, recent.disputes) == (4, 2)
    assert recent.dispute_rate == 0.5
    assert recent.without_mediation == 0.5
    assert recent.for_buyer_in_mediation == 1.0
    assert recent.median_first_response == 20 * HOUR


def test_all_time_counts_everything(store, history, record_now):
    everything = seller_record(store=store, now=record_now).all_time

    assert (everything.orders, everything.disputes, everything.closed) == (8, 4, 3)
    assert everything.dispute_rate == 0.5
    assert everything.without_mediation == pytest.approx(1 / 3)
    assert everything.for_buyer_in_mediation == 0.5
    assert everything.median_first_response == 10 * HOUR


def test_the_trend_compares_with_the_90_days_before(store, history, record_now):
    record = seller_record(store=store, now=record_now)
    trends = {trend.label: trend for trend in record.trends}

    assert (record.previous.orders, record.previous.disputes) == (2, 1)
    rate = trends["Dispute rate"]
    assert (rate.previous, rate.recent, rate.direction, rate.better) == (0.5, 0.5, "same", None)
    response = trends["Median first response (hours)"]
    assert (response.previous, response.recent, response.direction, response.better) == (
        2.0,
        20.0,
        "up",
        False,
    )
    mediation = trends["Resolved without mediation"]
    assert (mediation.direction, mediation.better) == ("up", True)


def test_another_stores_disputes_do_not_count(store, other_store, buyer, history, record_now):
    elsewhere = OrderFactory(store=other_store, buyer=buyer, paid_at=record_now - 3 * DAY)
    a_dispute(elsewhere, opened_at=record_now - 2 * DAY, state=S.AWAITING_SELLER)

    assert seller_record(store=store, now=record_now).recent.disputes == 2


def test_a_store_without_orders_shows_dashes_not_zero_division(store, client):
    page = client.get(reverse("disputes:store_record", args=[store.pk]))

    assert page.status_code == 200
    assert "—" in page.content.decode()


def test_the_chart_has_a_bar_per_period_scaled_to_the_worst(store, history, record_now):
    chart = seller_record(store=store, now=record_now).chart

    assert len(chart) == 6
    last = chart[-1]
    assert (last.orders, last.disputes, last.height) == (4, 2, 96)
    assert chart[-4].disputes == 1  # 95 days ago: the fourth period from the end
    assert all(bar.height == 0 for bar in chart[:2])


def test_an_anonymous_visitor_sees_the_record_and_nothing_private(
    client, store, buyer, history, time_machine, record_now
):
    time_machine.move_to(record_now, tick=False)
    recent, _previous, _old = history

    page = client.get(reverse("disputes:store_record", args=[store.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert store.name.replace("'", "&#x27;") in html
    assert "50.0 %" in html and "100.0 %" in html and "20.0" in html
    assert "<svg" in html
    assert buyer.username not in html
    for order in recent:
        assert order.number not in html
        assert str(order.total_paid) not in html


def test_the_public_page_has_a_fixed_query_budget(
    client, store, buyer, mediator, history, record_now, django_assert_max_num_queries
):
    url = reverse("disputes:store_record", args=[store.pk])
    with django_assert_max_num_queries(3):
        client.get(url)
    for n in range(10):
        order = OrderFactory(store=store, buyer=buyer, paid_at=record_now - (20 + n) * DAY)
        a_dispute(order, opened_at=record_now - (19 + n) * DAY, state=S.WITHDRAWN, first_response_after=HOUR)
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


def test_an_unknown_store_is_a_404(client):
    assert client.get(reverse("disputes:store_record", args=[999999])).status_code == 404


def test_the_seller_sees_their_record_with_trends(client, seller, store, history, time_machine, record_now):
    time_machine.move_to(record_now, tick=False)
    client.force_login(seller)

    page = client.get(reverse("disputes:seller_record"))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="seller-trends"' in html
    assert 'data-trend="up"' in html
    assert reverse("disputes:store_record", args=[store.pk]) in html


def test_the_seller_record_needs_a_store_and_a_sign_in(client, buyer):
    assert client.get(reverse("disputes:seller_record")).status_code == 302
    client.force_login(UserFactory(username="no_store"))
    assert client.get(reverse("disputes:seller_record")).status_code == 404


def test_the_buyer_finds_the_record_from_the_order_and_the_dispute(client, buyer, store, history):
    recent, _previous, _old = history
    dispute = recent[0].disputes.get()
    client.force_login(buyer)
    link = reverse("disputes:store_record", args=[store.pk])

    assert link in client.get(reverse("orders:detail", args=[recent[0].number])).content.decode()
    assert link in client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()


def test_a_trend_without_an_earlier_figure_says_there_is_nothing_to_compare(store, buyer, record_now):
    order = OrderFactory(store=store, buyer=buyer, paid_at=record_now - 5 * DAY)
    a_dispute(order, opened_at=record_now - 4 * DAY, state=S.AWAITING_SELLER)

    rate = seller_record(store=store, now=record_now).trends[0]

    assert (rate.recent, rate.previous, rate.direction, rate.better) == (1.0, None, "unknown", None)
