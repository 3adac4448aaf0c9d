"""What the order pages show around the order: carrier links, product pictures, the next
deadline, one menu per role, the address once, and the grouped time-zone picker."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from orders.models import Carrier, LineItem, Order, tracking_url
from orders.selectors import navigation_roles
from portal.accounts.forms import ProfileForm
from tests.factories import OrderFactory, StoreFactory, UserFactory, ship

pytestmark = pytest.mark.django_db


def test_a_known_carrier_links_to_its_tracking_page_and_an_unknown_one_has_no_link():
    assert tracking_url(Carrier.DHL, "JD 0146 0000") == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=JD01460000"
    )
    assert tracking_url(Carrier.UPS, "1Z&999") == "https://www.ups.com/track?tracknum=1Z%26999"
    assert tracking_url(Carrier.OTHER_POST, "RR123456789CN") == ""
    assert tracking_url(Carrier.DHL, "") == ""


def test_the_order_page_links_the_tracking_number_to_the_carrier(client, buyer, order, now):
    ship(order, at=now + timedelta(days=1), carrier=Carrier.FEDEX)
    client.force_login(buyer)
    html = client.get(f"/orders/{order.number}/").content.decode()
    number = order.shipment.tracking_number
    assert f'href="https://www.fedex.com/fedextrack/?trknbr={number}"' in html


def test_a_postal_parcel_shows_its_tracking_number_as_plain_text(client, buyer, order, now):
    ship(order, at=now + timedelta(days=1), carrier=Carrier.OTHER_POST)
    client.force_login(buyer)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert f"<code>{order.shipment.tracking_number}</code>" in html
    assert 'data-testid="tracking-link"' not in html


def _import(tmp_path, buyer, seller, image_url):
    line = {"title": "Phone case", "quantity": 1, "unit_price": "9.99", "image_url": image_url}
    record = {
        "number": "MP-7",
        "buyer": buyer.username,
        "store_owner": seller.username,
        "currency": "USD",
        "paid_at": "2026-11-20T10:00:00Z",
        "lines": [line],
    }
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    call_command("import_orders", str(path))


def test_an_imported_line_keeps_its_https_picture_and_the_pages_show_it(tmp_path, client, buyer, seller):
    _import(tmp_path, buyer, seller, "https://cdn.example/case.jpg")
    assert LineItem.objects.get(order__number="MP-7").image_url == "https://cdn.example/case.jpg"
    client.force_login(buyer)
    for url in ("/orders/", "/orders/MP-7/"):
        assert 'src="https://cdn.example/case.jpg"' in client.get(url).content.decode()


def test_a_picture_over_plain_http_is_refused_with_its_line(tmp_path, buyer, seller):
    with pytest.raises(CommandError):
        _import(tmp_path, buyer, seller, "http://cdn.example/case.jpg")
    assert not Order.objects.filter(number="MP-7").exists()


def test_a_line_without_a_picture_shows_a_placeholder(client, buyer, order):
    client.force_login(buyer)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert "product-thumb-empty" in html


def test_the_buyers_order_list_shows_each_orders_next_deadline(client, buyer, order):
    client.force_login(buyer)
    html = client.get("/orders/").content.decode()
    assert 'data-testid="next-deadline"' in html
    assert "Seller must ship by" in html


def test_a_seller_who_never_bought_sees_only_the_seller_menu(client, seller):
    client.force_login(seller)
    html = client.get("/seller/orders/").content.decode()
    assert 'href="/seller/disputes/"' in html
    assert 'href="/orders/"' not in html
    assert 'href="/disputes/"' not in html


def test_a_seller_who_also_buys_sees_both_menus(client, seller, other_store):
    OrderFactory(buyer=seller, store=other_store)
    client.force_login(seller)
    html = client.get("/seller/orders/").content.decode()
    assert 'href="/seller/disputes/"' in html
    assert 'href="/orders/"' in html


def test_a_buyer_sees_only_the_buyer_menu(client, buyer):
    client.force_login(buyer)
    html = client.get("/orders/").content.decode()
    assert 'href="/orders/"' in html
    assert 'href="/seller/orders/"' not in html


def test_the_address_is_shown_once_without_the_country_code_before_it(client, buyer, store):
    order = OrderFactory(
        buyer=buyer,
        store=store,
        ship_to_country="PL",
        ship_to_address="ul. Długa 12\n00-238 Warszawa\nPoland",
    )
    client.force_login(buyer)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert "PL —" not in html
    assert "00-238 Warszawa<br>Poland" in html


def test_the_time_zone_picker_groups_zones_by_region():
    user = UserFactory(username="tz_user")
    groups = dict(ProfileForm(instance=user).fields["time_zone"].choices)
    assert ("Europe/Moscow", "Moscow") in groups["Europe"]
    assert ("America/New_York", "New York") in groups["America"]
    assert ("UTC", "UTC") in groups["Other"]
    html = str(ProfileForm(instance=user)["time_zone"])
    assert '<optgroup label="Europe">' in html
    assert 'data-filter-label="Search time zones"' in html


@pytest.mark.parametrize(
    ("owns_a_store", "has_bought"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_the_navigation_roles_say_whether_the_user_sells_and_buys_in_one_query_per_request(
    owns_a_store, has_bought, other_store, django_assert_num_queries
):
    user = UserFactory()
    if owns_a_store:
        StoreFactory(owner=user)
    if has_bought:
        OrderFactory(buyer=user, store=other_store)
    OrderFactory(store=other_store)  # someone else's order, and other_store's own owner, count for nothing

    with django_assert_num_queries(1):
        assert navigation_roles(user) == (owns_a_store, has_bought)
        assert navigation_roles(user) == (owns_a_store, has_bought)
