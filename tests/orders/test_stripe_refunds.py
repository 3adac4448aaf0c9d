"""Refunds through the real ``stripe`` client, against a stand-in of Stripe's API on 127.0.0.1:
one Stripe Refund per ledger row whatever is retried, card errors fail at once, outages and
timeouts retry with the same key for as long as they last without the buyer being told the refund
failed, a key Stripe refuses waits for an operator, refunds Stripe is still processing wait for its
word, and a worker killed between the call and the record is recovered by the sweep without paying
twice."""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from orders import policy, refunds, services
from orders.models import OrderEvent, Refund
from orders.payments import (
    PaymentProviderError,
    PaymentProviderMisconfigured,
    PaymentRefused,
    StripePaymentProvider,
)
from portal.deadlines import enforce_all
from tests.factories import shipped_order
from tests.orders import fake_stripe

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
PAYMENT_INTENT = "pi_3TestPaymentIntent"


@pytest.fixture
def stripe_api(settings, monkeypatch):
    yield from fake_stripe.serve(settings, monkeypatch)


@pytest.fixture
def order(now, buyer, store):
    return shipped_order(paid_at=now, buyer=buyer, store=store, payment_reference=PAYMENT_INTENT)


def issue(order, amount: str, now) -> Refund:
    return services.issue_refund(order=order, amount=Decimal(amount), reason=Refund.Reason.DISPUTE, now=now)


def count(order, event_type: str) -> int:
    return order.events.filter(type=event_type).count()


def errors_logged(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "orders.refunds" and record.levelno == logging.ERROR
    ]


def test_a_refund_becomes_one_stripe_refund_with_the_ledger_key_and_metadata(stripe_api, order, now):
    refund = issue(order, "25.50", now)

    refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    assert (made["payment_intent"], made["amount"]) == (PAYMENT_INTENT, 2550)
    assert made["metadata"] == {"refund_id": str(refund.pk), "order_number": order.number}
    (post,) = stripe_api.posts()
    assert post["key"] == str(refund.idempotency_key)
    assert order.events.get(type=T.REFUND_PAID).data["reference"] == made["id"]


def test_a_charge_reference_is_refunded_as_a_charge(stripe_api, now, buyer, store):
    order = shipped_order(paid_at=now, buyer=buyer, store=store, payment_reference="ch_3TestCharge")
    refund = issue(order, "10.00", now)

    refunds.pay_refund(refund_id=refund.pk, now=now)

    (post,) = stripe_api.posts()
    assert post["params"]["charge"] == "ch_3TestCharge" and "payment_intent" not in post["params"]
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PAID


def test_asking_again_with_the_same_key_gets_the_same_refund_back(stripe_api, order, now):
    refund = issue(order, "25.00", now)
    call = {
        "idempotency_key": refund.idempotency_key,
        "refund_id": refund.pk,
        "order_number": order.number,
        "payment_reference": PAYMENT_INTENT,
        "amount": refund.amount,
        "currency": "USD",
    }

    first = StripePaymentProvider().refund(**call)
    second = StripePaymentProvider().refund(**call)

    assert first == second
    assert len(stripe_api.created) == 1
    assert len(stripe_api.posts()) == 2


