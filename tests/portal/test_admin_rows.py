"""The console's change lists write the same rows as Django's own ``result_list`` (portal.admin_rows):
every list, with and without filters to keep in the rows' links, with a selection checkbox and
without, and with text that must be escaped."""

from decimal import Decimal

import pytest
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse

from disputes.models import BuyerStanding
from messaging.models import Conversation, Message
from orders.models import Refund
from portal import admin_rows
from tests.disputes.test_admin_queue import make_case
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

LISTS = [
    ("admin:disputes_dispute_changelist", {}),
    ("admin:disputes_dispute_changelist", {"state": "all"}),
    ("admin:disputes_dispute_changelist", {"state": "all", "reason": "not_received", "o": "2"}),
    ("admin:disputes_dispute_changelist", {"q": "<b>"}),
    ("admin:orders_order_changelist", {}),
    ("admin:orders_order_changelist", {"on_hold__exact": "1"}),
    ("admin:orders_refund_changelist", {"currency": "USD"}),
    ("admin:orders_store_changelist", {}),
    ("admin:orders_store_changelist", {"q": "<b>"}),
    ("admin:messaging_conversation_changelist", {}),
    ("admin:disputes_buyerstanding_changelist", {}),
    ("admin:accounts_user_changelist", {"is_staff__exact": "0"}),
]


@pytest.fixture
def console(client, superuser, now):
    """Cases whose store and buyer names need escaping, a refund, a conversation and a standing."""
    for index in range(3):
        store = StoreFactory(name=f"<b>Shop & Co {index}</b>")
        buyer = UserFactory(username=f"o'brien-{index}")
        case = make_case(now, store=store, buyer=buyer, amount=Decimal("12.50"))
        Refund.objects.create(
            order=case.order,
            amount=Decimal("1.00"),
            currency="USD",
            reason=Refund.Reason.DISPUTE,
            created_at=now,
        )
        conversation = Conversation.objects.create(
            order=case.order, buyer=buyer, store=store, created_at=now, last_message_at=now
        )
        Message.objects.create(
            conversation=conversation, sender=buyer, sender_party="buyer", body="Hi", created_at=now
        )
        BuyerStanding.objects.get_or_create(buyer=buyer)
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(("name", "params"), LISTS)
def test_every_console_list_writes_the_rows_django_writes(console, name, params):
    response = console.get(reverse(name), params)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_list, "the list shows rows"

    django_rows = ["".join(row) for row in admin_list.result_list(cl)["results"]]
    portal_context = admin_rows.result_list(cl)
    portal_rows = ["".join(row) for row in portal_context["results"]]

    assert portal_rows == django_rows
    assert portal_context["result_headers"] == admin_list.result_list(cl)["result_headers"]
    html = response.content.decode()
    assert all(row in html for row in django_rows), "the page shows the rows as Django writes them"


def test_the_queue_rows_keep_the_filters_and_carry_the_selection_checkbox(console):
    html = console.get(reverse("admin:disputes_dispute_changelist"), {"state": "all"}).content.decode()

    assert 'class="action-select" aria-label="Select this object for an action - D-' in html
    assert "/change/?_changelist_filters=state%3Dall" in html
    assert "&lt;b&gt;Shop &amp; Co 0&lt;/b&gt;" in html and "<b>Shop" not in html


def test_a_rows_link_is_the_one_django_resolves_and_a_list_of_its_own_links_is_asked(console):
    response = console.get(reverse("admin:orders_order_changelist"))
    cl = response.context["cl"]
    rows = admin_rows.Rows(cl)

    assert [rows.url_for_result(order) for order in cl.result_list] == [
        cl.url_for_result(order) for order in cl.result_list
    ]
    assert len({rows.url_for_result(order) for order in cl.result_list}) == len(cl.result_list) > 1

    class OwnLinks(type(cl)):
        def url_for_result(self, result):
            return f"/elsewhere/{result.pk}/"

    cl.__class__ = OwnLinks
    own = admin_rows.Rows(cl)
    assert [own.url_for_result(order) for order in cl.result_list] == [
        f"/elsewhere/{order.pk}/" for order in cl.result_list
    ]
