"""The live countdown in the viewer's language: units and plural forms from the browser's Intl, the
phrase around them from the server's translations, and the server's own text when scripts are off."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import log_in_with_form
from tests.browser.support import browser_errors

pytestmark = pytest.mark.django_db(transaction=True)

#: Past the whole minute, so the browser's rounding of the clock never tips a minute over.
SLACK = timedelta(seconds=30)


def countdown_at(page: Page, url: str, *, from_deadline: timedelta) -> Locator:
    """Open the order page with the browser's clock ``from_deadline`` away from the protection
    deadline (negative: before it) and return the protection countdown."""
    countdown = page.locator(".countdown-wrapper .countdown")
    if page.url != url:
        page.goto(url)
    deadline = datetime.fromisoformat(countdown.get_attribute("data-deadline"))
    page.clock.set_fixed_time(deadline + from_deadline + (SLACK if from_deadline > timedelta(0) else -SLACK))
    page.reload()
    return countdown


def test_a_russian_buyer_reads_the_countdown_with_russian_plural_forms(
    live_server, browser_for, buyer, delivered
):
    buyer.language = "ru"
    buyer.save(update_fields=["language"])
    page = browser_for(buyer)
    url = f"{live_server.url}/orders/{delivered.number}/"

    for before, text in [
        (timedelta(days=2, hours=3, minutes=5), "осталось 2 дня 3 часа 5 минут"),
        (timedelta(days=5, minutes=1), "осталось 5 дней 0 часов 1 минута"),
        (timedelta(days=21, hours=1, minutes=22), "осталось 21 день 1 час 22 минуты"),
        (timedelta(minutes=11), "осталось 11 минут"),
    ]:
        countdown = countdown_at(page, url, from_deadline=-before)
        expect(countdown).to_have_text(text)
        expect(countdown).not_to_have_class("countdown is-overdue")

    countdown = countdown_at(page, url, from_deadline=timedelta(days=1, hours=4, minutes=2))
    expect(countdown).to_have_text("просрочено на 1 день 4 часа 2 минуты")
    expect(countdown).to_have_class("countdown is-overdue")
    assert browser_errors(page) == []


def test_an_english_buyer_reads_the_countdown_in_english(live_server, browser_for, buyer, delivered):
    page = browser_for(buyer)
    url = f"{live_server.url}/orders/{delivered.number}/"

    countdown = countdown_at(page, url, from_deadline=-timedelta(days=2, hours=3, minutes=5))
    expect(countdown).to_have_text("2 days, 3 hours, 5 minutes left")

    countdown = countdown_at(page, url, from_deadline=timedelta(days=1, hours=1, minutes=1))
    expect(countdown).to_have_text("overdue by 1 day, 1 hour, 1 minute")
    assert browser_errors(page) == []


def test_without_scripts_the_countdown_is_the_servers_text(live_server, new_context, buyer, delivered):
    buyer.language = "ru"
    buyer.save(update_fields=["language"])
    page = new_context(java_script_enabled=False).new_page()
    log_in_with_form(page, live_server.url, buyer.username)

    page.goto(f"{live_server.url}/orders/{delivered.number}/")

    expect(page.locator(".countdown-wrapper .countdown")).to_have_text(
        re.compile(r"^осталось \d+\s(день|дня|дней), \d+\s(час|часа|часов)$")
    )
