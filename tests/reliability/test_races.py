"""Races on PostgreSQL: two people (or a person and the clock) act on the same thing at once.

Each side runs in its own thread with its own database connection, released together by a
barrier. Where the order of arrival matters, the first side is slowed down *while it holds its
locks*, so the second one really arrives in the middle of it: without the row locks both would
pass their checks. Exactly one wins; the other gets a clear refusal, or the sweep skips.
"""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from disputes import services
from disputes.models import Dispute, DisputeEvent
from orders import refunds
from orders import services as order_services
from orders.models import Order, OrderEvent, Refund
from portal import deadlines
from tests.factories import FlakyPaymentProvider, mediator_user, open_dispute_for, shipped_order
from tests.reliability.conftest import POSTGRES_ONLY, run_concurrently

pytestmark = [POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

HOLD = 0.5  # seconds the first side keeps its locks
STAGGER = 0.15  # how much later the second side starts


def slowed(function, seconds: float = HOLD):
    """``function``, then a pause: called where the locks are held, it keeps them longer."""

    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        time.sleep(seconds)
        return result

    return wrapper


def later(action, seconds: float = STAGGER):
    def run():
        time.sleep(seconds)
        return action()

    return run


@pytest.fixture
def dispute(now, mediators_group) -> Dispute:
    """A "not received" dispute for the whole 60.00 order, waiting for the seller."""
    order = shipped_order(paid_at=now)
    return open_dispute_for(order, at=now + timedelta(days=8))


def _refunded(order: Order) -> Decimal:
    return sum((r.amount for r in Refund.objects.filter(order=order)), Decimal("0.00"))


def _event_types(dispute: Dispute) -> list[str]:
    return list(DisputeEvent.objects.filter(dispute=dispute).order_by("id").values_list("type", flat=True))


# --- the seller accepts while the sweep expires the same deadline ------------------------------------
@pytest.mark.parametrize("first", ["seller", "sweep", "nobody"])
def test_the_seller_accepting_as_the_sweep_expires_the_deadline_resolves_it_once(dispute, monkeypatch, first):
    deadline = dispute.deadline_at
    seller = dispute.store.owner
    if first == "seller":
        monkeypatch.setattr("disputes.services.negotiation.lock_dispute", slowed(services.lock_dispute))
    elif first == "sweep":
        monkeypatch.setattr(
            "disputes.services.clock.apply_dispute_deadlines", slowed(services.apply_dispute_deadlines)
        )

    def accept():
        return services.accept_request(dispute=dispute, seller=seller, now=deadline - timedelta(seconds=1))

    def sweep():
        return deadlines.enforce_all(now=deadline)

    accept_action, sweep_action = accept, sweep
    if first == "seller":
        sweep_action = later(sweep)
    elif first == "sweep":
        accept_action = later(accept)
    accepted, swept = run_concurrently(accept_action, sweep_action)

    assert not isinstance(swept, Exception), swept
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.RESOLVED_BUYER
    types = _event_types(dispute)
    assert types.count(DisputeEvent.Type.ACCEPTED) + types.count(DisputeEvent.Type.AUTO_RESOLVED) == 1
    if isinstance(accepted, Exception):
        assert isinstance(accepted, services.ActionNotAllowed)
        assert str(accepted) == "You cannot accept this request now."
        assert swept["disputes"] == 1
    else:
        assert swept["disputes"] == 0, "the sweep must skip a dispute the seller is answering"
    if first == "seller":
        assert not isinstance(accepted, Exception) and DisputeEvent.Type.ACCEPTED in types
    if first == "sweep":
        assert isinstance(accepted, Exception) and DisputeEvent.Type.AUTO_RESOLVED in types
    (refund,) = Refund.objects.filter(dispute=dispute)
    assert refund.amount == Decimal("60.00") and _refunded(dispute.order) <= dispute.order.total_paid
    assert OrderEvent.objects.filter(order=dispute.order, type=OrderEvent.Type.REFUND_ISSUED).count() == 1


# --- two mediators decide the same case --------------------------------------------------------------
def test_two_mediators_deciding_the_same_case_at_once_decide_it_once(dispute, now, monkeypatch):
    at = now + timedelta(days=9)
    services.reject_request(
        dispute=dispute, seller=dispute.store.owner, note="It was delivered", evidence=[], now=at
    )
    services.escalate_dispute(dispute=dispute, user=dispute.buyer, note="It was not", now=at)
    alice, bob = mediator_user(username="alice_mediator"), mediator_user(username="bob_mediator")
    monkeypatch.setattr("disputes.services.mediation.lock_dispute", slowed(services.lock_dispute))

    def decide(mediator, decision, amount):
        return lambda: services.decide_dispute(
            dispute=dispute, mediator=mediator, decision=decision, amount=amount, note="Decided", now=at
        )

    results = run_concurrently(
        decide(alice, services.Decision.FULL_REFUND, None),
        decide(bob, services.Decision.PARTIAL_REFUND, Decimal("59.99")),
    )

    winners = [r for r in results if isinstance(r, Dispute)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], services.ActionNotAllowed)
    assert str(losers[0]) == "This dispute is not waiting for a decision."
    dispute.refresh_from_db()
    assert dispute.decided_by_id == winners[0].decided_by_id
    assert _event_types(dispute).count(DisputeEvent.Type.DECIDED) == 1
    (refund,) = Refund.objects.filter(dispute=dispute)
    assert refund.amount == dispute.refund_amount
    assert _refunded(dispute.order) <= dispute.order.total_paid


