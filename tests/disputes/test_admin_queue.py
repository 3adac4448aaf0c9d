"""The mediation queue: what it shows first, its filters and search, and what it costs."""

import re
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import services
from disputes.models import BuyerStanding, Dispute, DisputeEvent
from orders.models import Carrier
from tests.disputes.test_admin import DAY, escalated_dispute
from tests.factories import OrderFactory, StoreFactory, UserFactory, mediator_user

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:disputes_dispute_changelist")


def make_case(at, *, amount=Decimal("60.00"), country="US", store=None, buyer=None, **order_fields):
    order = OrderFactory(
        paid_at=at - 10 * DAY,
        ship_to_country=country,
        total_paid=amount,
        items=[("Thing", 1, amount)],
        store=store or StoreFactory(),
        buyer=buyer or UserFactory(),
        **order_fields,
    )
    return escalated_dispute(order, at=at, amount=amount)


def rows(response) -> list[str]:
    """The order numbers in the queue, top to bottom."""
    return re.findall(r'(AE-\d+)<br><span class="quiet">D-\d+', response.content.decode())


@pytest.fixture
def t0(now):
    return now + 30 * DAY


@pytest.fixture
def mediator_client(client, mediator, time_machine, t0):
    time_machine.move_to(t0 + 20 * DAY, tick=False)
    client.force_login(mediator)
    return client


def test_the_queue_opens_on_disputes_in_mediation_overdue_first_then_oldest_escalation(
    mediator_client, t0, mediator
):
    recent = make_case(t0 + 18 * DAY)  # due t0 + 23 days: not overdue at t0 + 20
    oldest = make_case(t0)  # overdue
    older = make_case(t0 + 5 * DAY)  # overdue
    asked = make_case(t0 + 17 * DAY)
    services.request_evidence(
        dispute=asked,
        mediator=mediator,
        party="buyer",
        note="Photo",
        due_at=t0 + 25 * DAY,
        now=t0 + 19 * DAY,
    )
    closed = make_case(t0 + DAY)
    services.withdraw_dispute(dispute=closed, buyer=closed.buyer, now=t0 + 2 * DAY)
    not_escalated = OrderFactory()

    response = mediator_client.get(QUEUE)

    assert response.status_code == 200
    assert rows(response) == [
        oldest.order.number,
        older.order.number,
        asked.order.number,
        recent.order.number,
    ]
    assert closed.order.number not in response.content.decode()
    assert not_escalated.number not in response.content.decode()
    html = response.content.decode()
    assert html.count('class="queue-overdue"') == 2
    every = mediator_client.get(QUEUE, {"state": "all"})
    assert closed.order.number in every.content.decode()


def test_the_queue_shows_the_issues_columns(mediator_client, t0):
    case = make_case(t0, amount=Decimal("42.50"))
    BuyerStanding.objects.create(buyer=case.buyer, wins_in_a_row=3, flagged=True)

    html = mediator_client.get(QUEUE).content.decode()

    for header in (
        "order",
        "buyer",
        "seller",
        "amount asked",
        "reason",
        "state",
        "deadline",
        "flagged buyer",
        "assigned mediator",
    ):
        assert f">{header.capitalize()}<" in html or f">{header.capitalize()}</a>" in html, header
    assert case.buyer.username in html and case.store.name in html and "42.50 USD" in html
    assert "overdue by" in html
    assert '<span class="flag warn">flagged</span>' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"amount": "USD:-25"}, ["cheap"]),
        ({"amount": "USD:25-100"}, ["mid"]),
        ({"amount": "USD:100-500"}, ["dear"]),
        ({"amount": "USD:500-"}, ["luxury"]),
        ({"amount": "EUR:-25"}, []),
        ({"order__ship_to_country": "FR"}, ["dear"]),
        ({"order__shipment__carrier__exact": Carrier.DHL}, ["cheap", "mid", "dear", "luxury"]),
        ({"flagged": "yes"}, ["mid"]),
        ({"flagged": "no"}, ["cheap", "dear", "luxury"]),
        ({"overdue": "yes"}, ["cheap"]),
        ({"overdue": "no"}, ["mid", "dear", "luxury"]),
        ({"assigned": "me"}, ["dear"]),
        ({"assigned": "nobody"}, ["cheap", "mid", "luxury"]),
        ({"reason": "not_received"}, ["cheap", "mid", "dear", "luxury"]),
        ({"state": "evidence_requested"}, []),
    ],
)
def test_the_queue_filters(mediator_client, mediator, t0, params, expected):
    cases = {
        "cheap": make_case(t0, amount=Decimal("24.99")),
        "mid": make_case(t0 + 16 * DAY, amount=Decimal("25.00")),
        "dear": make_case(t0 + 17 * DAY, amount=Decimal("499.99"), country="FR"),
        "luxury": make_case(t0 + 18 * DAY, amount=Decimal("500.00")),
    }
    BuyerStanding.objects.create(buyer=cases["mid"].buyer, wins_in_a_row=3, flagged=True)
    services.assign_to_mediator(dispute=cases["dear"], mediator=mediator, now=t0 + 19 * DAY)

    response = mediator_client.get(QUEUE, params)

    assert response.status_code == 200
    assert rows(response) == [cases[name].order.number for name in expected]


@pytest.mark.parametrize(
    "term",
    ["AE-", "ae-", "bella", "BELLA_BUYER@EX", "bella_buyer@example.com", "sam's gad", "sam_sel", "SAM"],
)
def test_the_queue_searches_order_buyer_and_seller_by_prefix(mediator_client, t0, term, buyer, store):
    case = make_case(t0, buyer=buyer, store=store)
    other = make_case(t0 + DAY)

    html = mediator_client.get(QUEUE, {"q": term}).content.decode()

    assert case.order.number in html
    assert (other.order.number in html) == (term.upper() == "AE-")


