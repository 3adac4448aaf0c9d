"""The dispute page's cache never serves a stale page: after every kind of change the next GET
shows it, each browser gets its own CSRF token, flash messages and bad input render afresh, and
a stranger still meets the gatekeeper's 404."""

import importlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes import events, page_cache, services
from disputes.models import Evidence
from disputes.tasks import process_evidence
from orders import services as order_services
from orders.models import Refund
from portal.notifications.models import Notification
from tests.factories import evidence_files, open_dispute_for, ship

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def dispute(order, now, t0, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return open_dispute_for(ship(order, at=now + DAY), at=t0, amount=Decimal("60.00"))


def detail(dispute) -> str:
    return reverse("disputes:detail", args=[dispute.pk])


def page(client, dispute) -> str:
    response = client.get(detail(dispute))
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.fixture
def cached(client, buyer, dispute, clock):
    """The buyer has seen the page once, so it is in the cache."""
    client.force_login(buyer)
    return page(client, dispute)


# --- it is cached -----------------------------------------------------------------------------------------
def test_an_unchanged_page_is_served_from_the_cache_with_one_query_after_the_session_and_user(
    client, dispute, cached
):
    with CaptureQueriesContext(connection) as captured:
        again = page(client, dispute)

    assert without_tokens(again) == without_tokens(cached)
    assert len(captured) == 3


def test_a_cached_page_never_holds_a_csrf_token(client, buyer, dispute, clock, monkeypatch):
    stored = {}
    monkeypatch.setattr(page_cache.django_cache, "set", lambda key, html, timeout: stored.update({key: html}))
    client.force_login(buyer)

    served = page(client, dispute)

    [html] = stored.values()
    placeholder = page_cache.csrf_placeholder()
    assert placeholder in html and not TOKEN.search(html.replace(placeholder, ""))
    assert placeholder not in served and TOKEN.search(served)


def test_a_copy_stored_before_a_restart_or_by_another_process_gets_this_browsers_token(buyer, dispute, clock):
    """A shared cache (Redis) hands one process's copy to another, and keeps copies across
    restarts: the placeholder each process puts in and looks for must be the same."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(buyer)
    page(browser, dispute)

    importlib.reload(page_cache)  # a new process: module state starts afresh
    with CaptureQueriesContext(connection) as captured:
        served = page(browser, dispute)

    assert len(captured) == 3  # served from the copy
    token = TOKEN.search(served).group(1)
    response = browser.post(
        reverse("disputes:add_evidence", args=[dispute.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 400  # the form's own answer (no files), not CSRF's 403


def test_a_cache_that_cannot_be_reached_only_costs_a_fresh_render(
    client, dispute, cached, monkeypatch, caplog
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache.django_cache, "get", unreachable)
    monkeypatch.setattr(page_cache.django_cache, "set", unreachable)

    again = page(client, dispute)

    assert without_tokens(again) == without_tokens(cached)
    assert "dispute page cache unavailable" in caplog.text


# --- never stale ----------------------------------------------------------------------------------------
def test_a_counter_offer_by_the_seller_shows_on_the_buyers_next_view(client, dispute, seller, cached, t0):
    assert "The seller offers" not in cached

    services.counter_offer(
        dispute=dispute,
        seller=seller,
        amount=Decimal("25.00"),
        with_return=False,
        note="",
        evidence=[],
        now=t0,
    )

    assert "The seller offers" in page(client, dispute)


def test_an_event_written_by_the_clock_shows_on_the_next_view(client, dispute, cached, t0):
    assert "Reminder sent" not in cached

    events.reminder_sent(dispute=dispute, hours_left=24, at=t0 + DAY)

    assert "Reminder sent to the seller: 24 hours left." in page(client, dispute)


def test_evidence_finished_by_the_worker_shows_on_the_next_view(
    client, buyer, dispute, clock, t0, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=False):
        services.add_evidence(dispute=dispute, user=buyer, files=evidence_files("box.jpg"), note="", now=t0)
    evidence = dispute.evidence.get()
    assert "Processing…" in page(client, dispute)

    process_evidence(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.READY
    html = page(client, dispute)
    assert "Processing…" not in html
    assert reverse("disputes:evidence", args=[evidence.public_id, "thumb"]) in html


def test_a_refund_paid_by_the_worker_shows_on_the_next_view(
    client, buyer, seller, dispute, clock, t0, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=False):
        services.accept_request(dispute=dispute, seller=seller, now=t0 + DAY)
    refund = dispute.refunds.get()
    assert refund.status == Refund.Status.PENDING
    assert re.search(r'data-testid="refund-status">Processing', page(client, dispute))

    order_services.pay_refund(refund_id=refund.pk, now=t0 + DAY)

    assert re.search(r'data-testid="refund-status">Paid', page(client, dispute))


def test_a_new_notification_for_the_viewer_shows_in_the_navigation_bar_on_the_next_view(
    client, buyer, dispute, cached, t0
):
    before = re.search(r'data-testid="notification-count">.*?(\d+)</span>', cached, re.S)
    count = int(before.group(1)) if before else 0

    Notification.objects.create(
        recipient=buyer, kind="test", title="Something happened", dedupe_key="page-cache-test", created_at=t0
    )

    badge = re.search(r'data-testid="notification-count">.*?(\d+)</span>', page(client, dispute), re.S)
    assert badge and int(badge.group(1)) == count + 1


def test_a_new_language_or_time_zone_shows_on_the_next_view(client, buyer, dispute, cached):
    assert "Times are shown in UTC." in cached

    buyer.time_zone = "Europe/Moscow"
    buyer.save(update_fields=["time_zone"])
    assert "Times are shown in Europe/Moscow." in page(client, dispute)

    buyer.language = "ru"
    buyer.save(update_fields=["language"])
    assert "Хронология" in page(client, dispute)


def test_a_renamed_actor_shows_in_the_timeline_on_the_next_view(client, seller, dispute, cached, t0):
    services.reject_request(dispute=dispute, seller=seller, note="No.", evidence=[], now=t0)
    assert str(seller) in page(client, dispute)

    seller.first_name, seller.last_name = "Renamed", "Seller"
    seller.save(update_fields=["first_name", "last_name"])

    assert "Renamed Seller" in page(client, dispute)


def test_the_countdown_moves_with_the_clock(client, buyer, dispute, clock):
    # Within the cache's timeout: only the countdown's own text says the page is out of date.
    client.force_login(buyer)
    clock.move_to(dispute.deadline_at - timedelta(minutes=30), tick=False)
    assert "30\xa0minutes left" in page(client, dispute)

    clock.move_to(dispute.deadline_at - timedelta(minutes=28), tick=False)

    assert "28\xa0minutes left" in page(client, dispute)


def test_the_viewers_new_name_shows_in_the_navigation_bar_on_the_next_view(client, seller, dispute, clock):
    # The seller: the buyer's own row is part of the dispute's anyway.
    client.force_login(seller)
    page(client, dispute)

    seller.first_name, seller.last_name = "Renamed", "Seller"
    seller.save(update_fields=["first_name", "last_name"])

    assert 'aria-expanded="false">Renamed Seller</a>' in page(client, dispute)


# --- what is never cached -----------------------------------------------------------------------------------
def test_each_browser_of_the_same_user_gets_a_token_for_its_own_cookie(buyer, dispute, clock):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(buyer)
    second.force_login(buyer)
    page(first, dispute)

    token = TOKEN.search(page(second, dispute)).group(1)
    response = second.post(reverse("disputes:withdraw", args=[dispute.pk]), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == dispute.State.WITHDRAWN


def test_a_flash_message_shows_once_even_when_the_page_was_cached(client, buyer, dispute, cached):
    # Refused, so nothing the page shows changes: only the message is new.
    response = client.post(reverse("disputes:accept_request", args=[dispute.pk]))
    assert response.status_code == 302

    assert 'role="alert"' in page(client, dispute)
    assert 'role="alert"' not in page(client, dispute)


def test_a_bad_post_renders_afresh_with_its_error_after_the_page_was_cached(client, buyer, dispute, cached):
    response = client.post(reverse("disputes:extend_deadline", args=[dispute.pk]), {"days": 16})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error_1_id_extend_deadline_days"' in html and 'value="16"' in html
    assert 'id="error_1_id_extend_deadline_days"' not in page(client, dispute)


@pytest.mark.parametrize("stranger", ["other_buyer", "other_seller", "staff_non_mediator"])
def test_a_stranger_still_gets_a_404_after_a_party_cached_the_page(
    client, dispute, cached, stranger, request
):
    client.force_login(request.getfixturevalue(stranger))

    assert client.get(detail(dispute)).status_code == 404
