"""Order pages: anonymous visitors log in, strangers get a 404, owners act, bad input is a 400."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Carrier, FreeReturnCountry, Order, OrderEvent, Shipment, Store
from portal import paging
from tests.factories import OrderFactory, confirm, ship
from tests.pages import link

pytestmark = pytest.mark.django_db

S = Order.State
T = OrderEvent.Type

ORDER_PAGES = ["orders:detail"]
ORDER_ACTIONS = [
    "orders:ship",
    "orders:report_delivered",
    "orders:confirm",
    "orders:request_extension",
    "orders:grant_extension",
    "orders:decline_extension",
]
SELLER_PAGES = ["orders:seller_list", "orders:return_policy"]


@pytest.fixture
def clock(time_machine, now):
    """The wall clock the views read, stopped one hour after the order was paid."""
    at = now + timedelta(hours=1)
    time_machine.move_to(at, tick=False)
    return time_machine


@pytest.fixture
def as_buyer(client, buyer, clock):
    client.force_login(buyer)
    return client


@pytest.fixture
def as_seller(client, seller, clock):
    client.force_login(seller)
    return client


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def detail_url(order: Order) -> str:
    return reverse("orders:detail", args=[order.number])


# --- the gate ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ORDER_PAGES + ORDER_ACTIONS)
def test_an_anonymous_visitor_is_sent_to_log_in_from_every_order_url(client, order, name):
    url = reverse(name, args=[order.number])

    response = client.post(url) if name in ORDER_ACTIONS else client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    order.refresh_from_db()
    assert order.state == S.PAID


@pytest.mark.parametrize("name", ["orders:list", *SELLER_PAGES])
def test_an_anonymous_visitor_is_sent_to_log_in_from_every_list_page(client, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller"])
@pytest.mark.parametrize("name", ORDER_PAGES + ORDER_ACTIONS)
def test_a_stranger_gets_a_404_from_every_order_url(request, client, order, clock, stranger, name):
    client.force_login(request.getfixturevalue(stranger))
    url = reverse(name, args=[order.number])

    response = client.post(
        url, {"carrier": "dhl", "tracking_number": "LX123456789CN", "days": 5, "note": "x"}
    )
    page = client.get(url)

    assert response.status_code == 404
    assert page.status_code == 404
    order.refresh_from_db()
    assert order.state == S.PAID
    assert not Shipment.objects.filter(order=order).exists()


def test_an_order_that_does_not_exist_is_a_404_just_like_a_strangers(as_buyer):
    response = as_buyer.get(reverse("orders:detail", args=["AE-0000000"]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", SELLER_PAGES)
def test_a_buyer_without_a_store_gets_a_404_from_seller_pages(as_buyer, name):
    assert as_buyer.get(reverse(name)).status_code == 404
    assert as_buyer.post(reverse(name), {"name": "Mine"}).status_code == 404


@pytest.mark.parametrize("name", ORDER_ACTIONS)
def test_actions_do_not_answer_get(as_seller, order, name):
    response = as_seller.get(reverse(name, args=[order.number]))

    assert response.status_code == 405
    order.refresh_from_db()
    assert order.state == S.PAID


@pytest.mark.parametrize(
    ("user", "destination"),
    [("buyer", "orders:list"), ("seller", "orders:seller_list"), ("mediator", "admin:index")],
)
def test_home_sends_each_person_to_the_page_they_work_from(request, client, user, destination):
    client.force_login(request.getfixturevalue(user))

    response = client.get(reverse("home"))

    assert response["Location"] == reverse(destination)


def test_home_sends_an_anonymous_visitor_to_log_in(client, db):
    assert client.get(reverse("home"))["Location"] == reverse("accounts:login")


# --- the order page ----------------------------------------------------------------------------
def test_the_buyer_sees_the_protection_countdown_and_the_return_policy(as_buyer, order):
    response = as_buyer.get(detail_url(order))

    assert response.status_code == 200
    assert response.context["viewer_is_buyer"] is True
    assert response.context["protection"].deadline == order.handling_due_at
    assert "Sunday 8 November 2026, 12:00" in response.text
    assert "Returns accepted within 15 days of delivery." in response.text
    assert response.context["ship_form"] is None


def test_the_seller_sees_the_ship_form_on_an_order_awaiting_shipment(as_seller, order):
    response = as_seller.get(detail_url(order))

    assert response.status_code == 200
    assert response.context["viewer_is_buyer"] is False
    assert response.context["ship_form"] is not None
    assert 'name="tracking_number"' in response.text


def test_the_buyer_sees_the_confirm_button_once_the_order_has_shipped(as_buyer, order, now):
    ship(order, at=now + timedelta(minutes=30))

    response = as_buyer.get(detail_url(order))

    assert "confirm_receipt" in response.context["actions"]
    assert reverse("orders:confirm", args=[order.number]) in response.text


# --- ship --------------------------------------------------------------------------------------
def test_the_seller_ships_an_order_from_its_page(as_seller, order, clock, now):
    response = as_seller.post(
        reverse("orders:ship", args=[order.number]),
        {"carrier": Carrier.CHINA_POST, "tracking_number": " lx 123456789  cn "},
        follow=True,
    )

    assert response.redirect_chain == [(detail_url(order), 302)]
    assert flashes(response) == ["Marked as shipped. The buyer has been told."]
    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.shipped_at == now + timedelta(hours=1)
    assert order.protection_ends_at == now + timedelta(hours=1, days=39)
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number) == (Carrier.CHINA_POST, "LX 123456789 CN")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"carrier": "dhl", "tracking_number": "AB12"}, "tracking_number", "6 to 40 letters"),
        ({"carrier": "dhl", "tracking_number": "LX1234<script>"}, "tracking_number", "6 to 40 letters"),
        ({"carrier": "dhl", "tracking_number": "X" * 41}, "tracking_number", "at most 40 characters"),
        ({"carrier": "dhl", "tracking_number": ""}, "tracking_number", "This field is required."),
        ({"carrier": "", "tracking_number": "LX123456789CN"}, "carrier", "This field is required."),
        ({"carrier": "pigeon", "tracking_number": "LX123456789CN"}, "carrier", "Select a valid choice."),
    ],
    ids=["too-short", "bad-characters", "too-long", "no-tracking-number", "no-carrier", "unknown-carrier"],
)
def test_bad_shipping_input_is_shown_next_to_the_field_and_nothing_is_stored(
    as_seller, order, data, field, message
):
    response = as_seller.post(reverse("orders:ship", args=[order.number]), data)

    assert response.status_code == 400
    form = response.context["ship_form"]
    assert message in " ".join(form.errors[field])
    assert f'id="error_1_id_{field}"' in response.text
    order.refresh_from_db()
    assert order.state == S.PAID
    assert not Shipment.objects.filter(order=order).exists()
    assert not order.events.exists()


def test_the_buyer_cannot_ship_their_own_order(as_buyer, order):
    response = as_buyer.post(
        reverse("orders:ship", args=[order.number]),
        {"carrier": "dhl", "tracking_number": "LX123456789CN"},
        follow=True,
    )

    assert response.status_code == 200
    assert flashes(response) == ["This order cannot be marked as shipped now."]
    order.refresh_from_db()
    assert order.state == S.PAID


def test_shipping_after_the_handling_time_is_refused_with_a_message(as_seller, order, clock):
    clock.move_to(order.handling_due_at, tick=False)

    response = as_seller.post(
        reverse("orders:ship", args=[order.number]),
        {"carrier": "dhl", "tracking_number": "LX123456789CN"},
        follow=True,
    )

    assert flashes(response) == [
        "The seller's handling time ended on 8 Nov 2026, 12:00: the order was cancelled and the buyer "
        "refunded in full."
    ]
    order.refresh_from_db()
    assert order.state == S.CANCELLED


# --- delivered / confirm -----------------------------------------------------------------------
def test_the_seller_reports_an_order_delivered_and_protection_is_unchanged(as_seller, order, clock, now):
    order = ship(order, at=now + timedelta(minutes=30))
    protection_ends_at = order.protection_ends_at

    response = as_seller.post(reverse("orders:report_delivered", args=[order.number]), follow=True)

    assert flashes(response) == [
        "Reported as delivered. The buyer is asked to confirm receipt; their protection is unchanged "
        "until the carrier's tracking or the buyer confirms it."
    ]
    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert order.seller_reported_delivered_at == now + timedelta(hours=1)
    assert order.protection_ends_at == protection_ends_at == now + timedelta(minutes=30, days=23)


def test_the_buyer_cannot_report_an_order_delivered(as_buyer, order, now):
    ship(order, at=now + timedelta(minutes=30))

    response = as_buyer.post(reverse("orders:report_delivered", args=[order.number]), follow=True)

    assert flashes(response) == ["You cannot report this order delivered now."]
    order.refresh_from_db()
    assert order.seller_reported_delivered_at is None


def test_the_buyer_confirms_receipt(as_buyer, order, now):
    ship(order, at=now + timedelta(minutes=30))

    response = as_buyer.post(reverse("orders:confirm", args=[order.number]), {"confirm": "1"}, follow=True)

    assert flashes(response) == ["Thank you. Receipt confirmed."]
    order.refresh_from_db()
    assert order.state == S.COMPLETED
    assert order.dispute_window_ends_at == now + timedelta(hours=1, days=15)


def test_the_seller_cannot_confirm_receipt_for_the_buyer(as_seller, order, now):
    ship(order, at=now + timedelta(minutes=30))

    response = as_seller.post(reverse("orders:confirm", args=[order.number]), {"confirm": "1"}, follow=True)

    assert flashes(response) == ["You cannot confirm receipt of this order now."]
    order.refresh_from_db()
    assert order.state == S.SHIPPED


# --- protection extensions ---------------------------------------------------------------------
@pytest.fixture
def shipped(order, now):
    return ship(order, at=now + timedelta(minutes=30))


def test_the_buyer_asks_for_a_protection_extension(as_buyer, shipped, now):
    response = as_buyer.post(
        reverse("orders:request_extension", args=[shipped.number]),
        {"note": "Tracking has not moved."},
        follow=True,
    )

    assert flashes(response) == ["Extension requested. The seller has been asked."]
    shipped.refresh_from_db()
    assert shipped.extension_requested_at == now + timedelta(hours=1)
    assert shipped.extension_request_note == "Tracking has not moved."
    assert "Waiting for the seller." in response.text


def test_an_extension_request_without_a_reason_is_a_400(as_buyer, shipped):
    response = as_buyer.post(reverse("orders:request_extension", args=[shipped.number]), {"note": "  "})

    assert response.status_code == 400
    assert response.context["extension_form"].errors["note"] == ["This field is required."]
    assert 'id="error_1_id_note"' in response.text
    shipped.refresh_from_db()
    assert shipped.extension_requested_at is None


def test_the_seller_cannot_ask_for_an_extension(as_seller, shipped):
    response = as_seller.post(
        reverse("orders:request_extension", args=[shipped.number]), {"note": "please"}, follow=True
    )

    assert flashes(response) == ["You cannot ask for a protection extension on this order now."]
    shipped.refresh_from_db()
    assert shipped.extension_requested_at is None


@pytest.fixture
def asked(shipped, now):
    from orders import services

    return services.request_protection_extension(
        order=shipped, buyer=shipped.buyer, note="Stuck in customs", now=now + timedelta(minutes=40)
    )


def test_the_seller_sees_the_request_and_grants_it(as_seller, asked, now):
    page = as_seller.get(detail_url(asked))
    assert page.context["can_answer_extension"] is True
    assert "Stuck in customs" in page.text

    response = as_seller.post(
        reverse("orders:grant_extension", args=[asked.number]), {"days": 10}, follow=True
    )

    assert flashes(response) == ["Protection extended. The buyer has been told."]
    asked.refresh_from_db()
    assert asked.protection_ends_at == now + timedelta(minutes=30, days=33)
    assert asked.extensions_granted == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "greater than or equal to 1"),
        ("31", "less than or equal to 30"),
        ("ten", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_extension_days_out_of_range_are_a_400_and_nothing_changes(as_seller, asked, now, days, message):
    response = as_seller.post(reverse("orders:grant_extension", args=[asked.number]), {"days": days})

    assert response.status_code == 400
    assert message in response.context["grant_form"].errors["days"][0]
    assert 'id="error_1_id_days"' in response.text
    asked.refresh_from_db()
    assert asked.protection_ends_at == now + timedelta(minutes=30, days=23)
    assert asked.extensions_granted == 0
    assert asked.extension_requested_at is not None


def test_the_buyer_cannot_grant_their_own_extension(as_buyer, asked, now):
    response = as_buyer.post(
        reverse("orders:grant_extension", args=[asked.number]), {"days": 30}, follow=True
    )

    assert flashes(response) == ["There is no extension request to answer on this order."]
    asked.refresh_from_db()
    assert asked.protection_ends_at == now + timedelta(minutes=30, days=23)


def test_the_seller_declines_an_extension(as_seller, asked, now):
    response = as_seller.post(reverse("orders:decline_extension", args=[asked.number]), follow=True)

    assert flashes(response) == ["Extension declined. The buyer has been told."]
    asked.refresh_from_db()
    assert asked.extension_requested_at is None
    assert asked.protection_ends_at == now + timedelta(minutes=30, days=23)
    assert asked.events.filter(type=T.EXTENSION_DECLINED).count() == 1


def test_the_buyer_cannot_decline_the_request_for_the_seller(as_buyer, asked):
    response = as_buyer.post(reverse("orders:decline_extension", args=[asked.number]), follow=True)

    assert flashes(response) == ["There is no extension request to answer on this order."]
    asked.refresh_from_db()
    assert asked.extension_requested_at is not None


# --- the buyer's order list --------------------------------------------------------------------
def test_the_buyer_sees_only_their_own_orders(as_buyer, order, other_buyer, store, now):
    theirs = OrderFactory(buyer=other_buyer, store=store, paid_at=now)

    response = as_buyer.get(reverse("orders:list"))

    numbers = [o.number for o in response.context["page"].object_list]
    assert numbers == [order.number]
    assert theirs.number not in response.text


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", ["shipped", "paid"]),
        ("completed", ["completed"]),
        ("closed", ["cancelled"]),
        ("", ["completed", "cancelled", "shipped", "paid"]),
        ("nonsense", ["completed", "cancelled", "shipped", "paid"]),
    ],
)
def test_the_buyer_filters_orders_by_status(as_buyer, buyer, store, now, status, expected):
    from portal.deadlines import enforce_all

    orders = {
        "paid": OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=1)),
        "shipped": ship(
            OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=2)),
            at=now - timedelta(days=1),
        ),
        "cancelled": OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=10)),
        "completed": confirm(
            ship(
                OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=20)),
                at=now - timedelta(days=19),
            ),
            at=now - timedelta(days=18),
        ),
    }
    enforce_all(now=now)
    names = {order.number: name for name, order in orders.items()}

    response = as_buyer.get(reverse("orders:list"), {"status": status})

    assert response.status_code == 200
    assert [names[o.number] for o in response.context["page"].object_list] == sorted(
        expected, key=lambda name: -orders[name].paid_at.timestamp()
    )
    assert response.context["status"] == (status if status != "nonsense" else "")


def test_the_buyers_order_list_is_paginated_20_to_a_page(as_buyer, buyer, store, now):
    orders = [
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour)) for hour in range(25)
    ]

    first = as_buyer.get(reverse("orders:list"))
    second = as_buyer.get(reverse("orders:list") + link(first, "next"))
    back = as_buyer.get(reverse("orders:list") + link(second, "prev"))
    oldest = as_buyer.get(reverse("orders:list"), {"page": "last"})

    assert [o.number for o in first.context["page"].object_list] == [o.number for o in orders[:20]]
    assert [o.number for o in second.context["page"].object_list] == [o.number for o in orders[20:]]
    assert [o.number for o in back.context["page"].object_list] == [o.number for o in orders[:20]]
    # The oldest page is a full page ending with the oldest order.
    assert [o.number for o in oldest.context["page"].object_list] == [o.number for o in orders[5:]]
    assert ">Older<" in first.text and ">Newer<" not in first.text
    assert ">Newer<" in second.text and ">Older<" not in second.text


def test_the_order_list_pages_keep_the_filter_and_ignore_a_broken_cursor(as_buyer, buyer, store, now):
    orders = [
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(minutes=minute))
        for minute in range(21)
    ]

    first = as_buyer.get(reverse("orders:list"), {"status": "active"})
    second = as_buyer.get(reverse("orders:list") + link(first, "next"))
    broken = as_buyer.get(reverse("orders:list"), {"after": "not-a-cursor"})

    assert link(first, "next").startswith("?status=active&after=")
    assert second.context["status"] == "active"
    assert [o.number for o in second.context["page"].object_list] == [orders[20].number]
    assert [o.number for o in broken.context["page"].object_list] == [o.number for o in orders[:20]]


def test_orders_paid_in_the_same_second_are_each_listed_once(as_buyer, buyer, store, now):
    orders = [OrderFactory(buyer=buyer, store=store, paid_at=now) for _ in range(23)]

    first = as_buyer.get(reverse("orders:list"))
    second = as_buyer.get(reverse("orders:list") + link(first, "next"))

    listed = [o.number for o in first.context["page"].object_list + second.context["page"].object_list]
    assert sorted(listed) == sorted(o.number for o in orders) and len(set(listed)) == 23


def test_an_empty_order_list_says_so(as_buyer):
    response = as_buyer.get(reverse("orders:list"))

    assert response.status_code == 200
    assert "You have no orders yet." in response.text


# --- the seller's tabs -------------------------------------------------------------------------
def test_the_seller_works_from_tabs_most_urgent_shipment_first(as_seller, store, other_store, buyer, now):
    later = OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=1))
    urgent = OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=5))
    shipped = ship(OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(days=2)), at=now)
    OrderFactory(buyer=buyer, store=other_store, paid_at=now - timedelta(days=6))

    to_ship = as_seller.get(reverse("orders:seller_list"))
    shipped_tab = as_seller.get(reverse("orders:seller_list"), {"tab": "shipped"})

    assert to_ship.context["tab"] == "to_ship"
    assert [o.number for o in to_ship.context["page"].object_list] == [urgent.number, later.number]
    assert [o.number for o in shipped_tab.context["page"].object_list] == [shipped.number]
    counts = {key: n for key, _label, n, _more in to_ship.context["tabs"]}
    assert counts == {"to_ship": 2, "shipped": 1, "delivered": 0, "completed": 0, "closed": 0}


def test_an_unknown_tab_shows_orders_to_ship(as_seller, order):
    response = as_seller.get(reverse("orders:seller_list"), {"tab": "everything"})

    assert response.context["tab"] == "to_ship"
    assert [o.number for o in response.context["page"].object_list] == [order.number]


def test_the_seller_tab_is_paginated_and_keeps_the_tab_in_page_links(as_seller, store, buyer, now):
    for hour in range(21):
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour))

    first = as_seller.get(reverse("orders:seller_list"), {"tab": "to_ship"})
    second = as_seller.get(reverse("orders:seller_list") + link(first, "next"))

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 1
    assert second.context["tab"] == "to_ship"
    assert link(first, "next").startswith("?tab=to_ship&after=")
    # The tab is ordered by deadline, not by date: its links say so.
    assert ">Next<" in first.text and ">Older<" not in first.text


def test_a_seller_tab_counts_up_to_the_cap_and_says_there_are_more(as_seller, store, buyer, now, settings):
    for hour in range(4):
        OrderFactory(buyer=buyer, store=store, paid_at=now - timedelta(hours=hour))

    with patch.object(paging, "SITE_COUNT_CAP", 3):
        response = as_seller.get(reverse("orders:seller_list"))

    counts = {key: (n, more) for key, _label, n, more in response.context["tabs"]}
    assert counts["to_ship"] == (3, True) and counts["shipped"] == (0, False)
    assert '<span class="badge text-bg-light">3+</span>' in response.text


# --- the return policy page --------------------------------------------------------------------
def policy_form(**overrides) -> dict:
    data = {
        "name": "Sam's Gadgets",
        "accepts_returns": "on",
        "return_window_days": "20",
        "return_shipping_paid_by": Store.ReturnShippingPayer.SELLER,
        "refund_without_return_threshold": "7.50",
        "refund_without_return_currency": "USD",
        "return_address": "Returns, 9 Dock Street, Shenzhen",
        "free_return_countries": ["US", "FR"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_seller_sees_the_current_return_policy(as_seller, store):
    FreeReturnCountry.objects.create(
        store=store, country="ES", max_item_value=Decimal("40.00"), currency="EUR"
    )

    response = as_seller.get(reverse("orders:return_policy"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["free_return_countries"] == ["ES"]
    assert form.initial["return_window_days"] == 15


def test_the_seller_saves_the_return_policy(as_seller, store):
    response = as_seller.post(reverse("orders:return_policy"), policy_form(), follow=True)

    assert response.redirect_chain == [(reverse("orders:return_policy"), 302)]
    assert flashes(response) == ["Return policy saved. It applies to orders placed from now on."]
    store.refresh_from_db()
    assert store.return_window_days == 20
    assert store.return_shipping_paid_by == Store.ReturnShippingPayer.SELLER
    assert (store.refund_without_return_threshold, store.refund_without_return_currency) == (
        Decimal("7.50"),
        "USD",
    )
    assert store.return_address == "Returns, 9 Dock Street, Shenzhen"
    programme = {p.country: (p.max_item_value, p.currency) for p in store.free_return_countries.all()}
    assert programme == {"US": (Decimal("50.00"), "USD"), "FR": (Decimal("40.00"), "EUR")}


@pytest.mark.parametrize("days", ["13", "31"])
def test_a_return_window_outside_14_to_30_days_is_rejected(as_seller, store, days):
    response = as_seller.post(reverse("orders:return_policy"), policy_form(return_window_days=days))

    assert response.status_code == 400
    assert response.context["form"].errors["return_window_days"]
    assert 'id="error_1_id_return_window_days"' in response.text
    store.refresh_from_db()
    assert store.return_window_days == 15
    assert not store.free_return_countries.exists()


def test_accepting_returns_with_no_address_is_rejected(as_seller, store):
    response = as_seller.post(reverse("orders:return_policy"), policy_form(return_address="   "))

    assert response.status_code == 400
    assert response.context["form"].errors["return_address"] == ["Buyers need an address to send returns to."]
    store.refresh_from_db()
    assert store.return_address == "Returns dept., 1 Warehouse Road, Shenzhen, China"
    assert store.return_window_days == 15


def test_a_store_that_takes_no_returns_needs_no_address(as_seller, store):
    response = as_seller.post(
        reverse("orders:return_policy"),
        policy_form(accepts_returns=None, return_address="", free_return_countries=None),
    )

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.accepts_returns is False
    assert store.return_address == ""


def test_an_unknown_free_return_country_is_rejected(as_seller, store):
    response = as_seller.post(
        reverse("orders:return_policy"), policy_form(free_return_countries=["US", "XX"])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["free_return_countries"]
    assert not store.free_return_countries.exists()


def test_leaving_the_programme_removes_the_country(as_seller, store):
    FreeReturnCountry.objects.create(
        store=store, country="RU", max_item_value=Decimal("3000.00"), currency="RUB"
    )

    as_seller.post(reverse("orders:return_policy"), policy_form(free_return_countries=["US"]))

    assert list(store.free_return_countries.values_list("country", flat=True)) == ["US"]