def test_the_queue_finds_a_dispute_by_its_number_as_shown_and_an_order_by_its_exact_number(
    mediator_client, t0
):
    first, second = make_case(t0), make_case(t0 + DAY)

    for term in (second.reference, second.reference.lower(), str(second.pk), f"  {second.reference} "):
        assert rows(mediator_client.get(QUEUE, {"q": term})) == [second.order.number]
    assert rows(mediator_client.get(QUEUE, {"q": first.order.number})) == [first.order.number]
    assert rows(mediator_client.get(QUEUE, {"q": "D-999999"})) == []


def test_a_search_that_matches_nothing_says_so(mediator_client, t0):
    make_case(t0)

    response = mediator_client.get(QUEUE, {"q": "nobody-by-this-name"})

    assert rows(response) == []
    assert "0 results" in response.content.decode()


def test_the_amount_filter_offers_bands_per_currency_and_ignores_one_it_does_not_offer(mediator_client, t0):
    rub = make_case(t0, amount=Decimal("3000.00"), currency="RUB")
    usd = make_case(t0 + DAY, amount=Decimal("30.00"))

    page = mediator_client.get(QUEUE)
    html = page.content.decode()

    assert "RUB: 2500 to 10000" in html and "USD: under 25" in html
    assert rows(mediator_client.get(QUEUE, {"amount": "RUB:2500-10000"})) == [rub.order.number]
    assert rows(mediator_client.get(QUEUE, {"amount": "USD:25-100"})) == [usd.order.number]
    unknown = mediator_client.get(QUEUE, {"amount": "USD:1-2"})
    assert sorted(rows(unknown)) == sorted([rub.order.number, usd.order.number])


def test_no_list_filter_reads_the_distinct_values_of_a_column(mediator_client, t0):
    make_case(t0, country="FR")

    with CaptureQueriesContext(connection) as queries:
        html = mediator_client.get(QUEUE, {"state": "all"}).content.decode()

    assert "?order__ship_to_country=GB" in html and "?order__ship_to_country=FR" in html
    assert not [query["sql"] for query in queries if "DISTINCT" in query["sql"].upper()]


def test_assign_to_me_takes_every_selected_case_in_mediation(mediator_client, mediator, t0):
    first, second = make_case(t0), make_case(t0 + DAY)
    closed = make_case(t0 + 2 * DAY)
    services.withdraw_dispute(dispute=closed, buyer=closed.buyer, now=t0 + 3 * DAY)

    response = mediator_client.post(
        QUEUE + "?state=all",
        {"action": "assign_to_me", "_selected_action": [first.pk, second.pk, closed.pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "2 disputes assigned to you." in html
    assert f"{closed.reference}: Only disputes in mediation can be assigned." in html
    for case in (first, second):
        case.refresh_from_db()
        assert case.assigned_mediator == mediator
        assert case.events.filter(type=DisputeEvent.Type.ASSIGNED, actor=mediator).exists()
    closed.refresh_from_db()
    assert closed.assigned_mediator is None


def test_assign_to_me_is_not_offered_without_the_mediate_permission(client, t0, time_machine):
    from tests.disputes.test_admin import without_permission

    case = make_case(t0)
    without_permission("mediate_dispute")
    time_machine.move_to(t0 + DAY, tick=False)
    client.force_login(mediator_user())

    listing = client.get(QUEUE)
    response = client.post(QUEUE, {"action": "assign_to_me", "_selected_action": [case.pk]})

    assert 'value="assign_to_me"' not in listing.content.decode()
    assert response.status_code in (200, 302)
    case.refresh_from_db()
    assert case.assigned_mediator is None


@pytest.mark.parametrize("count", [1, 50])
def test_the_queue_costs_the_same_number_of_queries_for_1_and_50_disputes(
    mediator_client, t0, count, django_assert_max_num_queries
):
    for index in range(count):
        case = make_case(t0 + timedelta(hours=index))
        if index % 3 == 0:
            BuyerStanding.objects.create(buyer=case.buyer, flagged=True)
        if index % 2 == 0:
            services.assign_to_mediator(dispute=case, mediator=mediator_user(), now=t0 + 19 * DAY)

    with django_assert_max_num_queries(12):
        response = mediator_client.get(QUEUE)

    assert len(rows(response)) == count
    assert Dispute.objects.filter(state__in=Dispute.MEDIATION_STATES).count() == count


@pytest.mark.parametrize("state", ["closed", "resolved_seller"])
def test_the_closed_views_list_the_newest_dispute_first(mediator_client, mediator, t0, state):
    older, newer = make_case(t0), make_case(t0 + DAY)
    for case in (newer, older):  # decided newest first, so the decisions' order is not the answer
        services.decide_dispute(
            dispute=case,
            mediator=mediator,
            decision=services.Decision.REJECT,
            amount=None,
            note="No proof of the defect.",
            now=t0 + 2 * DAY,
        )

    response = mediator_client.get(QUEUE, {"state": state})

    assert response.status_code == 200
    assert rows(response) == [newer.order.number, older.order.number]


def test_the_migration_gives_each_dispute_its_orders_destination(t0):
    to_france, to_russia = make_case(t0, country="FR"), make_case(t0, country="RU")
    Dispute.objects.update(ship_to_country="")

    import_module("disputes.migrations.0018_dispute_destination_country").copy_destinations(django_apps, None)

    assert Dispute.objects.get(pk=to_france.pk).ship_to_country == "FR"
    assert Dispute.objects.get(pk=to_russia.pk).ship_to_country == "RU"
