"""The console's lists cost the same at any size: no full-table count, no DISTINCT scan for a
filter, searches that are indexed queries, a fixed number of queries per page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.models import Conversation, Message
from orders.admin import OrderAdmin
from orders.models import Refund
from portal.paging import CappedPaginator
from tests.disputes.test_admin_queue import make_case
from tests.factories import OrderFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERS = reverse("admin:orders_order_changelist")
STORES = reverse("admin:orders_store_changelist")
REFUNDS = reverse("admin:orders_refund_changelist")
USERS = reverse("admin:accounts_user_changelist")


def numbers(response) -> list[str]:
    return re.findall(r">(AE-\d+)</a>", response.content.decode())


@pytest.fixture
def mediator_client(client, mediator):
    client.force_login(mediator)
    return client


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)


def test_a_list_longer_than_the_cap_says_more_than_and_counts_only_up_to_it(mediator_client, small_cap):
    for _ in range(5):
        OrderFactory()

    with CaptureQueriesContext(connection) as queries:
        response = mediator_client.get(ORDERS)

    html = response.content.decode()
    assert response.status_code == 200
    assert "more than 3 orders" in html
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts
    assert not [query["sql"] for query in queries if "DISTINCT" in query["sql"].upper()]


def test_a_list_within_the_cap_shows_its_exact_count(mediator_client, small_cap):
    OrderFactory(), OrderFactory()

    html = mediator_client.get(ORDERS).content.decode()

    assert "2 orders" in html and "more than" not in html


@pytest.mark.parametrize("count", [1, 30])
def test_the_orders_list_costs_the_same_number_of_queries_for_1_and_30_orders(
    mediator_client, count, django_assert_max_num_queries
):
    for _ in range(count):
        OrderFactory()

    with django_assert_max_num_queries(8):
        response = mediator_client.get(ORDERS, {"ship_to_country": "US", "q": "AE-"})

    assert len(numbers(response)) == count


def test_the_orders_search_finds_by_number_buyer_and_store_prefix_in_any_case(mediator_client):
    bella = UserFactory(username="bella_b", email="Bella.Buyer@Example.com")
    gadgets = StoreFactory(name="Sam's Gadgets", owner=UserFactory(username="sam_s", email="sam@shop.test"))
    mine = OrderFactory(buyer=bella, store=gadgets)
    other = OrderFactory()

    for term in (mine.number, mine.number.lower(), "BELLA_", "bella.buyer@", "sam's", "SAM_S", "sam@shop"):
        found = numbers(mediator_client.get(ORDERS, {"q": term}))
        assert mine.number in found, term
        assert other.number not in found, term
    assert numbers(mediator_client.get(ORDERS, {"q": "ella"})) == []


def test_the_destination_filter_offers_fixed_countries_and_filters(mediator_client):
    french = OrderFactory(ship_to_country="FR")
    OrderFactory(ship_to_country="US")

    response = mediator_client.get(ORDERS, {"ship_to_country": "FR"})

    assert numbers(response) == [french.number]
    assert "?ship_to_country=GB" in response.content.decode()


def test_stores_are_found_by_name_or_owner_prefix(mediator_client):
    gadgets = StoreFactory(name="Sam's Gadgets", owner=UserFactory(username="sam_s"))
    StoreFactory(name="Other shop")

    for term in ("sam's g", "SAM_S"):
        html = mediator_client.get(STORES, {"q": term}).content.decode()
        assert gadgets.name.replace("'", "&#x27;") in html and "Other shop" not in html, term


def test_accounts_are_found_by_the_start_of_a_username_or_e_mail_in_any_case(mediator_client):
    UserFactory(username="marta_k", email="m.k@example.org", first_name="Marta")
    UserFactory(username="olga", email="marta.olga@example.org")
    UserFactory(username="zoe", email="zoe@example.org", last_name="Martaeva")

    with CaptureQueriesContext(connection) as queries:
        by_start = mediator_client.get(USERS, {"q": "MARTA"}).content.decode()
    # Both prefixes on the table itself (their expression indexes), never a contains-search.
    searched = [q["sql"] for q in queries if "accounts_user" in q["sql"] and "LIKE" in q["sql"]]

    assert "marta_k" in by_start and "marta.olga@example.org" in by_start and "zoe" not in by_start
    assert searched and not [sql for sql in searched if "%MARTA%" in sql or "%marta%" in sql], searched


def test_the_refund_ledger_searches_by_order_number_prefix_or_provider_reference(mediator_client, refund_for):
    first, second, third = refund_for(OrderFactory()), refund_for(OrderFactory()), refund_for(OrderFactory())
    Refund.objects.filter(pk=third.pk).update(provider_reference="re_3Px8")

    with CaptureQueriesContext(connection) as queries:
        html = mediator_client.get(REFUNDS, {"q": first.order.number}).content.decode()
    # Each kind of match its own indexed query in a UNION: an OR across the refund and its joined
    # order read every refund with its order. (Read before the next request clears the log.)
    searched = [q["sql"] for q in queries if "UNION" in q["sql"]]
    by_reference = mediator_client.get(REFUNDS, {"q": "re_3Px8"}).content.decode()

    assert first.order.number in html and second.order.number not in html
    assert third.order.number in by_reference and first.order.number not in by_reference
    assert searched and not [sql for sql in searched if " OR " in sql], searched


@pytest.fixture
def refund_for(now):
    def make(order):
        return Refund.objects.create(
            order=order,
            amount=Decimal("1.00"),
            currency=order.currency,
            reason=Refund.Reason.DISPUTE,
            created_at=now,
        )

    return make


def test_the_refund_ledger_filters_by_currency_from_fixed_choices(mediator_client, refund_for):
    euro = refund_for(OrderFactory(currency="EUR"))
    dollar = refund_for(OrderFactory(currency="USD"))

    with CaptureQueriesContext(connection) as queries:
        html = mediator_client.get(REFUNDS, {"currency": "EUR"}).content.decode()

    assert euro.order.number in html and dollar.order.number not in html
    assert "?currency=PLN" in html
    assert not [query["sql"] for query in queries if "DISTINCT" in query["sql"].upper()]


@pytest.mark.parametrize("count", [1, 12])
def test_the_conversations_list_counts_messages_per_row_in_a_fixed_number_of_queries(
    mediator_client, count, django_assert_max_num_queries, now
):
    for index in range(count):
        case = make_case(now + timedelta(hours=index))
        conversation = Conversation.objects.create(
            order=case.order, buyer=case.buyer, store=case.store, created_at=now, last_message_at=now
        )
        for _message in range(3):
            Message.objects.create(
                conversation=conversation, sender=case.buyer, sender_party="buyer", body="Hi", created_at=now
            )

    with django_assert_max_num_queries(8):
        response = mediator_client.get(reverse("admin:messaging_conversation_changelist"))

    cells = re.findall(r'<td class="field-message_count">(\d+)</td>', response.content.decode())
    assert cells == ["3"] * count


def test_the_refund_ledger_costs_the_same_for_1_or_60_refunds_and_joins_only_the_pages_rows(
    mediator_client, refund_for, django_assert_max_num_queries
):
    def page(params: dict) -> tuple[int, list[str], list[str]]:
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
            response = mediator_client.get(REFUNDS, params)
        return (
            len(queries),
            re.findall(r"<td class=\"field-order nowrap\">(AE-\d+)</td>", response.content.decode()),
            [query["sql"] for query in queries if "orders_refund" in query["sql"]],
        )

    only = refund_for(OrderFactory())
    with_one, _shown, _sql = page({})
    refunds = [refund_for(OrderFactory()) for _ in range(59)]

    count, first, _sql = page({})
    second_count, second, sql = page({"p": 2})

    assert count == second_count == with_one
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)
    # The OFFSET skips ids in the ordering's index; only the page's rows are joined to their order.
    [statement] = [statement for statement in sql if "OFFSET" in statement]
    skipped = re.search(r"IN \((SELECT .*? OFFSET 50)\)", statement)
    assert skipped and "orders_order" not in skipped.group(1), statement
    assert {refund.order.number for refund in refunds} | {only.order.number} == set(first) | set(second)


def test_a_filtered_lists_pages_read_their_rows_by_id_without_repeating_the_filter(
    mediator_client, monkeypatch
):
    monkeypatch.setattr(OrderAdmin, "list_per_page", 20)
    held = {OrderFactory(on_hold=True).number for _ in range(25)}
    OrderFactory.create_batch(3)

    def page(params: dict) -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as queries:
            response = mediator_client.get(ORDERS, {"on_hold__exact": "1", **params})
        [statement] = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "orders_order" in q["sql"]]
        return numbers(response), statement

    first, first_sql = page({})
    second, second_sql = page({"p": 2})

    assert len(first) == 20 and len(second) == 5 and set(first) | set(second) == held
    # The filter narrows the ids; the page's rows are then read by id alone (planning the filter's
    # conditions twice doubled the cost of planning a page, issue 17).
    for statement in (first_sql, second_sql):
        assert statement.count('"on_hold"') == 1, statement
        assert re.search(r"WHERE \(?\"orders_order\"\.\"id\" IN \(SELECT", statement), statement


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("query", ["state=refunded", "on_hold__exact=1"])
def test_a_filtered_page_of_the_orders_list_is_read_from_an_index_without_a_sort(mediator_client, query):
    # A rare state's page (a few hundred refunded orders among a million) was found by reading the
    # newest-first index until 50 matched, most of the table; its own index holds them in order.
    OrderFactory.create_batch(3, on_hold=True)
    OrderFactory.create_batch(9)
    with CaptureQueriesContext(connection) as captured:
        assert mediator_client.get(reverse("admin:orders_order_changelist") + "?" + query).status_code == 200
    page = next(
        q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "orders_order" in q["sql"]
    )
    with connection.cursor() as cursor:
        # A test's table is tiny: ask whether an index *can* serve the page in order (a plan
        # without a Sort node exists), not what the planner picks for twelve rows. Fresh
        # statistics, as the other tests on this database left them stale or none.
        cursor.execute("ANALYZE orders_order")
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off"
        )
        cursor.execute("EXPLAIN " + page)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan and ("order_state_recent_idx" in plan or "order_on_hold_recent_idx" in plan), (
        plan
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_every_postgresql_connection_plans_for_memory_and_without_jit():
    # Set by the settings on every connection, so a deployment's server defaults cannot undo
    # them: a search that found one order read the whole orders table with the default cost.
    with connection.cursor() as cursor:
        cursor.execute("SHOW seq_page_cost")
        [(sequential,)] = cursor.fetchall()
        cursor.execute("SHOW random_page_cost")
        [(random,)] = cursor.fetchall()
        cursor.execute("SHOW jit")
        [(jit,)] = cursor.fetchall()
    assert (float(sequential), float(random), jit) == (0.1, 0.11, "off")