# --- a refund paid twice at once ---------------------------------------------------------------------
class SlowProvider(FlakyPaymentProvider):
    def refund(self, **kwargs) -> str:
        time.sleep(HOLD)
        return super().refund(**kwargs)


@pytest.fixture
def pending_refund(now, monkeypatch) -> Refund:
    """A refund written to the ledger whose payment job has not run yet."""
    provider = SlowProvider()
    monkeypatch.setattr("orders.refunds.get_provider", lambda: provider)
    order = shipped_order(paid_at=now)
    refund = Refund.objects.create(
        order=order,
        amount=Decimal("25.00"),
        currency=order.currency,
        reason=Refund.Reason.DISPUTE,
        created_at=now,
        next_attempt_at=now,
    )
    refund.provider = provider
    return refund


def test_a_refund_paid_by_two_jobs_at_once_is_paid_once(pending_refund, now):
    provider = pending_refund.provider

    first, second = run_concurrently(
        lambda: refunds.pay_refund(refund_id=pending_refund.pk, now=now),
        lambda: refunds.pay_refund(refund_id=pending_refund.pk, now=now),
    )

    # The job that claimed the refund pays it; the other finds it claimed and leaves it alone
    # (it holds no lock while the provider answers, so it need not wait for that).
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert provider.calls == 1
    refund = Refund.objects.get(pk=pending_refund.pk)
    assert refund.status == Refund.Status.PAID
    assert refund.attempts == 1
    order = refund.order
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.REFUND_PAID).count() == 1


def test_the_sweep_skips_a_refund_that_its_job_is_paying(pending_refund, now):
    provider = pending_refund.provider

    # A sweep within the job's claim: past it, the sweep would take the job for dead and ask the
    # provider again with the same key (tests/orders/test_stripe_refunds.py).
    paid, swept = run_concurrently(
        lambda: refunds.pay_refund(refund_id=pending_refund.pk, now=now),
        later(lambda: deadlines.enforce_all(now=now + timedelta(minutes=1))),
    )

    assert paid.status == Refund.Status.PAID
    assert not isinstance(swept, Exception), swept
    assert provider.calls == 1
    assert (
        OrderEvent.objects.filter(order=pending_refund.order, type=OrderEvent.Type.REFUND_PAID).count() == 1
    )


def test_refunds_issued_at_once_never_exceed_what_was_paid(now, monkeypatch):
    order = shipped_order(paid_at=now)
    monkeypatch.setattr("orders.services.lock_order", slowed(order_services.lock_order))

    def issue(amount):
        def run():
            from django.db import transaction

            with transaction.atomic():
                locked = order_services.lock_order(order.pk)
                return order_services.issue_refund(
                    order=locked, amount=amount, reason=Refund.Reason.DISPUTE, now=now
                )

        return run

    results = run_concurrently(issue(Decimal("40.00")), issue(Decimal("40.00")))

    assert sorted(type(r).__name__ for r in results) == ["Refund", "RefundExceedsPaid"], results
    loser = next(r for r in results if isinstance(r, Exception))
    assert "would exceed what is left to refund" in str(loser)
    assert _refunded(order) == Decimal("40.00") <= order.total_paid


# --- a buyer double-clicks "Open dispute" ------------------------------------------------------------
def test_a_double_clicked_open_dispute_opens_one_dispute(now, monkeypatch, mediators_group):
    order = shipped_order(paid_at=now)
    at = now + timedelta(days=8)
    monkeypatch.setattr("orders.services.lock_order", slowed(order_services.lock_order))

    def open_it():
        return open_dispute_for(order, at=at)

    results = run_concurrently(open_it, open_it)

    opened = [r for r in results if isinstance(r, Dispute)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(opened) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], services.DisputeAlreadyOpen)
    assert str(refused[0]) == "This order already has an open dispute."
    assert Dispute.objects.filter(order=order).count() == 1
    assert DisputeEvent.objects.filter(dispute__order=order, type=DisputeEvent.Type.OPENED).count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.HELD).count() == 1


def test_a_double_clicked_open_dispute_form_shows_the_second_click_why(now, monkeypatch, mediators_group):
    from django.utils import timezone

    order = shipped_order(paid_at=timezone.now() - timedelta(days=9))
    monkeypatch.setattr("orders.services.lock_order", slowed(order_services.lock_order))
    url = reverse("disputes:open", args=[order.number])
    data = {
        "item_received": "no",
        "reason": Dispute.Reason.NOT_RECEIVED,
        "refund_type": "full",
        "description": "Tracking has not moved for a week.",
        **{f"item_{item.pk}": item.quantity for item in order.items.all()},
    }

    def click():
        client = Client()
        client.force_login(order.buyer)
        return client.post(url, data)

    responses = run_concurrently(click, click)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 400], [(r.status_code, r.content[:2000]) for r in responses]
    refused = next(r for r in responses if r.status_code == 400)
    assert "This order already has an open dispute." in refused.content.decode()
    assert Dispute.objects.filter(order=order).count() == 1
    assert DisputeEvent.objects.filter(dispute__order=order, type=DisputeEvent.Type.OPENED).count() == 1