def test_a_card_error_fails_the_refund_at_once_and_tells_the_buyer(
    stripe_api, order, now, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    refund = issue(order, "25.00", now)
    stripe_api.trouble = [fake_stripe.CARD_ERROR]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert refund.attempts == 1
    assert refund.next_attempt_at is None
    assert refund.failure_reason.startswith("Stripe 402: Your card has expired.")
    assert count(order, T.REFUND_FAILED) == 1
    assert [message.to for message in mailoutbox] == [[buyer.email]]
    assert stripe_api.created == []


def test_an_order_without_a_stripe_payment_fails_its_refund_without_calling_stripe(
    stripe_api, now, buyer, store
):
    order = shipped_order(paid_at=now, buyer=buyer, store=store)  # imported before references were
    refund = issue(order, "25.00", now)

    refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert "has no Stripe payment to refund" in refund.failure_reason
    assert stripe_api.requests == []


def test_a_stripe_500_keeps_the_refund_pending_and_the_sweep_pays_it_once(stripe_api, order, now):
    refund = issue(order, "25.00", now)
    stripe_api.trouble = [fake_stripe.SERVER_ERROR]

    refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 1
    assert refund.failure_reason.startswith("Stripe 500")
    assert refund.next_attempt_at == now + policy.REFUND_RETRY_DELAY
    assert refund.claimed_until is None

    enforce_all(now=refund.next_attempt_at)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert refund.attempts == 2
    assert len(stripe_api.created) == 1
    assert {post["key"] for post in stripe_api.posts()} == {str(refund.idempotency_key)}


def test_stripe_down_past_the_policy_maximum_keeps_the_refund_pending_logs_errors_and_never_tells_the_buyer(
    stripe_api, order, now, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    refund = issue(order, "25.00", now)
    outage = policy.REFUND_MAX_ATTEMPTS + 10
    stripe_api.trouble = [fake_stripe.SERVER_ERROR] * outage
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(outage):
            swept_at = refund.next_attempt_at
            enforce_all(now=swept_at)
            refund.refresh_from_db()

    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == outage
    assert refund.failure_reason.startswith("Stripe 500")
    # The retries slow down, but never below the pace of a status check.
    assert refund.next_attempt_at == swept_at + policy.REFUND_STATUS_CHECK_DELAY
    assert count(order, T.REFUND_FAILED) == 0
    assert mailoutbox == []
    errors = errors_logged(caplog)
    assert len(errors) == outage - policy.REFUND_MAX_ATTEMPTS + 1
    assert all(f"refund {refund.pk} is still not paid" in error for error in errors)
    assert stripe_api.created == []

    with django_capture_on_commit_callbacks(execute=True):
        enforce_all(now=refund.next_attempt_at)  # Stripe is back

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    assert {post["key"] for post in stripe_api.posts()} == {str(refund.idempotency_key)}
    assert count(order, T.REFUND_PAID) == 1
    assert count(order, T.REFUND_FAILED) == 0


@pytest.mark.parametrize(
    ("api_key", "status"),
    [("sk_test_revoked_key", 401), ("rk_test_without_refunds", 403)],
    ids=["401-wrong-or-revoked-key", "403-key-without-refund-permission"],
)
def test_a_key_stripe_refuses_keeps_the_refund_pending_uncounted_and_tells_the_operator_not_the_buyer(
    stripe_api, order, now, settings, api_key, status, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    refund = issue(order, "25.00", now)
    settings.STRIPE_API_KEY = api_key
    sweeps = policy.REFUND_MAX_ATTEMPTS + 2
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for _sweep in range(sweeps):
            swept_at = refund.next_attempt_at
            enforce_all(now=swept_at)
            refund.refresh_from_db()

    assert refund.status == Refund.Status.PENDING
    assert refund.attempts == 0
    assert refund.failure_reason.startswith(f"Stripe {status}")
    assert refund.next_attempt_at == swept_at + policy.REFUND_RETRY_DELAY
    assert refund.claimed_until is None
    assert count(order, T.REFUND_FAILED) == 0
    assert mailoutbox == []
    assert stripe_api.created == []
    errors = errors_logged(caplog)
    assert len(errors) == sweeps
    assert f"refund {refund.pk}: the payment provider refuses our credentials (Stripe {status}" in errors[0]
    assert "STRIPE_API_KEY" in errors[0] and "An operator must fix" in errors[0]

    settings.STRIPE_API_KEY = fake_stripe.API_KEY  # the operator puts the right key back
    with django_capture_on_commit_callbacks(execute=True):
        enforce_all(now=refund.next_attempt_at)

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    assert refund.attempts == 1
    assert count(order, T.REFUND_PAID) == 1
    assert count(order, T.REFUND_FAILED) == 0


def test_a_timeout_is_retried_with_the_same_key_and_pays_once(stripe_api, order, now):
    refund = issue(order, "25.00", now)
    # Stripe makes the refund, but its answer comes after the client stopped waiting.
    stripe_api.trouble = [fake_stripe.HANG]

    refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.failure_reason.startswith("Stripe no answer")
    assert len(stripe_api.created) == 1

    enforce_all(now=refund.next_attempt_at)

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    assert [post["key"] for post in stripe_api.posts()] == [str(refund.idempotency_key)] * 2


def test_a_refund_stripe_is_still_processing_waits_submitted_for_its_word(stripe_api, order, now):
    stripe_api.new_status = "pending"
    refund = issue(order, "25.00", now)

    refunds.pay_refund(refund_id=refund.pk, now=now)
    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(minutes=1))  # a duplicate job

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.SUBMITTED
    assert refund.get_status_display() == "Processing at the provider"
    assert refund.provider_reference == made["id"]
    assert refund.submitted_at == now
    assert refund.next_attempt_at == now + policy.REFUND_STATUS_CHECK_DELAY
    assert len(stripe_api.requests) == 1
    assert count(order, T.REFUND_PAID) == count(order, T.REFUND_FAILED) == 0
    # Still being refunded: it counts against what is left to refund.
    assert services.refundable_amount(order) == Decimal("35.00")


def test_the_sweep_asks_stripe_about_a_stuck_refund_by_retrieving_it_never_making_another(
    stripe_api, order, now
):
    stripe_api.new_status = "requires_action"
    refund = issue(order, "25.00", now)
    refunds.pay_refund(refund_id=refund.pk, now=now)
    refund.refresh_from_db()
    check_at = refund.next_attempt_at

    enforce_all(now=check_at - timedelta(seconds=1))
    assert len(stripe_api.requests) == 1

    enforce_all(now=check_at)  # no webhook came; Stripe still works on it
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUBMITTED
    assert refund.next_attempt_at == check_at + policy.REFUND_STATUS_CHECK_DELAY

    stripe_api.finish(refund.provider_reference, "succeeded")
    enforce_all(now=refund.next_attempt_at)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID
    assert [(r["method"], r["path"]) for r in stripe_api.requests] == [
        ("POST", "/v1/refunds"),
        ("GET", f"/v1/refunds/{refund.provider_reference}"),
        ("GET", f"/v1/refunds/{refund.provider_reference}"),
    ]
    assert len(stripe_api.created) == 1
    assert count(order, T.REFUND_PAID) == 1


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_refund_stripe_answers_failed_or_canceled_is_failed_and_the_buyer_told(
    stripe_api, order, now, status, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    stripe_api.new_status = status
    refund = issue(order, "25.00", now)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        refunds.pay_refund(refund_id=refund.pk, now=now)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert refund.failure_reason == f"Stripe: refund {status}"
    assert refund.provider_reference == stripe_api.created[0]["id"]
    assert [message.to for message in mailoutbox] == [[buyer.email]]


def test_a_worker_killed_between_the_call_and_the_record_is_recovered_by_the_sweep_paying_once(
    stripe_api, order, now, monkeypatch
):
    refund = issue(order, "25.00", now)
    record = refunds._record_refund_answer

    def killed(**kwargs):
        raise SystemExit("worker killed")  # as a SIGKILL: nothing after the provider call runs

    monkeypatch.setattr(refunds, "_record_refund_answer", killed)
    with pytest.raises(SystemExit):
        refunds.pay_refund(refund_id=refund.pk, now=now)
    monkeypatch.setattr(refunds, "_record_refund_answer", record)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.claimed_until == refund.next_attempt_at == now + policy.REFUND_CLAIM_LEASE
    assert len(stripe_api.created) == 1  # the money moved; the ledger does not know it yet

    enforce_all(now=now + policy.REFUND_CLAIM_LEASE - timedelta(seconds=1))  # the claim still holds
    refunds.pay_refund(refund_id=refund.pk, now=now + timedelta(minutes=1))  # a duplicate job
    assert len(stripe_api.posts()) == 1

    enforce_all(now=now + policy.REFUND_CLAIM_LEASE)

    refund.refresh_from_db()
    (made,) = stripe_api.created
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    assert refund.attempts == 2
    assert [post["key"] for post in stripe_api.posts()] == [str(refund.idempotency_key)] * 2
    assert count(order, T.REFUND_PAID) == 1


def test_stripe_errors_become_retry_misconfigured_or_refusal(stripe_api, order, now, settings):
    provider = StripePaymentProvider()
    stripe_api.trouble = [fake_stripe.SERVER_ERROR, fake_stripe.CARD_ERROR]

    with pytest.raises(PaymentProviderError):
        provider.refund_status(reference="re_fake000001")
    with pytest.raises(PaymentRefused):
        provider.refund_status(reference="re_fake000001")
    with pytest.raises(PaymentRefused, match="No such refund"):
        provider.refund_status(reference="re_unknown")
    settings.STRIPE_API_KEY = "sk_test_revoked_key"
    with pytest.raises(PaymentProviderMisconfigured, match="Stripe 401: Invalid API Key provided"):
        StripePaymentProvider().refund_status(reference="re_fake000001")
