"""Every page costs a fixed number of queries, whether its lists hold 1 row or 50: an N+1 cannot
come back unnoticed. Timings are the benchmark's business (``make bench``); these tests only
count.

Pages whose budgets live beside their other tests are not repeated here: the dispute inboxes and
the dispute page for buyer, seller and mediator (tests/disputes/test_views.py), the messages
inbox and conversation (tests/messaging/test_selectors.py) and the mediation queue
(tests/disputes/test_admin_queue.py).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from disputes import services
from messaging import services as messaging
from orders import events as order_events
from orders.models import FreeReturnCountry
from orders.policy import FREE_RETURN_PROGRAMME
from portal import deadlines
from portal.notifications.models import Notification
from tests.factories import OrderFactory, deliver, image_upload, negotiate, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
ROWS = [1, 50]

#: The most queries each page may take, whatever its size (the issue's ceiling is 12).
BUDGETS = {
    "buyer_orders": 12,
    "order_page": 12,
    "seller_orders": 12,
    "return_policy": 12,
    "open_dispute": 12,
    "notifications": 12,
    "admin_case": 12,
}


def get(client, user, url: str, budget: int, django_assert_max_num_queries):
    client.force_login(user)
    client.get(url)  # per-process caches (content types, permissions) fill on the first request
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.fixture
def wall_clock(time_machine, now):
    """The pages read the wall clock: stop it three days after the orders here were paid."""
    time_machine.move_to(now + 3 * DAY, tick=False)
    return now + 3 * DAY


# --- orders ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", ROWS)
def test_the_buyer_orders_list_has_a_fixed_query_budget(
    client, buyer, store, other_store, now, wall_clock, count, django_assert_max_num_queries
):
    for n in range(count):
        order = OrderFactory(buyer=buyer, store=store if n % 2 else other_store, paid_at=now)
        if n % 3 == 0:
            ship(order, at=now + DAY)

    response = get(
        client, buyer, reverse("orders:list"), BUDGETS["buyer_orders"], django_assert_max_num_queries
    )

    assert len(response.context["page"].object_list) == min(count, 20)


@pytest.mark.parametrize("viewer", ["buyer", "seller"])
@pytest.mark.parametrize("count", ROWS)
def test_the_order_page_has_a_fixed_query_budget(
    client, buyer, seller, store, now, wall_clock, count, viewer, request, django_assert_max_num_queries
):
    order = OrderFactory(
        buyer=buyer,
        store=store,
        paid_at=now,
        items=[(f"Item {n}", 1, Decimal("2.00")) for n in range(count)],
    )
    order = ship(order, at=now + DAY)
    FreeReturnCountry.objects.create(store=store, country="US", max_item_value=Decimal("50"), currency="USD")
    for n in range(count):
        order_events.order_event(order=order, type="held", at=now + timedelta(minutes=n), note=f"Row {n}")

    response = get(
        client,
        request.getfixturevalue(viewer),
        reverse("orders:detail", args=[order.number]),
        BUDGETS["order_page"],
        django_assert_max_num_queries,
    )

    assert len(response.context["order"].items.all()) == count


@pytest.mark.parametrize("count", ROWS)
def test_the_seller_orders_list_has_a_fixed_query_budget(
    client, seller, store, now, wall_clock, count, django_assert_max_num_queries
):
    OrderFactory.create_batch(count, store=store, paid_at=now)

    response = get(
        client, seller, reverse("orders:seller_list"), BUDGETS["seller_orders"], django_assert_max_num_queries
    )

    assert len(response.context["page"].object_list) == min(count, 20)


@pytest.mark.parametrize("count", ROWS)
def test_the_return_policy_page_has_a_fixed_query_budget(
    client, seller, store, now, count, django_assert_max_num_queries
):
    OrderFactory.create_batch(count, store=store, paid_at=now)
    for country, (cap, currency) in list(FREE_RETURN_PROGRAMME.items())[:count]:
        FreeReturnCountry.objects.create(store=store, country=country, max_item_value=cap, currency=currency)

    get(
        client,
        seller,
        reverse("orders:return_policy"),
        BUDGETS["return_policy"],
        django_assert_max_num_queries,
    )


# --- disputes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", ROWS)
def test_the_open_dispute_form_has_a_fixed_query_budget(
    client, buyer, store, now, wall_clock, count, django_assert_max_num_queries
):
    order = OrderFactory(
        buyer=buyer, store=store, paid_at=now, items=[(f"Item {n}", 1, Decimal("2.00")) for n in range(count)]
    )
    order = deliver(ship(order, at=now + DAY), at=now + 2 * DAY)

    response = get(
        client,
        buyer,
        reverse("disputes:open", args=[order.number]),
        BUDGETS["open_dispute"],
        django_assert_max_num_queries,
    )

    assert response.context["form"] is not None


# --- notifications ----------------------------------------------------------------------------------
@pytest.mark.parametrize("count", ROWS)
def test_the_notifications_list_has_a_fixed_query_budget(
    client, buyer, now, count, django_assert_max_num_queries
):
    Notification.objects.bulk_create(
        Notification(
            recipient=buyer,
            kind="order_shipped",
            title=f"Order {n} shipped",
            body="Your order is on its way.",
            url="/orders/",
            dedupe_key=f"shipped-{n}",
            created_at=now + timedelta(minutes=n),
            read_at=None if n % 2 else now,
        )
        for n in range(count)
    )

    response = get(
        client, buyer, reverse("notifications:list"), BUDGETS["notifications"], django_assert_max_num_queries
    )

    assert len(response.context["page"].object_list) == min(count, 30)


# --- the mediation console -------------------------------------------------------------------------
@pytest.mark.parametrize("count", ROWS)
def test_the_admin_case_page_has_a_fixed_query_budget(
    client,
    mediator,
    buyer,
    seller,
    store,
    other_buyer,
    other_store,
    now,
    time_machine,
    count,
    django_assert_max_num_queries,
):
    """A case in mediation with every panel filled: proposals and events, a chat with photos, and
    other disputes for the buyer (in another store) and for the store (with another buyer)."""
    try:
        reverse("admin:disputes_dispute_change", args=[1])
    except NoReverseMatch:
        pytest.skip("The mediation console (disputes admin) is not registered.")
    for party_order in [
        *(OrderFactory(buyer=buyer, store=other_store, paid_at=now) for _ in range(max(1, count // 10))),
        *(OrderFactory(buyer=other_buyer, store=store, paid_at=now) for _ in range(max(1, count // 10))),
    ]:
        open_dispute_for(ship(party_order, at=now + DAY), at=now + 8 * DAY, amount=Decimal("5.00"))
    order = ship(OrderFactory(buyer=buyer, store=store, paid_at=now), at=now + DAY)
    opened = now + 8 * DAY
    dispute = open_dispute_for(order, at=opened, amount=Decimal("60.00"))
    negotiate(dispute, seller=seller, buyer=buyer, rounds=max(1, count // 2), start=opened)
    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("5.00"),
        with_return=False,
        note="last offer",
        evidence=[],
        now=opened + timedelta(hours=2),
    )
    dispute = services.escalate_dispute(dispute=dispute, user=buyer, note="", now=opened + timedelta(hours=3))
    for n in range(max(1, count // 5)):
        messaging.send_message(
            order=order,
            sender=seller if n % 2 else buyer,
            body=f"Message {n}",
            photos=[image_upload(f"photo-{n}.jpg")],
            now=opened + timedelta(minutes=n),
        )
    time_machine.move_to(opened + DAY, tick=False)
    assert dispute.events.count() >= count

    response = get(
        client,
        mediator,
        reverse("admin:disputes_dispute_change", args=[dispute.pk]),
        BUDGETS["admin_case"],
        django_assert_max_num_queries,
    )

    context = response.context
    assert context["max_refund_now"] is not None
    assert [len(message.photos) for message in context["chat"]] == [1] * max(1, count // 5)
    assert "photo-0.jpg" in response.content.decode()
    assert len(context["buyer_history"].recent) == len(context["store_history"].recent) == max(1, count // 10)


# --- the sweep ---------------------------------------------------------------------------------
def _silent_seller_disputes(count: int, now) -> list:
    """``count`` disputes the sellers never answered, each of another buyer: closing one refunds
    it, counts the buyer's standing and hands the order back to its clock."""
    disputes = []
    for n in range(count):
        order = ship(OrderFactory(paid_at=now), at=now + DAY)
        disputes.append(
            open_dispute_for(order, at=now + 8 * DAY + timedelta(minutes=n), amount=Decimal("10"))
        )
    return disputes


def _sweep_queries(count: int, now, capture) -> int:
    disputes = _silent_seller_disputes(count, now)
    with capture(execute=False), CaptureQueriesContext(connection) as captured:
        applied = deadlines.enforce_all(now=disputes[-1].deadline_at)
    assert applied["disputes"] == count
    return len(captured.captured_queries)


def test_a_group_of_deadlines_costs_the_same_statements_whatever_its_size(
    now, django_capture_on_commit_callbacks
):
    # Everything a group's deadlines do is one statement for the group: the disputes moved by the
    # clock and their orders (one UPDATE each, ``saved_together``), events, jobs, refunds,
    # standings, proposals, the events that started each deadline. What is left is the sweep's
    # fixed cost: one look at each kind of due row, twice (the second pass finds nothing left).
    few = _sweep_queries(3, now, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        deadlines.enforce_all(now=now + 365 * DAY)  # the first group's orders run their course
    many = _sweep_queries(15, now + 400 * DAY, django_capture_on_commit_callbacks)

    assert many == few <= 40
