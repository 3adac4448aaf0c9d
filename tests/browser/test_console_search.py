"""A mediator finds a case in the console by the number the parties quote ("D-…"), narrows the
queue by the amount asked in its own currency, and sees a long list described, not counted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.disputes.test_admin_queue import make_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mediator_finds_a_case_by_its_number_and_filters_by_amount_in_its_currency(
    browser_for, live_server, mediator, real_now, journey
):
    wanted = make_case(real_now - timedelta(days=20), amount=Decimal("3000.00"), currency="RUB")
    other = make_case(real_now - timedelta(days=19), amount=Decimal("30.00"))
    page = browser_for(mediator)
    steps = journey("console-search")

    page.goto(f"{live_server.url}/admin/disputes/dispute/")
    expect(page.locator("#result_list")).to_contain_text(other.order.number)
    page.fill("#searchbar", wanted.reference)
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_contain_text(wanted.order.number)
    expect(page.locator("#result_list")).not_to_contain_text(other.order.number)
    steps.page(page, "search by the dispute number")

    page.goto(f"{live_server.url}/admin/disputes/dispute/")
    page.get_by_role("link", name="RUB: 2500 to 10000").click()
    expect(page.locator("#result_list")).to_contain_text(wanted.order.number)
    expect(page.locator("#result_list")).not_to_contain_text(other.order.number)
    steps.page(page, "amount asked in roubles")
