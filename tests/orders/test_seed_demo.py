from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.demo import ORDER_NUMBER_PREFIX, PASSWORD, PEOPLE
from orders.models import Carrier, Order, OrderEvent, Refund, Store
from orders.permissions import is_seller
from portal import deadlines
from portal.accounts.models import User
from portal.accounts.roles import is_mediator

pytestmark = pytest.mark.django_db

EVERY_STATE = {
    Order.State.PAID,
    Order.State.SHIPPED,
    Order.State.DELIVERED,
    Order.State.COMPLETED,
    Order.State.SETTLED,
    Order.State.CANCELLED,
    Order.State.REFUNDED,
}


def seed(now) -> str:
    out = StringIO()
    call_command("seed_demo", now=now.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_orders(now, django_capture_on_commit_callbacks):
    # As after the command's transaction commits: the queued jobs (evidence photos) run.
    with django_capture_on_commit_callbacks(execute=True):
        seed(now)
    return Order.objects.filter(number__startswith=ORDER_NUMBER_PREFIX)


def test_the_demo_has_about_forty_orders_in_every_state(demo_orders):
    # The orders' own stories, and one order per dispute story (tests/disputes/test_demo.py).
    assert 35 <= demo_orders.count() <= 50
    assert set(demo_orders.values_list("state", flat=True)) == EVERY_STATE


def test_the_demo_ships_with_every_carrier(demo_orders):
    carriers = set(demo_orders.filter(shipment__isnull=False).values_list("shipment__carrier", flat=True))

    assert carriers == set(Carrier.values)


def test_the_demo_pays_in_dollars_euros_and_roubles_with_totals_matching_the_items(demo_orders):
    assert set(demo_orders.values_list("currency", flat=True)) == {"USD", "EUR", "RUB"}
    for order in demo_orders.prefetch_related("items"):
        assert order.total_paid == sum(item.line_total for item in order.items.all())


def test_nothing_in_the_demo_is_due_so_the_first_sweep_changes_nothing(demo_orders, now):
    states = dict(demo_orders.values_list("pk", "state"))

    applied = deadlines.enforce_all(now=now)

    # Only reminders go out (for demo orders near a deadline), once: no state changes.
    # (Dispute reminders come due in the sweep's "disputes" count: the demo sent those already.)
    assert {name: n for name, n in applied.items() if name != "order_reminders"} == {
        name: 0 for name in deadlines.registered() if name != "order_reminders"
    }
    assert dict(demo_orders.values_list("pk", "state")) == states
    assert deadlines.enforce_all(now=now) == {name: 0 for name in deadlines.registered()}


def test_every_demo_event_happened_in_the_past_in_order(demo_orders, now):
    for order in demo_orders:
        times = list(order.events.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times)
        assert times[0] == order.paid_at
        assert times[-1] <= now


def test_delivered_demo_orders_are_still_within_protection_for_dispute_demos(demo_orders, now):
    delivered = demo_orders.filter(state=Order.State.DELIVERED, on_hold=False)  # not disputed

    assert delivered.exists()
    assert all(order.protection_ends_at > now for order in delivered)


def test_cancelled_demo_orders_were_cancelled_by_the_sweep_and_refunded_in_full(demo_orders):
    for order in demo_orders.filter(state=Order.State.CANCELLED):
        assert order.events.filter(type=OrderEvent.Type.AUTO_CANCELLED, actor=None).exists()
        assert list(order.refunds.values_list("status", "amount")) == [(Refund.Status.PAID, order.total_paid)]


def test_a_demo_buyer_waits_for_a_protection_extension_and_another_got_one(demo_orders):
    assert demo_orders.filter(extension_requested_at__isnull=False).exists()
    assert demo_orders.filter(extensions_granted=1).exists()


def test_the_two_demo_stores_have_opposite_return_policies(demo_orders):
    generous = Store.objects.get(owner__username="lin_seller")
    strict = Store.objects.get(owner__username="ana_seller")

    assert (generous.accepts_returns, generous.return_window_days, generous.return_shipping_paid_by) == (
        True,
        30,
        Store.ReturnShippingPayer.SELLER,
    )
    assert set(generous.free_return_countries.values_list("country", flat=True)) == {"US", "FR"}
    assert (strict.accepts_returns, strict.return_window_days, strict.return_shipping_paid_by) == (
        False,
        14,
        Store.ReturnShippingPayer.BUYER,
    )
    assert not strict.free_return_countries.exists()


def test_demo_people_have_their_roles_time_zones_and_languages(demo_orders):
    users = {user.username: user for user in User.objects.filter(username__in=[p.username for p in PEOPLE])}

    assert users["admin"].is_superuser
    assert is_mediator(users["maria_mediator"]) and not users["maria_mediator"].is_superuser
    assert is_seller(users["lin_seller"]) and is_seller(users["ana_seller"])
    assert (users["olga_buyer"].time_zone, users["olga_buyer"].language) == ("Europe/Moscow", "ru")
    assert users["jack_buyer"].time_zone == "America/New_York"
    assert users["mei_buyer"].time_zone == "Asia/Shanghai"
    assert {user.username for user in users.values() if user.orders.exists()} == {
        "olga_buyer",
        "jack_buyer",
        "mei_buyer",
    }


def test_every_demo_login_works_with_the_printed_password(client, now):
    output = seed(now)

    for person in PEOPLE:
        assert person.username in output
        assert client.login(username=person.username, password=PASSWORD), person.username
    assert PASSWORD in output


def test_running_the_demo_twice_adds_nothing_and_prints_the_logins_again(now):
    seed(now)
    before = (User.objects.count(), Order.objects.count(), OrderEvent.objects.count(), Refund.objects.count())

    output = seed(now)

    assert (
        User.objects.count(),
        Order.objects.count(),
        OrderEvent.objects.count(),
        Refund.objects.count(),
    ) == (before)
    assert "already loaded" in output
    assert "olga_buyer" in output


def test_the_demo_refuses_to_mix_with_users_of_the_same_names(now):
    User.objects.create_user("jack_buyer", password="something-else")

    with pytest.raises(CommandError, match="already exist"):
        seed(now)

    assert not Order.objects.filter(number__startswith=ORDER_NUMBER_PREFIX).exists()
