"""Stripe's webhook for refunds, posted as Stripe does (signed with the endpoint's secret): it
finishes refunds Stripe was processing, and nothing it is sent twice, late, forged or garbled
moves a refund backwards, notifies twice or pays again."""

import json
import time
from decimal import Decimal

import pytest
import stripe
from django.urls import reverse

from orders import policy, refunds, services
from orders.models import OrderEvent, Refund
from portal.deadlines import enforce_all
from tests.factories import shipped_order
from tests.orders import fake_stripe

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
URL = "/payments/stripe/webhook/"


@pytest.fixture
def stripe_api(settings, monkeypatch):
    yield from fake_stripe.serve(settings, monkeypatch)


@pytest.fixture
def submitted(stripe_api, now, buyer, store) -> Refund:
    """A refund Stripe accepted and is still processing."""
    stripe_api.new_status = "pending"
    order = shipped_order(paid_at=now, buyer=buyer, store=store, payment_reference="pi_3TestWebhook")
    refund = services.issue_refund(
        order=order, amount=Decimal("25.00"), reason=Refund.Reason.DISPUTE, now=now
    )
    refunds.pay_refund(refund_id=refund.pk, now=now)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUBMITTED
    return refund


def event_body(refund: dict, event_type: str = "charge.refund.updated", event_id: str = "evt_1") -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2025-09-30.clover",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": refund},
        }
    )


def post(client, body: str, *, secret: str = fake_stripe.WEBHOOK_SECRET, timestamp: int | None = None):
    signature = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def count(refund: Refund, event_type: str) -> int:
    return refund.order.events.filter(type=event_type).count()


def test_the_webhook_url_is_the_one_the_readme_names():
    assert reverse("orders:stripe_webhook") == URL


