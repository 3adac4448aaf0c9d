"""The seller's state tabs at a phone's 360 px wrap into rows: every tab is in sight, none is
hidden past the edge of a bar that scrolls sideways (issue 15, item 6)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 780}

_TABS_JS = """() => {
  const bar = document.querySelector(".tab-bar");
  const tabs = [...bar.querySelectorAll(".nav-link")].map((tab) => tab.getBoundingClientRect());
  return {
    scrolls: bar.scrollWidth > bar.clientWidth,
    outside: tabs.filter((box) => box.left < 0 || box.right > window.innerWidth).length,
    rows: new Set(tabs.map((box) => Math.round(box.top))).size,
    count: tabs.length,
  };
}"""


def test_the_sellers_state_tabs_wrap_on_a_phone(live_server, browser_for, seller, store, journey):
    shots = journey("seller-tabs-phone")
    page = browser_for(seller, viewport=PHONE)
    page.goto(f"{live_server.url}/seller/orders/")
    expect(page.locator(".tab-bar .nav-link.active")).to_have_attribute("aria-current", "page")

    tabs = page.evaluate(_TABS_JS)

    assert tabs["count"] >= 5
    assert not tabs["scrolls"]
    assert tabs["outside"] == 0
    assert tabs["rows"] > 1
    shots.page(page, "tabs wrapped")


def test_on_a_laptop_the_tabs_stay_one_row(live_server, browser_for, seller, store):
    page = browser_for(seller, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/seller/orders/")

    tabs = page.evaluate(_TABS_JS)

    assert (tabs["rows"], tabs["outside"], tabs["scrolls"]) == (1, 0, False)
