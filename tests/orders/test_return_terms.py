"""The policy in force at purchase governs the order (issue 13, item 3) and money thresholds are
per currency (item 4): the copy made at payment, what pages say from it, the seller's policy page
and the migration that gave older orders their copy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from orders import selectors, services
from orders.models import Order, ReturnTerms, Store
from orders.services import CheckoutLine, PaidOrder
from orders.terms import backfill_return_terms, refund_without_return_threshold
from tests.factories import OrderFactory, deliver, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def checkout(store: Store, buyer, *, at, currency="USD", country="US", lines=None, number=None) -> Order:
    """An order paid now, handed over by checkout through the real service."""
    return services.record_paid_order(
        paid=PaidOrder(
            number=number or f"AE-{Order.objects.count() + 900000}",
            buyer=buyer,
            store=store,
            currency=currency,
            lines=lines or [CheckoutLine(title="Wireless earbuds", quantity=1, unit_price=Decimal("40.00"))],
            paid_at=at,
            ship_to_country=country,
        )
    )


def set_policy(store: Store, **changes) -> Store:
    """The seller changes the return policy through the real service."""
    return services.update_return_policy(
        store=store,
        seller=store.owner,
        changes=changes,
        free_return_countries=list(store.free_return_countries.values_list("country", flat=True)),
    )


def join_programme(store: Store, *countries: str) -> Store:
    return services.update_return_policy(
        store=store, seller=store.owner, changes={}, free_return_countries=list(countries)
    )


# --- the copy made at payment -----------------------------------------------------------------------
def test_paying_copies_the_stores_policy_onto_the_order(store, buyer, now):
    set_policy(
        store,
        return_window_days=30,
        return_shipping_paid_by=Store.ReturnShippingPayer.SELLER,
        returns_used_items=True,
    )
    join_programme(store, "US")

    order = checkout(store, buyer, at=now)

    terms = ReturnTerms.objects.get(order=order)
    assert (terms.accepts_returns, terms.return_window_days, terms.return_shipping_paid_by) == (
        True,
        30,
        Store.ReturnShippingPayer.SELLER,
    )
    assert (terms.returns_personalised_items, terms.returns_used_items) == (False, True)
    assert (terms.free_return_cap, terms.free_return_currency) == (Decimal("50.00"), "USD")
    assert terms.refund_without_return_below == Decimal("10.00")
    assert terms.captured_at == now


@pytest.mark.parametrize(
    ("currency", "threshold"),
    [
        ("USD", Decimal("10.00")),
        ("EUR", Decimal("10.00")),
        ("RUB", Decimal("1000.00")),
        ("JPY", Decimal("0")),
    ],
)
def test_the_default_threshold_is_the_one_of_the_orders_currency(store, buyer, now, currency, threshold):
    order = checkout(store, buyer, at=now, currency=currency)

    assert order.return_terms.refund_without_return_below == threshold


def test_a_stores_own_threshold_applies_to_orders_in_its_currency_only(store, buyer, now):
    set_policy(store, refund_without_return_threshold=Decimal("5.00"), refund_without_return_currency="EUR")

    in_euros = checkout(store, buyer, at=now, currency="EUR", country="FR")
    in_roubles = checkout(store, buyer, at=now, currency="RUB", country="RU")

    assert in_euros.return_terms.refund_without_return_below == Decimal("5.00")
    # Never 5.00 RUB: an amount in euros says nothing about roubles.
    assert in_roubles.return_terms.refund_without_return_below == Decimal("1000.00")


def test_a_threshold_resolves_to_none_in_a_currency_without_one(store):
    store.refund_without_return_threshold, store.refund_without_return_currency = Decimal("8.00"), "USD"

    assert refund_without_return_threshold(store, "USD") == Decimal("8.00")
    assert refund_without_return_threshold(store, "XAF") == Decimal("0.00")


def test_a_destination_outside_the_programme_gets_no_free_return_cap(store, buyer, now):
    join_programme(store, "US", "FR")

    order = checkout(store, buyer, at=now, currency="EUR", country="DE")

    assert (order.return_terms.free_return_cap, order.return_terms.free_return_currency) == (None, "")


def test_a_later_policy_change_leaves_paid_orders_alone_and_governs_new_ones(store, buyer, now):
    join_programme(store, "US")
    before = checkout(store, buyer, at=now)

    set_policy(
        store,
        accepts_returns=False,
        return_window_days=14,
        return_shipping_paid_by=Store.ReturnShippingPayer.SELLER,
        refund_without_return_threshold=Decimal("2.00"),
        refund_without_return_currency="USD",
        returns_personalised_items=True,
    )
    join_programme(store)
    after = checkout(store, buyer, at=now + DAY)

    old, new = ReturnTerms.objects.get(order=before), ReturnTerms.objects.get(order=after)
    assert (old.accepts_returns, old.return_window_days, old.return_shipping_paid_by) == (
        True,
        15,
        Store.ReturnShippingPayer.BUYER,
    )
    assert (old.refund_without_return_below, old.returns_personalised_items, old.free_return_cap) == (
        Decimal("10.00"),
        False,
        Decimal("50.00"),
    )
    assert (new.accepts_returns, new.return_window_days, new.return_shipping_paid_by) == (
        False,
        14,
        Store.ReturnShippingPayer.SELLER,
    )
    assert (new.refund_without_return_below, new.returns_personalised_items, new.free_return_cap) == (
        Decimal("2.00"),
        True,
        None,
    )


def test_a_threshold_is_never_stored_without_its_currency(store, seller):
    with pytest.raises(Exception, match="store_threshold_has_currency"):
        services.update_return_policy(
            store=store,
            seller=seller,
            changes={"refund_without_return_threshold": Decimal("5.00")},
            free_return_countries=[],
        )


# --- free returns, item by item ---------------------------------------------------------------------
def cover_of(order: Order) -> dict[str, tuple[bool, str]]:
    order = Order.objects.select_related("return_terms").prefetch_related("items").get(pk=order.pk)
    return {cover.item.title: (cover.covered, cover.reason) for cover in selectors.free_return_cover(order)}


def test_each_item_says_whether_a_free_return_covers_it_and_why_not(store, buyer, now):
    join_programme(store, "US")
    order = checkout(
        store,
        buyer,
        at=now,
        lines=[
            CheckoutLine(title="Phone case", quantity=2, unit_price=Decimal("50.00")),
            CheckoutLine(title="Headphones", quantity=1, unit_price=Decimal("75.00")),
        ],
    )

    assert cover_of(order) == {
        "Phone case": (True, ""),
        "Headphones": (False, "price 75.00 USD is above the 50.00 USD cap"),
    }


def test_no_item_is_covered_when_the_destination_is_not_in_the_programme(store, buyer, now):
    join_programme(store, "US", "FR")

    order = checkout(store, buyer, at=now, currency="EUR", country="DE")

    assert cover_of(order) == {"Wireless earbuds": (False, "free returns do not cover deliveries to DE")}


def test_a_cap_in_another_currency_covers_nothing(store, buyer, now):
    """A parcel to the US paid in euros: the 50.00 USD cap is not 50.00 EUR."""
    join_programme(store, "US")

    order = checkout(store, buyer, at=now, currency="EUR", country="US")

    assert cover_of(order) == {
        "Wireless earbuds": (False, "the free-return cap is 50.00 USD and this order was paid in EUR")
    }


# --- the order page ---------------------------------------------------------------------------------
@pytest.fixture
def clock(time_machine, now):
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    return now + timedelta(hours=1)


def test_the_order_page_shows_the_terms_the_order_was_bought_under(client, store, buyer, now, clock):
    join_programme(store, "US")
    order = checkout(
        store,
        buyer,
        at=now,
        lines=[
            CheckoutLine(title="Phone case", quantity=1, unit_price=Decimal("20.00")),
            CheckoutLine(title="Headphones", quantity=1, unit_price=Decimal("75.00")),
        ],
    )
    set_policy(store, return_window_days=30, return_shipping_paid_by=Store.ReturnShippingPayer.SELLER)
    client.force_login(buyer)

    response = client.get(reverse("orders:detail", args=[order.number]))

    text = response.text
    assert "Returns accepted within 15 days of delivery." in text
    assert "The buyer pays return shipping." in text
    assert "30 days" not in text and "The seller pays return shipping." not in text
    assert "policy as it stood on 1 Nov 2026" in text
    assert 'Phone case: <span class="text-success fw-semibold">Free return</span>' in text
    assert "no free return, price 75.00 USD is above the 50.00 USD cap" in text


def test_the_dispute_form_shows_the_orders_terms(client, store, buyer, now, clock):
    order = deliver(ship(checkout(store, buyer, at=now - 10 * DAY), at=now - 9 * DAY), at=now - 2 * DAY)
    set_policy(store, accepts_returns=False)
    client.force_login(buyer)

    response = client.get(reverse("disputes:open", args=[order.number]))

    assert response.status_code == 200
    assert "Returns accepted within 15 days of delivery." in response.text
    assert "does not accept returns" not in response.text


# --- the seller's policy page -----------------------------------------------------------------------
def test_the_policy_page_says_how_many_orders_in_progress_keep_their_terms(client, store, seller, now, clock):
    for _n in range(2):
        OrderFactory(store=store, paid_at=now)
    settled = OrderFactory(store=store, paid_at=now)
    Order.objects.filter(pk=settled.pk).update(state=Order.State.SETTLED)
    OrderFactory(paid_at=now)  # another store's
    client.force_login(seller)

    response = client.get(reverse("orders:return_policy"))

    assert response.context["in_progress"] == 2
    assert "Changes apply to orders placed from now on." in response.text
    assert "2 orders in progress keep the policy they were bought under." in response.text


@pytest.mark.parametrize(
    ("threshold", "currency", "field"),
    [("5.00", "", "refund_without_return_currency"), ("", "EUR", "refund_without_return_threshold")],
)
def test_a_threshold_without_its_currency_is_rejected(
    client, store, seller, clock, threshold, currency, field
):
    client.force_login(seller)
    data = {
        "name": store.name,
        "accepts_returns": "on",
        "return_window_days": "20",
        "return_shipping_paid_by": Store.ReturnShippingPayer.BUYER,
        "refund_without_return_threshold": threshold,
        "refund_without_return_currency": currency,
        "return_address": "Returns, 9 Dock Street, Shenzhen",
    }

    response = client.post(reverse("orders:return_policy"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    store.refresh_from_db()
    assert (store.refund_without_return_threshold, store.return_window_days) == (None, 15)


def test_the_seller_states_a_threshold_in_one_currency(client, store, seller, clock):
    client.force_login(seller)
    data = {
        "name": store.name,
        "accepts_returns": "on",
        "return_window_days": "20",
        "return_shipping_paid_by": Store.ReturnShippingPayer.BUYER,
        "refund_without_return_threshold": "300",
        "refund_without_return_currency": "RUB",
        "return_address": "Returns, 9 Dock Street, Shenzhen",
    }

    response = client.post(reverse("orders:return_policy"), data)

    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.refund_without_return_threshold, store.refund_without_return_currency) == (
        Decimal("300.00"),
        "RUB",
    )


# --- orders from before the copy existed ------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_older_orders_their_stores_current_policy(now):
    """Run 0005 on data written before it: the old single threshold becomes a threshold with a
    currency (or the marketplace defaults), and every order gets its store's policy as it stands."""
    before, after = [("orders", "0004_return_terms")], [("orders", "0005_snapshot_return_terms")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser, OldStore, OldOrder = (
        old.get_model(*name.split(".")) for name in ("accounts.User", "orders.Store", "orders.Order")
    )
    buyer = OldUser.objects.create(username="old_buyer")

    def old_store(name: str, threshold: Decimal):
        owner = OldUser.objects.create(username=f"owner_{name}")
        return OldStore.objects.create(owner=owner, name=name, refund_without_return_threshold=threshold)

    def old_order(store, currency: str, country: str):
        return OldOrder.objects.create(
            number=f"OLD-{OldOrder.objects.count()}",
            buyer=buyer,
            store=store,
            currency=currency,
            total_paid=Decimal("60.00"),
            ship_to_country=country,
            paid_at=now,
            handling_due_at=now + 7 * DAY,
        )

    default = old_store("default", Decimal("10.00"))  # the old default, "in the order's currency"
    old.get_model("orders", "FreeReturnCountry").objects.create(
        store=default, country="RU", max_item_value=Decimal("3000.00"), currency="RUB"
    )
    roubles, dollars = old_order(default, "RUB", "RU"), old_order(default, "USD", "DE")
    own = old_store("own", Decimal("500.00"))
    own_orders = [old_order(own, "RUB", "RU"), old_order(own, "RUB", "RU"), old_order(own, "USD", "US")]

    executor.loader.build_graph()
    executor.migrate(after)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Store.objects.filter(pk=default.pk).values_list(
        "refund_without_return_threshold", "refund_without_return_currency"
    ).get() == (None, "")
    terms = ReturnTerms.objects.get(order_id=roubles.pk)
    assert (terms.refund_without_return_below, terms.free_return_cap, terms.free_return_currency) == (
        Decimal("1000.00"),
        Decimal("3000.00"),
        "RUB",
    )
    terms = ReturnTerms.objects.get(order_id=dollars.pk)
    assert (terms.refund_without_return_below, terms.free_return_cap) == (Decimal("10.00"), None)
    assert terms.captured_at > now  # read when the migration ran, and the order page says so
    # A store's own amount was meant in its own currency: the one most of its orders are paid in.
    assert Store.objects.filter(pk=own.pk).values_list(
        "refund_without_return_threshold", "refund_without_return_currency"
    ).get() == (Decimal("500.00"), "RUB")
    thresholds = [
        ReturnTerms.objects.get(order_id=order.pk).refund_without_return_below for order in own_orders
    ]
    assert thresholds == [Decimal("500.00"), Decimal("500.00"), Decimal("10.00")]


def test_the_backfill_gives_terms_to_orders_written_without_them(store, buyer, now):
    orders = [OrderFactory(store=store, buyer=buyer, paid_at=now) for _n in range(3)]
    ReturnTerms.objects.filter(order__in=orders[1:]).delete()
    untouched = ReturnTerms.objects.get(order=orders[0])

    written = backfill_return_terms(at=now + DAY, batch_size=1)

    assert written == 2
    assert ReturnTerms.objects.filter(order__in=orders, captured_at=now + DAY).count() == 2
    assert ReturnTerms.objects.get(order=orders[0]).captured_at == untouched.captured_at
