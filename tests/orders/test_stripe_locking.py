"""On PostgreSQL: while Stripe hangs on a refund, nothing waits for it. The job holds no row
lock during the call, so the order, the refund, the order's page and the sweep all go on."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.urls import reverse

from orders import refunds
from orders.models import Order, Refund
from portal.deadlines import enforce_all
from tests.factories import shipped_order
from tests.orders import fake_stripe
from tests.reliability.conftest import POSTGRES_ONLY

pytestmark = [pytest.mark.postgres, POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_api(settings, monkeypatch):
    yield from fake_stripe.serve(settings, monkeypatch)


def test_a_hanging_provider_blocks_neither_the_order_nor_the_refund_nor_a_page_nor_the_sweep(
    stripe_api, settings, now, client
):
    settings.STRIPE_TIMEOUT_SECONDS = 30
    order = shipped_order(paid_at=now, payment_reference="pi_3TestHang")
    refund = Refund.objects.create(
        order=order,
        amount=Decimal("25.00"),
        currency=order.currency,
        reason=Refund.Reason.DISPUTE,
        created_at=now,
        next_attempt_at=now,
    )
    stripe_api.trouble = [fake_stripe.HOLD]
    outcome = {}

    def job() -> None:
        try:
            outcome["refund"] = refunds.pay_refund(refund_id=refund.pk, now=now)
        except Exception as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=job, daemon=True)
    worker.start()
    assert stripe_api.holding.wait(10), "the job never reached Stripe"

    started = time.monotonic()
    with transaction.atomic():
        Order.objects.select_for_update(nowait=True).get(pk=order.pk)
        Refund.objects.select_for_update(nowait=True).get(pk=refund.pk)
    client.force_login(order.buyer)
    page = client.get(reverse("orders:detail", args=[order.number]))
    swept = enforce_all(now=now + timedelta(minutes=1))
    waited = time.monotonic() - started

    assert page.status_code == 200
    assert waited < 5, f"something waited {waited:.1f}s for the hanging provider"
    assert swept["orders"] == 0  # the claimed refund is not the sweep's to pay
    assert worker.is_alive(), "the provider let go too early for this test to mean anything"
    assert len(stripe_api.posts()) == 1

    stripe_api.release.set()
    worker.join(10)

    assert "error" not in outcome, outcome
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert len(stripe_api.created) == 1