def test_succeeded_marks_a_submitted_refund_paid_once_however_often_it_is_sent(
    client, stripe_api, submitted, django_capture_on_commit_callbacks
):
    body = event_body(stripe_api.finish(submitted.provider_reference, "succeeded"))

    with django_capture_on_commit_callbacks(execute=True):
        answers = [post(client, body).status_code for _replay in range(3)]

    submitted.refresh_from_db()
    assert answers == [200, 200, 200]
    assert submitted.status == Refund.Status.PAID
    assert submitted.next_attempt_at is None
    assert count(submitted, T.REFUND_PAID) == 1
    assert len(stripe_api.created) == 1


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_failed_or_canceled_fails_the_refund_and_tells_the_buyer(
    client, stripe_api, submitted, status, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    refund = stripe_api.finish(
        submitted.provider_reference, status, failure_reason="expired_or_canceled_card"
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event_body(refund, "refund.failed"))
        post(client, event_body(refund, "refund.updated"))  # the same news again

    submitted.refresh_from_db()
    assert response.status_code == 200
    assert submitted.status == Refund.Status.FAILED
    assert submitted.failure_reason == f"Stripe: refund {status} (expired_or_canceled_card)"
    assert count(submitted, T.REFUND_FAILED) == 1
    assert [message.to for message in mailoutbox] == [[buyer.email]]
    # A failed refund no longer counts against what can still be refunded.
    assert services.refundable_amount(submitted.order) == submitted.order.total_paid


def test_a_late_pending_or_failed_event_never_moves_a_paid_refund_back(client, stripe_api, submitted):
    made = stripe_api.refunds[submitted.provider_reference]
    succeeded = event_body({**made, "status": "succeeded"}, event_id="evt_2")
    pending = event_body({**made, "status": "pending"}, "refund.created", event_id="evt_1")
    failed = event_body({**made, "status": "failed"}, "refund.failed", event_id="evt_3")

    answers = [post(client, body).status_code for body in (succeeded, pending, failed)]

    submitted.refresh_from_db()
    assert answers == [200, 200, 200]
    assert submitted.status == Refund.Status.PAID
    assert count(submitted, T.REFUND_PAID) == 1
    assert count(submitted, T.REFUND_FAILED) == 0


def test_the_webhook_finds_a_refund_whose_job_died_before_recording_it_by_its_metadata(
    client, stripe_api, now, buyer, store, monkeypatch
):
    order = shipped_order(paid_at=now, buyer=buyer, store=store, payment_reference="pi_3TestWebhook")
    refund = services.issue_refund(
        order=order, amount=Decimal("25.00"), reason=Refund.Reason.DISPUTE, now=now
    )

    def killed(**kwargs):
        raise SystemExit("worker killed")

    record = refunds._record_refund_answer
    monkeypatch.setattr(refunds, "_record_refund_answer", killed)
    with pytest.raises(SystemExit):
        refunds.pay_refund(refund_id=refund.pk, now=now)
    monkeypatch.setattr(refunds, "_record_refund_answer", record)
    (made,) = stripe_api.created
    assert Refund.objects.get(pk=refund.pk).provider_reference == ""

    response = post(client, event_body(made, "refund.created"))

    refund.refresh_from_db()
    assert response.status_code == 200
    assert refund.status == Refund.Status.PAID
    assert refund.provider_reference == made["id"]
    enforce_all(now=now + policy.REFUND_CLAIM_LEASE)  # the sweep finds nothing left to do
    assert len(stripe_api.posts()) == 1
    assert count(refund, T.REFUND_PAID) == 1


def test_metadata_naming_another_order_is_not_taken_for_ours(client, stripe_api, submitted):
    made = stripe_api.refunds[submitted.provider_reference]
    stranger = {**made, "id": "re_someone_else", "status": "succeeded"}
    stranger["metadata"] = {"refund_id": str(submitted.pk), "order_number": "OTHER-SHOP-1"}

    response = post(client, event_body(stranger))

    submitted.refresh_from_db()
    assert response.status_code == 200
    assert submitted.status == Refund.Status.SUBMITTED


def test_an_unknown_refund_is_a_logged_no_op_so_stripe_stops_sending_it(
    client, stripe_api, submitted, caplog
):
    unknown = {
        "id": "re_unknown",
        "object": "refund",
        "status": "succeeded",
        "metadata": {},
        "payment_intent": "pi_x",
    }

    response = post(client, event_body(unknown))

    submitted.refresh_from_db()
    assert response.status_code == 200
    assert submitted.status == Refund.Status.SUBMITTED
    assert "re_unknown" in caplog.text and "no such refund" in caplog.text


@pytest.mark.parametrize(
    "signed",
    [
        pytest.param({"secret": "whsec_forged"}, id="wrong secret"),
        pytest.param({"timestamp": int(time.time()) - 3600}, id="replayed an hour later"),
    ],
)
def test_a_bad_signature_is_a_400_that_changes_nothing(client, stripe_api, submitted, signed):
    body = event_body({**stripe_api.refunds[submitted.provider_reference], "status": "succeeded"})

    response = post(client, body, **signed)

    submitted.refresh_from_db()
    assert response.status_code == 400
    assert submitted.status == Refund.Status.SUBMITTED
    assert count(submitted, T.REFUND_PAID) == 0


def test_an_unsigned_post_is_a_400(client, stripe_api, submitted):
    body = event_body({**stripe_api.refunds[submitted.provider_reference], "status": "succeeded"})

    response = client.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert Refund.objects.get(pk=submitted.pk).status == Refund.Status.SUBMITTED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="not JSON"),
        pytest.param("[1, 2]", id="not an object"),
        pytest.param(json.dumps({"object": "event", "type": "refund.updated"}), id="no data"),
        pytest.param(event_body({"object": "refund", "metadata": {}}), id="refund without id"),
        pytest.param(
            event_body({"id": "ch_1", "object": "charge", "status": "succeeded"}), id="not a refund"
        ),
    ],
)
def test_a_malformed_body_is_a_400(client, stripe_api, submitted, body):
    response = post(client, body)

    assert response.status_code == 400
    assert Refund.objects.get(pk=submitted.pk).status == Refund.Status.SUBMITTED


def test_events_about_other_things_are_acknowledged_and_ignored(client, stripe_api, submitted):
    body = event_body({"id": "ch_1", "object": "charge", "status": "succeeded"}, "charge.succeeded")

    assert post(client, body).status_code == 200
    assert Refund.objects.get(pk=submitted.pk).status == Refund.Status.SUBMITTED


def test_without_a_configured_secret_nothing_is_believed(client, stripe_api, submitted, settings):
    body = event_body({**stripe_api.refunds[submitted.provider_reference], "status": "succeeded"})
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = post(client, body)

    assert response.status_code == 503
    assert Refund.objects.get(pk=submitted.pk).status == Refund.Status.SUBMITTED
