"""Keyset pagination (``portal.paging.KeysetPaginator``) and the lists it pages: every row once in
either direction, nulls where the index keeps them, and the same queries for 1 row or 50, on the
first page and on the oldest (issue 17)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from portal.notifications.models import Notification
from portal.paging import KeysetPaginator
from tests.factories import OrderFactory, UserFactory
from tests.pages import link

pytestmark = pytest.mark.django_db


def notifications(user, now, count: int, *, read_every: int = 0) -> list[Notification]:
    """``count`` notifications a minute apart (pairs share a minute, so the ``id`` breaks ties);
    every ``read_every``-th one read, the rest unread (``read_at`` null)."""
    return [
        Notification.objects.create(
            recipient=user,
            kind="test",
            title=f"Note {n}",
            dedupe_key=f"note-{n}",
            created_at=now - timedelta(minutes=n // 2),
            read_at=now - timedelta(hours=n) if read_every and n % read_every == 0 else None,
        )
        for n in range(count)
    ]


def walk(paginator: KeysetPaginator) -> tuple[list, list]:
    """Every page forward from the first, then every page back from the last: the rows seen."""
    forward, page = [], paginator.page()
    while True:
        forward += page.object_list
        if not page.has_next:
            break
        page = paginator.page(after=page.next_cursor)
    backward, page = [], paginator.page(last=True)
    while True:
        backward = page.object_list + backward
        if not page.has_previous:
            break
        page = paginator.page(before=page.previous_cursor)
    return forward, backward


@pytest.mark.parametrize("keys", [("-created_at", "-id"), ("read_at", "id"), ("-read_at", "-id")])
def test_keyset_pages_list_every_row_once_in_order_either_way(buyer, now, keys):
    rows = notifications(buyer, now, 23, read_every=3)
    queryset = Notification.objects.filter(recipient=buyer).order_by(*keys)
    name, descending = keys[0].lstrip("-"), keys[0].startswith("-")

    forward, backward = walk(KeysetPaginator(queryset, 5))

    # Nulls are the largest values: last ascending, first descending.
    def key(row):
        value = getattr(row, name)
        missing = value is None
        if descending:
            return (not missing, -(value.timestamp() if value else 0), -row.pk)
        return (missing, value.timestamp() if value else 0, row.pk)

    expected = [row.pk for row in sorted(rows, key=key)]
    assert [row.pk for row in forward] == expected
    assert [row.pk for row in backward] == expected


def test_a_cursor_that_does_not_parse_shows_the_first_page(buyer, now):
    notifications(buyer, now, 3)
    paginator = KeysetPaginator(
        Notification.objects.filter(recipient=buyer).order_by("-created_at", "-id"), 2
    )

    first = paginator.page()
    # Not base64 JSON; []; ["not a date","1"]; ["2026-11-01T12:00:00","1"] (no offset).
    for cursor in ["garbage", "W10", "WyJub3QgYSBkYXRlIiwiMSJd", "WyIyMDI2LTExLTAxVDEyOjAwOjAwIiwiMSJd"]:
        page = paginator.page(after=cursor)
        assert page.object_list == first.object_list and not page.has_previous


def queries(client, url: str, django_assert_max_num_queries, budget: int) -> int:
    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


#: Today 7 for the buyer's list, 13 for the seller's (5 capped tab counts) and 6 for notifications.
LIST_BUDGET = 14


@pytest.mark.parametrize("page", ["", "?page=last", "?status=completed&page=last"])
def test_the_buyers_order_list_costs_the_same_for_1_or_50_orders(
    client, buyer, store, now, page, django_assert_max_num_queries
):
    OrderFactory(buyer=buyer, store=store, paid_at=now)
    client.force_login(buyer)
    url = reverse("orders:list") + page
    with_one = queries(client, url, django_assert_max_num_queries, LIST_BUDGET)

    for hour in range(49):
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour + 1))

    assert queries(client, url, django_assert_max_num_queries, LIST_BUDGET) == with_one


@pytest.mark.parametrize("tab", ["to_ship", "completed"])
def test_the_sellers_tabs_cost_the_same_for_1_or_50_orders(
    client, seller, store, buyer, now, tab, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for hour in range(count):
            order = OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour))
            if tab == "completed":
                Order.objects.filter(pk=order.pk).update(state=Order.State.COMPLETED, deadline_at=None)

    add(1)
    client.force_login(seller)
    url = f"{reverse('orders:seller_list')}?tab={tab}"
    with_one = queries(client, url, django_assert_max_num_queries, LIST_BUDGET)
    add(49)
    first = client.get(url)

    assert queries(client, url, django_assert_max_num_queries, LIST_BUDGET) == with_one
    assert queries(client, url + "&page=last", django_assert_max_num_queries, LIST_BUDGET) == with_one
    older = client.get(reverse("orders:seller_list") + link(first, "next"))
    assert older.context["tab"] == tab and len(older.context["page"].object_list) == 20


def test_the_notification_list_pages_by_keyset_with_the_same_queries_for_1_or_50(
    client, buyer, now, django_assert_max_num_queries
):
    client.force_login(buyer)
    notifications(buyer, now, 1)
    with_one = queries(client, reverse("notifications:list"), django_assert_max_num_queries, LIST_BUDGET)
    other = UserFactory()
    notifications(other, now, 5)
    Notification.objects.filter(recipient=buyer).delete()
    rows = notifications(buyer, now, 50)

    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list") + link(first, "next"))

    assert (
        queries(client, reverse("notifications:list"), django_assert_max_num_queries, LIST_BUDGET) == with_one
    )
    shown = [n.pk for n in first.context["page"].object_list + second.context["page"].object_list]
    assert shown == [n.pk for n in sorted(rows, key=lambda n: (-n.created_at.timestamp(), -n.pk))][:50]
    assert ">Older<" in first.content.decode() and ">Newer<" in second.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_oldest_page_of_a_buyers_orders_is_read_from_the_index_without_a_sort(buyer, store, now):
    other_buyer = UserFactory()
    for hour in range(30):
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour))
        OrderFactory(buyer=other_buyer, store=store, paid_at=now - timedelta(hours=hour))
        OrderFactory(buyer=other_buyer, store=store, paid_at=now - timedelta(hours=hour, minutes=30))
    queryset = Order.objects.filter(buyer=buyer).order_by("-paid_at", "-id")
    paginator = KeysetPaginator(queryset, 20)
    cursor = paginator.page().next_cursor

    with connection.cursor() as cursor_db:
        # A test's table is tiny: ask whether the index *can* serve the ordering (a plan without
        # a Sort node exists), not what the planner picks for 90 rows. Without fresh statistics
        # (which differ from one test database to the next) the planner may as well walk the
        # newest-first index of every buyer's orders, filtering: a third of them are this buyer's.
        cursor_db.execute("ANALYZE orders_order")
        cursor_db.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off"
        )
        for plan in (
            paginator.queryset.order_by(*paginator._ordering(reverse=True))[:21].explain(),
            paginator.queryset.order_by(*paginator._ordering(reverse=False))
            .filter(paginator._after(paginator.parse(cursor), reverse=False))[:21]
            .explain(),
        ):
            assert "order_buyer_recent_idx" in plan and "Sort" not in plan, plan
